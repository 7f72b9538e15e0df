from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.api_errors import field_errors
from accounts.models import Unit
from accounts.workflow import ActionsField

from .models import WORKFLOW, Option, Question, Quota, Response, Section, Survey


class OptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Option
        fields = ["id", "text", "order", "indicator", "in_frame"]


class QuestionSerializer(serializers.ModelSerializer):
    options = OptionSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = ["id", "section", "text", "kind", "required", "order", "indicator", "screening",
                  "options"]


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "title", "order"]


class QuotaSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Quota
        fields = ["community", "community_name", "target"]


class SurveySerializer(serializers.ModelSerializer):
    public_url = serializers.SerializerMethodField()
    response_count = serializers.IntegerField(read_only=True)
    region = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none())
    actions = ActionsField(WORKFLOW)

    class Meta:
        model = Survey
        fields = ["id", "title", "intro", "region", "round_kind", "starts_on", "ends_on", "status",
                  "target_awareness", "target_support", "target_participation",
                  "target_satisfaction", "version", "copied_from", "public_url",
                  "response_count", "actions", "created"]
        read_only_fields = ["status", "version", "copied_from", "created"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["region"].queryset = Unit.objects.visible_to(request.user).filter(
                kind__in=Unit.REGION_KINDS)

    def get_public_url(self, obj) -> str:
        request = self.context.get("request")
        path = obj.public_path()
        return request.build_absolute_uri(path) if request else path

    def validate(self, attrs):
        from .forms import REGION_LOCKED, region_locked

        if region_locked(self.instance, attrs.get("region")):
            raise serializers.ValidationError({"region": REGION_LOCKED})
        instance = Survey(**{**({f: getattr(self.instance, f) for f in attrs}
                                if self.instance else {}), **attrs})
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise field_errors(exc) from None
        return attrs


class SurveyDetailSerializer(SurveySerializer):
    sections = SectionSerializer(many=True, read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)
    quotas = QuotaSerializer(many=True, read_only=True)

    class Meta(SurveySerializer.Meta):
        fields = SurveySerializer.Meta.fields + ["sections", "questions", "quotas"]


class ResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Response
        fields = ["id", "survey", "community", "channel", "interviewer", "created", "in_frame",
                  "voided", "void_reason"]


class ResponseInputSerializer(serializers.Serializer):
    """Staff entry: {"survey", "community", "channel", "answers": {question_id: value}}.
    value: an option id, a list of option ids (multiple choice) or a text."""

    survey = serializers.PrimaryKeyRelatedField(queryset=Survey.objects.none())
    community = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none())
    channel = serializers.ChoiceField(choices=[c for c in Response.Channel.choices
                                               if c[0] != Response.Channel.ONLINE])
    answers = serializers.DictField(child=serializers.JSONField())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None:  # schema generation: no request, nothing to choose from
            return
        self.fields["survey"].queryset = Survey.objects.visible_to(user)
        self.fields["community"].queryset = Unit.objects.visible_to(user).filter(
            kind=Unit.Kind.COMMUNITY)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    community = serializers.IntegerField(required=False)
    channel = serializers.ChoiceField(choices=Response.Channel.choices, required=False)
    minute = serializers.DateTimeField(required=False)


class CopySerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    round_kind = serializers.ChoiceField(choices=Survey.RoundKind.choices, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)


class QuotaRowSerializer(serializers.Serializer):
    community = serializers.IntegerField(label="社区")
    target = serializers.IntegerField(label="配额", min_value=0, max_value=100000)


class QuotaInputSerializer(serializers.Serializer):
    """{"quotas": [{"community": id, "target": n}]} sets single communities (0 removes);
    {"all": 20} sets every community of the survey (or of "street"), "only_empty" keeps those
    already set."""

    quotas = QuotaRowSerializer(many=True, required=False)
    all = serializers.IntegerField(label="每个社区", min_value=1, max_value=100000,
                                   required=False)
    street = serializers.IntegerField(label="街道", required=False)
    only_empty = serializers.BooleanField(label="只设置还没有配额的社区", default=False)

    def validate(self, attrs):
        if not attrs.get("quotas") and "all" not in attrs:
            raise serializers.ValidationError(
                {"quotas": "请填写各社区的配额，或用“all”为每个社区设置同样的配额。"})
        if "street" in attrs and "all" not in attrs:
            raise serializers.ValidationError({"street": "按街道设置时请同时填写“all”。"})
        return attrs
