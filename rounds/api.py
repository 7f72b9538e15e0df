"""The rounds API: the rounds the caller sees, one round with its plan, teams and scores, its
sampled points, and the round inspection of one sampled point (the phone's offline queue
sends it, idempotent by the draft's UUID like the plain inspection API)."""

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.models import Role
from accounts.scoping import RolePermission, ScopedViewSetMixin, may_write
from evidence.idempotency import KeyConflict, api_run_once, mark_replayed

from .filters import RoundFilterSet, RoundSampleFilterSet
from .models import Round, RoundSample, RoundTeam, SamplingRule
from .selectors import round_list_scores, round_scores
from .serializers import (
    RoundDetailSerializer,
    RoundInspectionDoneSerializer,
    RoundInspectionInputSerializer,
    RoundSampleSerializer,
    RoundSerializer,
    score_state,
)
from .services import sample_inspect

READERS = {Role.OFFICE, Role.LEADER, Role.INSPECTOR}
ROUND_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="测评轮次的编号")
SAMPLE_ID = OpenApiParameter("sample", int, OpenApiParameter.PATH,
                             description="样本点位的编号（/sample/ 列表中的 id）")
NOT_IN_ROUND = "该测评点位不存在或不在您的范围内。"


class RoundPermission(RolePermission):
    """The round pages' rule: office staff, leaders and inspectors read (everybody else 403);
    writes by the view's roles after the scoped lookup."""

    def has_permission(self, request, view):
        user = request.user
        if user.is_authenticated and user.scope_path is not None and not may_write(
                user, READERS):
            self.message = "您的角色无权查看测评轮次。"
            return False
        return super().has_permission(request, view)


def _count(queryset):
    # A correlated count per round rather than JOIN + GROUP BY over samples and teams at once.
    return Coalesce(Subquery(queryset.filter(round=OuterRef("pk")).order_by().values(
        "round").annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)


class RoundViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Rounds of field assessment (模拟测评) the caller sees: office staff and leaders those
    over their region, an inspector those they walk in."""

    queryset = Round.objects.select_related("region", "framework").annotate(
        sample_count=_count(RoundSample.objects.all()),
        inspected_count=_count(RoundSample.objects.filter(inspection__isnull=False)),
        team_count=_count(RoundTeam.objects.all()),
    )
    serializer_class = RoundSerializer
    filterset_class = RoundFilterSet
    ordering_fields = ["starts", "id"]
    ordering = ["-starts", "-id"]
    permission_classes = [RoundPermission]
    action_roles = {"sample_inspect": {Role.OFFICE, Role.INSPECTOR}}

    def list(self, request, *args, **kwargs):
        """Each round's field score is null with `score_state` "none" (尚无检查) until a
        sampled point was scored. Queries: count, page, the page's scores."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        scores = round_list_scores(page)
        for r in page:
            state = score_state(*scores.get(r.pk, (None, 0)))
            r.score_state, r.field_score = state["state"], state["score"]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=RoundDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        """The round with its plan (sampling rules, seed), its teams (an inspector: their
        own), and the score summary of the round page."""
        round = self.get_object()
        scores = round_scores(round)
        state = score_state(scores.score, scores.points)
        round.score_state, round.field_score = state["state"], state["score"]
        teams = RoundTeam.objects.visible_to(request.user).filter(round=round).prefetch_related(
            "members").annotate(stops=Count("samples", distinct=True),
                                done=Count("samples", distinct=True,
                                           filter=Q(samples__inspection__isnull=False)))
        return Response(RoundDetailSerializer(round, context={
            "request": request, "teams": teams, "scores": scores}).data)

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch(
                "rules", queryset=SamplingRule.objects.select_related("category")))
        return qs

    @extend_schema(parameters=[ROUND_ID, OpenApiParameter("team", int, description="督查组编号"),
                               OpenApiParameter("status", str, enum=["pending", "inspected"],
                                                description="pending 未测评，inspected 已测评")],
                   responses=RoundSampleSerializer(many=True))
    @action(detail=True, url_path="sample", filter_backends=[])
    def sample(self, request, pk=None):
        """The round's sampled points the caller sees (an inspector: their teams' stops),
        team by team in route order, each with its state. Queries: the round, count, page."""
        round = self.get_object()
        samples = RoundSample.objects.visible_to(request.user).filter(round=round).select_related(
            "point", "category", "district", "street", "team", "inspection").order_by(
            F("team__name").asc(nulls_last=True), "team_id",
            F("route_order").asc(nulls_last=True), "pk")
        filterset = RoundSampleFilterSet(request.query_params, queryset=samples,
                                         request=request)
        if not filterset.is_valid():
            raise DRFValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(RoundSampleSerializer(page, many=True).data)

    @extend_schema(parameters=[ROUND_ID, SAMPLE_ID],
                   request={"multipart/form-data": RoundInspectionInputSerializer},
                   responses={201: RoundInspectionDoneSerializer})
    @action(detail=True, methods=["post"], url_path=r"sample/(?P<sample>[^/.]+)/inspect",
            parser_classes=[MultiPartParser, FormParser], filter_backends=[])
    def sample_inspect(self, request, pk=None, sample=None):
        """Record the round inspection of one sampled point (a member of the point's team or
        office staff; another team's inspector 403): scored the assessors' way, each failed
        item filed as an issue tagged with the round. Send the draft's UUID as
        `Idempotency-Key` (or `client_uuid`): a repeat answers the sample the first request
        recorded (header `Idempotent-Replayed: true`)."""
        round = self.get_object()
        target = RoundSample.objects.filter(round=round, pk=sample).first() if (
            sample.isascii() and sample.isdigit() and len(sample) < 19) else None
        if target is None:
            raise NotFound(NOT_IN_ROUND)

        def write():
            data = RoundInspectionInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            results = [{**row, "photo": request.FILES.get(f"photo_{row['check_item']}")}
                       for row in data.validated_data["results"]]
            return sample_inspect(sample=target, by=request.user, results=results,
                                  notes=data.validated_data.get("notes", ""))

        inspection, first = api_run_once(request, action="round_inspection", write=write,
                                         data=request.data)
        done = RoundSample.objects.filter(inspection=inspection).select_related(
            "point", "category", "district", "street", "team", "inspection").first()
        if done is None or done.pk != target.pk:
            raise KeyConflict("该草稿编号已用于另一个点位的测评，请删除此草稿后重新填写。")
        return mark_replayed(Response(RoundInspectionDoneSerializer(done).data, status=201),
                             first)


router = SimpleRouter()
router.register("rounds", RoundViewSet)
