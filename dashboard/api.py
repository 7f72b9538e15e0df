import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.models import Role, Unit

from . import drill, figures, services
from .models import Report
from .serializers import RankingItemSerializer, ReportRequestSerializer, ReportSerializer

router = SimpleRouter()

DASHBOARD_ROLES = {Role.OFFICE, Role.LEADER}


class DashboardReader(BasePermission):
    """Office staff and leaders of a region read the ranking; nobody writes to it."""

    message = "只有创城办和领导可以查看排名。"

    def has_permission(self, request, view):
        user = request.user
        if not user.is_authenticated or user.scope_path is None:
            return False
        if not (user.is_superuser or user.role in DASHBOARD_ROLES):
            return False
        if request.method not in SAFE_METHODS:
            self.message = "排名只读，不能修改。"
            return False
        return True


@extend_schema_serializer(many=False)
class RecordsSerializer(serializers.Serializer):
    """The records behind one number of the ranking."""

    unit = inline_serializer("RecordsUnit", {"id": serializers.IntegerField(),
                                             "name": serializers.CharField()})
    column = serializers.CharField()
    label = serializers.CharField()
    period = inline_serializer("RecordsPeriod", {
        "kind": serializers.CharField(), "start": serializers.DateField(),
        "end": serializers.DateField()})
    figure = serializers.IntegerField(help_text="排名表上的数字")
    count = serializers.IntegerField(help_text="清单条数；已结束的周期，数字为存档，可能与现有记录不同")
    archived = serializers.BooleanField(help_text="周期已结束，figure 为周期结束时的存档")
    results = inline_serializer("RecordRow", {
        "number": serializers.CharField(), "url": serializers.URLField(),
        "title": serializers.CharField(), "unit": serializers.CharField(),
        "when": serializers.CharField(), "note": serializers.CharField()}, many=True)


@extend_schema_serializer(many=False)
class RankingSerializer(serializers.Serializer):
    """What the ranking answers: the period ranked, the number of units and their rows."""

    period = inline_serializer("RankingPeriod", {
        "kind": serializers.CharField(), "start": serializers.DateField(),
        "end": serializers.DateField()})
    as_of = serializers.DateTimeField(help_text="计算时间：同一范围的排名最多保留 RANKING_CACHE_SECONDS 秒（默认 60）")
    # What `change` compares with: while the period runs, the previous period up to the same
    # point (whole false, `until` the moment it is counted to); once over, the whole previous
    # period.
    compared = inline_serializer("RankingCompared", {
        "start": serializers.DateField(), "end": serializers.DateField(),
        "until": serializers.DateTimeField(), "whole": serializers.BooleanField(),
        "note": serializers.CharField()})
    count = serializers.IntegerField()
    results = RankingItemSerializer(many=True)


class RankingViewSet(viewsets.ViewSet):
    """The composite-index ranking of the responsible units in the user's region.

    `?period=week|month|quarter|year|custom` (`start`, `end` as YYYY-MM-DD for custom),
    `?kind=street` for the streets alone. `change` (较上期) is against `compared`: while
    the period runs, the previous period up to the same point; once it is over, the previous
    period whole. About a dozen queries however many units: this period counted with the
    first part of the previous one, or the previous one read from its snapshots."""

    permission_classes = [DashboardReader]
    lookup_value_regex = "[0-9]+"

    @extend_schema(
        parameters=[OpenApiParameter("period", str), OpenApiParameter("start", str),
                    OpenApiParameter("end", str), OpenApiParameter("kind", str)],
        responses=RankingSerializer)
    def list(self, request):
        period = figures.period_from_params(request.query_params)
        kind = request.query_params.get("kind") or None
        if kind and kind not in figures.RANKED_KINDS:
            raise ValidationError({"kind": "单位类型须为 department、street 或 enterprise。"})
        body = _kept(request, period, kind, lambda: self._answer(request, period, kind))
        renderer = request.accepted_renderer
        if renderer.format == "json" and ";" not in (request.accepted_media_type or ""):
            # The kept answer is already the JSON the renderer writes: sent as it is.
            return HttpResponse(body, content_type=renderer.media_type)
        # The browsable page, or JSON with options (indent=): drawn again from the data.
        return Response(json.loads(body))

    def _answer(self, request, period, kind):
        data = figures.ranking(request.user, period, kind=kind)
        compared = data["compared"]
        return {
            "period": {"kind": period.kind, "start": period.first_day,
                        "end": period.last_day},
            "compared": {"start": compared.first_day, "end": compared.last_day,
                         "until": timezone.localtime(compared.end), "whole": compared.whole,
                         "note": figures.compared_note(compared)},
            "as_of": timezone.now(),
            "count": len(data["rows"]),
            "results": RankingItemSerializer(
                data["rows"], many=True,
                context={"period": period, "request": request}).data,
        }

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH,
                                     description="责任单位的编号"),
                    OpenApiParameter("column", str, OpenApiParameter.PATH,
                                     enum=[*drill.COLUMNS]),
                    OpenApiParameter("period", str), OpenApiParameter("start", str),
                    OpenApiParameter("end", str)],
        responses=RecordsSerializer)
    @action(detail=True, url_path=r"records/(?P<column>[a-z0-9_]+)")
    def records(self, request, pk=None, column=None):
        """穿透: the records behind one number of a unit's ranking row (the keys of
        `figures`), for the same period; `count` equals `figure` for the running period."""
        if column not in drill.COLUMNS:
            raise NotFound("没有这一列。")
        unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=pk)
        period = figures.period_from_params(request.query_params)
        now = timezone.now()
        figure, rows = drill.figure_and_records(unit, column, period, now=now)
        return Response({
            "unit": {"id": unit.pk, "name": unit.name}, "column": column,
            "label": drill.COLUMNS[column],
            "period": {"kind": period.kind, "start": period.first_day,
                       "end": period.last_day},
            "figure": figure, "count": len(rows),
            "archived": figures.is_snapshotted(period, now),
            "results": [{**r, "url": request.build_absolute_uri(r["url"])} for r in rows],
        })


def _kept(request, period, kind, answer):
    """The ranking's answer as JSON bytes, from the cache, or `answer()` rendered once and
    kept for RANKING_CACHE_SECONDS.

    Everyone of one scope reads the same ranking, so the key is the scope, the period, the
    kind, the weights as last saved (a change of weights is seen at once) and the host the
    links are written for. Other writes are seen within the seconds kept (`as_of` says when
    it was counted). Without a cache the ranking is counted every time. The rendered bytes
    are kept, not the data: a city office's answer is about 220 kB of JSON, and writing it
    again on every request cost more than reading it."""
    seconds = settings.RANKING_CACHE_SECONDS
    if not seconds:
        return _rendered(answer())
    weights = figures.weights_stamp(request.user)
    key = "dashboard:ranking-json:" + hashlib.blake2b(repr((
        request.user.scope_path, kind, period.kind, period.first_day, period.last_day,
        weights, request.build_absolute_uri("/"),
    )).encode(), digest_size=16).hexdigest()
    try:
        kept = cache.get(key)
    except Exception:  # noqa: BLE001 — the cache being down must not stop the ranking
        return _rendered(answer())
    if kept is None:
        kept = _rendered(answer())
        try:
            cache.set(key, kept, timeout=seconds)
        except Exception:  # noqa: BLE001, S110
            pass
    return kept


def _rendered(data):
    return JSONRenderer().render(data)


class ReportReader(BasePermission):
    """Office staff and leaders read the reports of their region. A report is looked up in
    the user's region first, so another region's answers 404 and a unit's staff get 403."""

    message = "只有创城办和领导可以查看通报报告。"

    def _reader(self, user):
        return user.is_superuser or user.role in DASHBOARD_ROLES

    def has_permission(self, request, view):
        user = request.user
        if not user.is_authenticated or user.scope_path is None:
            return False
        if "pk" in view.kwargs:
            return True  # decided in has_object_permission, after the scoped lookup
        return self._reader(user)

    def has_object_permission(self, request, view, obj):
        return self._reader(request.user)


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    """Accountability reports of the region. `POST` with `kind` requests one (office only):
    202 when it was queued, 200 with the existing report of that period (idempotent). Each
    report carries its job (`/api/v1/jobs/{id}/`): progress, then the XLSX at the job's
    `download_url` and the printable PDF at its `pdf_url`."""

    permission_classes = [ReportReader]
    serializer_class = ReportSerializer
    queryset = Report.objects.select_related("region", "job__created_by")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return self.queryset.none()
        return self.queryset.in_region_of(self.request.user)

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportSerializer})
    def create(self, request):
        serializer = ReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report, created = services.report_request(
            kind=data["kind"], by=request.user,
            start=data.get("period_start"), end=data.get("period_end"))
        return Response(ReportSerializer(report).data,
                        status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)

    def _moved_to_job(self, name):
        report = self.get_object()
        if report.job_id is None:
            raise NotFound("这份通报报告的文件已不存在，请在通报报告页重新生成。")
        return HttpResponseRedirect(reverse(name, kwargs={"pk": report.job_id}))

    @extend_schema(deprecated=True, responses={302: None, 404: None})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """Moved: the report's Excel file is its job's (302 to `/api/v1/jobs/{id}/download/`,
        which checks access again), kept for links saved before."""
        return self._moved_to_job("job-download")

    @extend_schema(deprecated=True, responses={302: None, 404: None})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """Moved: the report's PDF is its job's (302 to `/api/v1/jobs/{id}/pdf/`)."""
        return self._moved_to_job("job-pdf")


router.register("dashboard/ranking", RankingViewSet, basename="dashboard-ranking")
router.register("reports", ReportViewSet, basename="report")
