from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response as ApiResponse
from rest_framework.routers import SimpleRouter

from accounts.models import Role, Unit
from accounts.scoping import ScopedViewSetMixin

from . import selectors, services
from .filters import ResponseFilterSet, SurveyFilterSet
from .models import Response, Survey
from .serializers import (
    CopySerializer,
    QuotaInputSerializer,
    ResponseInputSerializer,
    ResponseSerializer,
    SurveyDetailSerializer,
    SurveySerializer,
    VoidSerializer,
)


class SurveyViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                    viewsets.ReadOnlyModelViewSet):
    """Questionnaires of the caller's region; the office builds, publishes and copies them.
    `results` gives `response_count` (every valid response) and the rates (inside the
    sampling frame) with a breakdown per community, street and district."""

    queryset = Survey.objects.select_related("region").with_response_counts()
    serializer_class = SurveySerializer
    filterset_class = SurveyFilterSet
    ordering_fields = ["starts_on", "id", "title"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return SurveyDetailSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related("sections", "questions__options", "quotas__community")
        return qs

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    def _transition(self, request, status):
        survey = services.survey_set_status(survey=self.get_object(), by=request.user,
                       status=status)
        return ApiResponse(SurveySerializer(self.get_queryset().get(pk=survey.pk),
                                            context={"request": request}).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._transition(request, Survey.Status.OPEN)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(request, Survey.Status.CLOSED)

    @extend_schema(request=CopySerializer)
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        survey = self.get_object()
        data = CopySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.survey_copy(survey=survey, by=request.user, **data.validated_data)
        return ApiResponse(SurveySerializer(self.get_queryset().get(pk=new.pk),
                                            context={"request": request}).data,
                           status=status.HTTP_201_CREATED)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True)
    def results(self, request, pk=None):
        return ApiResponse(selectors.survey_results(survey=self.get_object(), user=request.user))

    @extend_schema(responses=inline_serializer("ResponseBurst", many=True, fields={
        "community": serializers.IntegerField(),
        "community__name": serializers.CharField(),
        "channel": serializers.CharField(),
        "minute": serializers.DateTimeField(help_text="那一分钟的开始时间"),
        "n": serializers.IntegerField(help_text="这一分钟内的有效答卷数"),
    }))
    @action(detail=True, pagination_class=None, filter_backends=[])
    def bursts(self, request, pk=None):
        """Minutes in which one community and channel sent many valid answers (a list)."""
        rows = services.response_bursts(survey=self.get_object(), user=request.user)
        return ApiResponse([{**r, "minute": r["minute"].isoformat()} for r in rows])

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True)
    def quotas(self, request, pk=None):
        """Quota and progress per community in the caller's scope (three queries)."""
        return ApiResponse(selectors.quota_progress(survey=self.get_object(), user=request.user))

    @extend_schema(request=QuotaInputSerializer, responses=OpenApiTypes.OBJECT)
    @quotas.mapping.put
    def set_quotas(self, request, pk=None):
        """Office only: set quotas per community or the same for every community."""
        survey = self.get_object()
        data = QuotaInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        with transaction.atomic():
            self._set_quotas(survey, request.user, v)
        return ApiResponse(selectors.quota_progress(survey=survey, user=request.user))

    def _set_quotas(self, survey, user, v):
        if "all" in v:
            street = None
            if "street" in v:
                street = Unit.objects.filter(pk=v["street"], kind=Unit.Kind.STREET,
                                             path__startswith=survey.region.path).first()
                if street is None:
                    raise ValidationError({"street": "请选择本次调查范围内的街道。"})
            services.quotas_set_all(survey=survey, by=user, target=v["all"],
                  street=street, only_empty=v["only_empty"])
        if v.get("quotas"):
            services.quotas_set(survey=survey, by=user,
                  targets={row["community"]: row["target"] for row in v["quotas"]})

    @extend_schema(request=VoidSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        survey = self.get_object()
        data = VoidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        args = dict(data.validated_data)
        if "community" in args:
            args["community"] = Unit.objects.filter(pk=args["community"]).first()
        count = services.responses_void(survey=survey, by=request.user, **args)
        return ApiResponse({"voided": count})


class ResponseViewSet(ScopedViewSetMixin, mixins.CreateModelMixin,
                      viewsets.ReadOnlyModelViewSet):
    """Responses in the caller's result scope. Office staff and inspectors enter household,
    intercept and mock interviews (interviewer = the caller); residents answer online
    through the public form."""

    queryset = Response.objects.select_related("survey").order_by("-created", "-id")
    serializer_class = ResponseSerializer
    filterset_class = ResponseFilterSet
    write_roles = {Role.OFFICE, Role.INSPECTOR}
    ordering_fields = ["created", "id"]

    @extend_schema(request=ResponseInputSerializer, responses=ResponseSerializer)
    def create(self, request, *args, **kwargs):
        data = ResponseInputSerializer(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        response = services.response_submit(survey=v["survey"], community=v["community"],
                         answers=v["answers"], channel=v["channel"], interviewer=request.user)
        return ApiResponse(ResponseSerializer(response).data, status=status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("surveys", SurveyViewSet, basename="survey")
router.register("survey-responses", ResponseViewSet, basename="survey-response")

from .api_editing import register as _register_editing  # noqa: E402 - registers on the router above

_register_editing(router)
