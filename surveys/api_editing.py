"""Questionnaire editing through the API: `survey-sections`, `survey-questions`,
`survey-options`. Reads for whoever sees the survey; writes for the office of its region,
through the same services as the editor page (surveys.editing), so the same rules hold:
Chinese messages per field (400), edits refused once the survey has answers (400 with the
message pointing to a new version), order kept gapless (`POST .../{id}/move/`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as ApiResponse

from accounts.models import Role
from accounts.scoping import RolePermission

from . import editing
from .models import Indicator, Option, Question, Section, Survey
from .serializers import OptionSerializer, QuestionSerializer, SectionSerializer


class MoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(label="方向", choices=[("up", "上移"), ("down", "下移")])


class _Visible(serializers.PrimaryKeyRelatedField):
    """A survey, section or question the caller sees (others do not exist for them)."""

    def __init__(self, model, path, **kwargs):
        self.model, self.path = model, path
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.model.objects.none()
        visible = Survey.objects.visible_to(request.user)
        if self.path == "":
            return visible
        return self.model.objects.filter(**{f"{self.path}__in": visible})


class OptionInput(serializers.Serializer):
    text = serializers.CharField(label="选项", max_length=200)
    counts = serializers.BooleanField(label="计入指标", default=False)
    in_frame = serializers.BooleanField(label="符合抽样条件", default=True)


class QuestionInput(serializers.Serializer):
    survey = _Visible(Survey, "", label="问卷")
    section = _Visible(Section, "survey", label="分节", required=False, allow_null=True)
    text = serializers.CharField(label="题目", max_length=300)
    kind = serializers.ChoiceField(label="题型", choices=Question.Kind.choices)
    required = serializers.BooleanField(label="必答", default=True)
    indicator = serializers.ChoiceField(label="计入指标", choices=Indicator.choices,
                                        allow_blank=True, default="")
    screening = serializers.ChoiceField(label="甄别", choices=Question.Screening.choices,
                                        allow_blank=True, default="")
    options = OptionInput(many=True, required=False, default=list)


class QuestionUpdate(serializers.Serializer):
    section = _Visible(Section, "survey", label="分节", required=False, allow_null=True)
    text = serializers.CharField(label="题目", max_length=300, required=False)
    required = serializers.BooleanField(label="必答", required=False)
    indicator = serializers.ChoiceField(label="计入指标", choices=Indicator.choices,
                                        allow_blank=True, required=False)
    screening = serializers.ChoiceField(label="甄别", choices=Question.Screening.choices,
                                        allow_blank=True, required=False)


class OptionCreate(OptionInput):
    question = _Visible(Question, "survey", label="题目")


class SectionCreate(serializers.Serializer):
    survey = _Visible(Survey, "", label="问卷")
    title = serializers.CharField(label="标题", max_length=200)


class _EditViewSet(mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [RolePermission]
    write_roles = {Role.OFFICE}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    survey_path = "survey"

    def get_queryset(self):
        return self.queryset.filter(**{
            f"{self.survey_path}__in": Survey.objects.visible_to(self.request.user)})

    def _input(self, serializer_class, partial=False):
        data = serializer_class(data=self.request.data, partial=partial,
                                context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return data.validated_data

    def _out(self, obj, code=status.HTTP_200_OK):
        obj = self.get_queryset().get(pk=obj.pk)
        return ApiResponse(self.get_serializer(obj).data, status=code)

    @extend_schema(request=MoveSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        obj = self.get_object()
        direction = self._input(MoveSerializer)["direction"]
        self.move_function(**{self.name_in_services: obj}, by=request.user,
              direction=direction)
        return self._out(obj)

    def perform_destroy(self, instance):
        self.delete_function(**{self.name_in_services: instance}, by=self.request.user)


class SectionViewSet(_EditViewSet):
    """Sections of the questionnaires the caller sees, e.g. 一、创建知晓情况."""

    queryset = Section.objects.order_by("survey", "order", "pk")
    serializer_class = SectionSerializer
    filterset_fields = ["survey"]
    name_in_services = "section"
    move_function = staticmethod(editing.section_move)
    delete_function = staticmethod(editing.section_delete)

    @extend_schema(request=SectionCreate)
    def create(self, request):
        v = self._input(SectionCreate)
        return self._out(editing.section_add(survey=v["survey"], by=request.user,
                               title=v["title"]), status.HTTP_201_CREATED)

    @extend_schema(request=SectionCreate)
    def partial_update(self, request, pk=None):
        section = self.get_object()
        v = self._input(SectionCreate, partial=True)
        editing.section_update(section=section, by=request.user,
              title=v.get("title", section.title))
        return self._out(section)


class QuestionViewSet(_EditViewSet):
    """Questions with their options; `options[].counts` marks the options feeding the
    question's indicator (知道 → 知晓率, 满意/比较满意 → 满意率)."""

    queryset = Question.objects.select_related("survey").prefetch_related("options") \
        .order_by("survey", "order", "pk")
    serializer_class = QuestionSerializer
    filterset_fields = ["survey"]
    name_in_services = "question"
    move_function = staticmethod(editing.question_move)
    delete_function = staticmethod(editing.question_delete)

    @extend_schema(request=QuestionInput)
    def create(self, request):
        v = self._input(QuestionInput)
        options = [(o["text"], v["indicator"] if o["counts"] else "", o["in_frame"])
                   for o in v["options"]]
        question = editing.question_add(survey=v["survey"], by=request.user,
                         text=v["text"], kind=v["kind"], required=v["required"],
                         indicator=v["indicator"], screening=v["screening"],
                         section=v.get("section"), options=options)
        return self._out(question, status.HTTP_201_CREATED)

    @extend_schema(request=QuestionUpdate)
    def partial_update(self, request, pk=None):
        question = self.get_object()
        v = self._input(QuestionUpdate, partial=True)
        editing.question_update(question=question, by=request.user,
              text=v.get("text", question.text), required=v.get("required", question.required),
              indicator=v.get("indicator", question.indicator),
              screening=v.get("screening", question.screening),
              section=v["section"] if "section" in v else question.section)
        return self._out(question)


class OptionViewSet(_EditViewSet):
    queryset = Option.objects.select_related("question__survey").order_by(
        "question", "order", "pk")
    serializer_class = OptionSerializer
    filterset_fields = ["question"]
    survey_path = "question__survey"
    name_in_services = "option"
    move_function = staticmethod(editing.option_move)
    delete_function = staticmethod(editing.option_delete)

    @extend_schema(request=OptionCreate)
    def create(self, request):
        v = self._input(OptionCreate)
        option = editing.option_add(question=v["question"], by=request.user,
                       text=v["text"], counts=v["counts"], in_frame=v["in_frame"])
        return self._out(option, status.HTTP_201_CREATED)

    @extend_schema(request=OptionInput)
    def partial_update(self, request, pk=None):
        option = self.get_object()
        v = self._input(OptionInput, partial=True)
        editing.option_update(option=option, by=request.user,
              text=v.get("text", option.text), counts=v.get("counts", bool(option.indicator)),
              in_frame=v.get("in_frame", option.in_frame))
        return self._out(option)


def register(router):
    router.register("survey-sections", SectionViewSet, basename="survey-section")
    router.register("survey-questions", QuestionViewSet, basename="survey-question")
    router.register("survey-options", OptionViewSet, basename="survey-option")
