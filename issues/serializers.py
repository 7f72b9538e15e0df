import datetime as dt

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Unit
from accounts.workflow import ActionsField
from evidence.fields import ClientUUIDField, ImageUploadField
from points.models import Point

from . import deadlines
from .duplicates import possible_duplicates
from .models import WORKFLOW, Issue, IssueCategory, IssueEvent, IssuePhoto, Source


class IssueCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = IssueCategory
        fields = ["id", "name", "deadline_value", "deadline_unit", "severity", "suggested_unit",
                  "order", "is_active"]


class SuggestQuerySerializer(serializers.Serializer):
    text = serializers.CharField(
        label="问题描述", max_length=2000, trim_whitespace=True,
        error_messages={"required": "请提供问题描述（text）。", "blank": "问题描述不能为空。",
                        "max_length": "问题描述不能超过 2000 字。"})


class CategorySuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    score = serializers.FloatField(help_text="模型给出的可能性（0–1）")


@extend_schema_field(OpenApiTypes.STR)
class DeadlineField(serializers.Field):
    """A date (the end of that day, local time) or a datetime."""

    default_error_messages = {"invalid": "期限格式不正确，请填写日期（如 2026-05-08）或日期时间。"}

    def to_internal_value(self, data):
        if isinstance(data, dt.datetime | dt.date):
            return deadlines.deadline_from_input(data)
        text = str(data).strip()
        value = parse_datetime(text) if len(text) > 10 else parse_date(text)
        if value is None:
            self.fail("invalid")
        return deadlines.deadline_from_input(value)

    def to_representation(self, value):
        return value.isoformat()


class IssuePhotoSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="display_url", read_only=True)
    thumbnail_url = serializers.CharField(read_only=True)
    original_url = serializers.CharField(source="url", read_only=True)

    class Meta:
        model = IssuePhoto
        fields = ["id", "kind", "url", "thumbnail_url", "original_url", "width", "height",
                  "exif_taken_at", "exif_lat", "exif_lng", "review_flags", "created"]


class IssueEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", default="", read_only=True)

    class Meta:
        model = IssueEvent
        fields = ["id", "kind", "actor", "from_status", "to_status", "reason", "unit",
                  "deadline", "created"]


class IssueSerializer(serializers.ModelSerializer):
    is_overdue = serializers.BooleanField(read_only=True)
    relapse_count = serializers.IntegerField(read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    point_name = serializers.CharField(source="point.name", default="", read_only=True)
    responsible_unit_name = serializers.CharField(source="responsible_unit.name", default="",
                                                  read_only=True)

    class Meta:
        model = Issue
        fields = ["id", "status", "category", "category_name", "source", "severity",
                  "description", "point", "point_name", "latitude", "longitude", "address",
                  "responsible_unit", "responsible_unit_name", "deadline", "is_overdue",
                  "relapse_count", "created", "closed_at"]
        read_only_fields = fields


class PossibleDuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    category_name = serializers.CharField()
    point_name = serializers.CharField()
    created = serializers.DateTimeField()
    reasons = serializers.ListField(child=serializers.CharField(),
                                    help_text="为什么像同一个问题，如“相距约 20 米”“照片相似（相差 3 位）”")


class IssueDetailSerializer(IssueSerializer):
    photos = IssuePhotoSerializer(many=True, read_only=True)
    events = IssueEventSerializer(many=True, read_only=True)
    actions = ActionsField(WORKFLOW, help_text="调用者现在可以执行的操作（request_extension 对应 "
                           "POST /api/v1/issues/{id}/request-extension/，其余同名）")
    possible_duplicates = serializers.SerializerMethodField(
        help_text="调用者能看到的、疑似同一问题的其他问题：同一点位同一类别未销号、"
                  "附近同一时段，或照片相似（最多 10 条）")

    class Meta(IssueSerializer.Meta):
        fields = IssueSerializer.Meta.fields + ["photos", "events", "actions",
                                                "possible_duplicates"]
        read_only_fields = fields

    @extend_schema_field(PossibleDuplicateSerializer(many=True))
    def get_possible_duplicates(self, issue):
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return []
        rows = possible_duplicates(issue, request.user)
        return PossibleDuplicateSerializer(rows, many=True).data


class IssueFileSerializer(serializers.Serializer):
    point = serializers.PrimaryKeyRelatedField(queryset=Point.objects.none(), required=False,
                                               allow_null=True)
    category = serializers.PrimaryKeyRelatedField(
        queryset=IssueCategory.objects.filter(is_active=True))
    description = serializers.CharField()
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False,
                                        allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(max_digits=10, decimal_places=6, required=False,
                                         allow_null=True, min_value=-180, max_value=180)
    address = serializers.CharField(required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=ImageUploadField(), min_length=1, max_length=9)
    client_uuid = ClientUUIDField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["point"].queryset = Point.objects.visible_to(request.user)


def _unit_field(request):
    qs = Unit.objects.visible_to(request.user) if request else Unit.objects.none()
    return serializers.PrimaryKeyRelatedField(queryset=qs)


class AssignSerializer(serializers.Serializer):
    responsible_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none())
    deadline = DeadlineField(required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"] = _unit_field(self.context.get("request"))


class BulkAssignSerializer(AssignSerializer):
    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500)


class ReassignSerializer(AssignSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SubmitSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=ImageUploadField(), min_length=1, max_length=9,
                                   error_messages={"min_length": "请上传整改后的照片。"})
    client_uuid = ClientUUIDField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(error_messages={"required": "请填写理由。",
                                                   "blank": "请填写理由。"})


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReopenSerializer(ReasonSerializer):
    deadline = DeadlineField(required=False, allow_null=True)


class ExtensionRequestSerializer(ReasonSerializer):
    deadline = DeadlineField()


class ExtensionGrantSerializer(serializers.Serializer):
    deadline = DeadlineField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField()
