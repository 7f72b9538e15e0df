from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api_errors import field_errors
from accounts.models import Unit, User
from evidence.fields import ClientUUIDField

from .models import (
    CheckItem,
    FrameworkItem,
    Inspection,
    InspectionResult,
    Point,
    PointCategory,
    PointCircle,
)
from .services import circle_save, point_save


class FrameworkItemSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = FrameworkItem
        fields = ["id", "framework", "parent", "level", "level_display", "code", "title", "text",
                  "method_online", "method_field", "method_survey", "score", "order"]


class CheckItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckItem
        fields = ["id", "text", "score", "severe_hint", "order"]


class PointCategorySerializer(serializers.ModelSerializer):
    check_items = CheckItemSerializer(many=True, read_only=True)

    class Meta:
        model = PointCategory
        fields = ["id", "name", "code", "description", "order", "check_items"]


class _ScopedRelatedMixin:
    """Related-object choices limited to the caller's scope: another unit's id is simply
    'does not exist' (400 naming the field)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        units = Unit.objects.visible_to(user)
        for name in ("territorial_unit", "supervising_unit"):
            if name in self.fields:
                self.fields[name].queryset = units
        if "partner_units" in self.fields:
            self.fields["partner_units"].child_relation.queryset = units
        if "chief" in self.fields:
            self.fields["chief"].queryset = User.objects.visible_to(user)
        if "core" in self.fields:
            self.fields["core"].queryset = Point.objects.visible_to(user)


class PointSerializer(_ScopedRelatedMixin, serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)
    territorial_unit_name = serializers.CharField(source="territorial_unit.name", read_only=True)
    supervising_unit_name = serializers.CharField(source="supervising_unit.name", read_only=True,
                                                  default=None, allow_null=True)
    chief_name = serializers.CharField(source="chief.display_name", read_only=True, default=None,
                                       allow_null=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    territorial_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none())
    supervising_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.none(), allow_null=True, required=False)
    partner_units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.none(), many=True, required=False)
    chief = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), allow_null=True, required=False)

    class Meta:
        model = Point
        fields = ["id", "name", "name_initials", "category", "category_name", "address",
                  "longitude", "latitude", "territorial_unit", "territorial_unit_name",
                  "supervising_unit", "supervising_unit_name", "partner_units", "chief",
                  "chief_name", "kind", "kind_display", "is_active", "created", "updated"]
        read_only_fields = ["name_initials", "created", "updated"]

    def _save(self, point, validated_data):
        partners = validated_data.pop("partner_units", None)
        for key, value in validated_data.items():
            setattr(point, key, value)
        try:
            return point_save(point=point, by=self.context["request"].user,
                              partner_units=partners)
        except DjangoValidationError as exc:
            raise field_errors(exc) from exc

    def create(self, validated_data):
        return self._save(Point(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class PointBriefSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = Point
        fields = ["id", "name", "category", "category_name", "latitude", "longitude"]


class PointCircleSerializer(_ScopedRelatedMixin, serializers.ModelSerializer):
    core = serializers.PrimaryKeyRelatedField(queryset=Point.objects.none())
    core_name = serializers.CharField(source="core.name", read_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = PointCircle
        fields = ["id", "name", "core", "core_name", "radius_m", "citywide", "categories",
                  "members", "computed_at", "created"]
        read_only_fields = ["computed_at", "created"]

    @extend_schema_field(PointBriefSerializer(many=True))
    def get_members(self, obj):
        """Members in the caller's scope (a citywide circle reaches into other districts);
        lists prefetch them already scoped."""
        if "members" in getattr(obj, "_prefetched_objects_cache", {}):
            members = obj.members.all()
        else:
            members = obj.members.visible_to(self.context["request"].user).select_related(
                "category")
        return PointBriefSerializer(members, many=True).data

    def _save(self, circle, validated_data):
        categories = validated_data.pop("categories", None)
        for key, value in validated_data.items():
            setattr(circle, key, value)
        if categories is None:
            categories = list(circle.categories.all()) if circle.pk else []
        try:
            return circle_save(circle=circle, categories=categories,
                               by=self.context["request"].user)
        except DjangoValidationError as exc:
            raise field_errors(exc) from exc

    def create(self, validated_data):
        return self._save(PointCircle(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class InspectionResultSerializer(serializers.ModelSerializer):
    check_item_text = serializers.CharField(source="check_item.text", read_only=True)
    verdict_display = serializers.CharField(source="get_verdict_display", read_only=True)
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = InspectionResult
        fields = ["id", "check_item", "check_item_text", "verdict", "verdict_display", "note",
                  "has_photo"]

    def get_has_photo(self, obj) -> bool:
        return bool(obj.photo)


class InspectionSerializer(serializers.ModelSerializer):
    point_name = serializers.CharField(source="point.name", read_only=True)
    inspector_name = serializers.CharField(source="inspector.display_name", read_only=True,
                                           default=None)
    results = InspectionResultSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "point", "point_name", "inspector", "inspector_name", "created", "score",
                  "max_score", "passed", "notes", "results"]
        read_only_fields = fields


class InspectionResultInputSerializer(serializers.Serializer):
    check_item = serializers.IntegerField()
    verdict = serializers.ChoiceField(choices=InspectionResult.Verdict.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class InspectionInputSerializer(serializers.Serializer):
    """POST /inspections/: multipart with `point`, `notes`, `results` (a JSON list of
    {check_item, verdict, note}) and one file `photo_<check_item>` per failed item."""

    point = serializers.PrimaryKeyRelatedField(queryset=Point.objects.none())
    notes = serializers.CharField(required=False, allow_blank=True)
    results = serializers.JSONField()
    client_uuid = ClientUUIDField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["point"].queryset = Point.objects.visible_to(request.user)

    def validate_results(self, value):
        rows = InspectionResultInputSerializer(data=value, many=True)
        rows.is_valid(raise_exception=True)
        return rows.validated_data
