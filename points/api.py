from django.db.models import Prefetch
from django.http import FileResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.models import Role
from accounts.scoping import ReferenceDataPermission, ScopedViewSetMixin
from evidence.idempotency import api_run_once, mark_replayed
from jobs.api import start_import_response
from jobs.excel import filters_text
from jobs.models import Job
from jobs.serializers import JobSerializer

from .filters import (
    FrameworkItemFilterSet,
    InspectionFilterSet,
    PointCategoryFilterSet,
    PointCircleFilterSet,
    PointFilterSet,
)
from .models import FrameworkItem, Inspection, Point, PointCategory, PointCircle
from .selectors import point_map_features, points_export_file
from .serializers import (
    FrameworkItemSerializer,
    InspectionInputSerializer,
    InspectionSerializer,
    PointCategorySerializer,
    PointCircleSerializer,
    PointSerializer,
)
from .services import inspection_create

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FrameworkItemViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The assessment framework tree (read-only here; office staff import it from Excel)."""

    queryset = FrameworkItem.objects.select_related("framework")
    serializer_class = FrameworkItemSerializer
    filterset_class = FrameworkItemFilterSet
    ordering_fields = ["order", "code", "id"]


class PointCategoryViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """The 39 kinds of point with their checklists, shared by the whole city; the city
    office maintains them."""

    queryset = PointCategory.objects.prefetch_related("check_items")
    serializer_class = PointCategorySerializer
    permission_classes = [ReferenceDataPermission]
    filterset_class = PointCategoryFilterSet
    ordering_fields = ["order", "name", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class PointViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                   viewsets.ReadOnlyModelViewSet):
    """Points in the caller's scope; office staff create, edit and import them."""

    queryset = (Point.objects.select_related("category", "territorial_unit", "supervising_unit",
                                             "chief").prefetch_related("partner_units"))
    serializer_class = PointSerializer
    filterset_class = PointFilterSet
    search_fields = ["name", "name_initials", "address"]
    ordering_fields = ["name", "id", "updated", "category__order"]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses={202: JobSerializer})
    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[MultiPartParser, FormParser])
    def import_(self, request):
        """Starts an import job (202 with the job; poll `/api/v1/jobs/{id}/` for progress and
        the row errors). All or nothing: a file with any bad row writes nothing. A file that
        is not a workbook with the template's headers gets 400 at once."""
        return start_import_response(request, Job.Kind.POINTS_IMPORT)

    @extend_schema(responses={(200, XLSX): bytes})
    @action(detail=False, methods=["get"])
    def export(self, request):
        points = self.filter_queryset(self.get_queryset())
        used = PointFilterSet(request.query_params or None, request=request,
                              queryset=points.none())
        return FileResponse(points_export_file(points, filters_text(used)), as_attachment=True,
                            filename="点位.xlsx", content_type=XLSX)

    @extend_schema(responses=inline_serializer("PointMap", {
        "points": serializers.ListField(child=serializers.ListField(
            child=serializers.JSONField(), help_text="[id, 名称, 纬度, 经度, 类别, 状态]"))}))
    @action(detail=False, methods=["get"], url_path="map", pagination_class=None)
    def map(self, request):
        """[id, name, lat, lng, category, state] for every point in scope matching the filters."""
        points = self.filter_queryset(self.get_queryset().order_by())
        return Response({"points": point_map_features(points)})


class PointCircleViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                         viewsets.ReadOnlyModelViewSet):
    """Key-point circles with their computed members."""

    queryset = (PointCircle.objects.select_related("core")
                .prefetch_related("categories", "members__category"))
    serializer_class = PointCircleSerializer
    filterset_class = PointCircleFilterSet
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        # A citywide circle's members in other districts are not the caller's to see.
        visible = Point.objects.visible_to(self.request.user).select_related("category")
        return super().get_queryset().prefetch_related(None).prefetch_related(
            "categories", Prefetch("members", queryset=visible))


class InspectionViewSet(ScopedViewSetMixin, mixins.CreateModelMixin,
                        viewsets.ReadOnlyModelViewSet):
    """Field inspections of points in scope; inspectors and office staff record them."""

    queryset = (Inspection.objects.select_related("point", "inspector")
                .prefetch_related("results__check_item"))
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilterSet
    ordering_fields = ["created", "score", "id"]
    write_roles = {Role.OFFICE, Role.INSPECTOR}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=InspectionInputSerializer, responses=InspectionSerializer)
    def create(self, request, *args, **kwargs):
        """Record an inspection. Send the draft's UUID as `Idempotency-Key` (or
        `client_uuid`): a repeat answers the inspection the first request recorded."""
        def write():
            data = InspectionInputSerializer(data=request.data, context={"request": request})
            data.is_valid(raise_exception=True)
            results = [
                {**row, "photo": request.FILES.get(f"photo_{row['check_item']}")}
                for row in data.validated_data["results"]
            ]
            return inspection_create(
                point=data.validated_data["point"], by=request.user, results=results,
                notes=data.validated_data.get("notes", ""),
            )

        inspection, first = api_run_once(request, action="inspection", write=write,
                                         data=request.data)
        inspection = self.get_queryset().get(pk=inspection.pk)
        return mark_replayed(Response(self.get_serializer(inspection).data, status=201), first)


router = SimpleRouter()
router.register("framework-items", FrameworkItemViewSet)
router.register("point-categories", PointCategoryViewSet)
router.register("points", PointViewSet)
router.register("point-circles", PointCircleViewSet)
router.register("inspections", InspectionViewSet)
