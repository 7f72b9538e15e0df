from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.confirm import confirmation_page
from accounts.models import Role, Unit
from accounts.scoping import RoleRequiredMixin, ScopedDetailView, ScopedListView, may_write
from evidence.views import serve_file
from jobs.excel import ImportFileError, filters_text
from jobs.models import Job
from jobs.views import BaseImportView

from . import basemap
from .filters import PointCircleFilterSet, PointFilterSet
from .forms import (
    BaseMapUploadForm,
    FrameworkImportForm,
    NearbyForm,
    PointCircleForm,
    PointForm,
)
from .models import (
    BaseMapLayer,
    Framework,
    FrameworkItem,
    Inspection,
    InspectionResult,
    Point,
    PointCategory,
    PointCircle,
)
from .selectors import (
    NEARBY_STEP,
    point_map_features,
    points_export_file,
    points_nearby,
    units_with_pass_rate,
)
from .services import (
    PASS_SHARE,
    circle_save,
    framework_import,
    framework_template_workbook,
    inspection_create,
    point_save,
    points_template_workbook,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFICE = {Role.OFFICE}
FIELD_ROLES = {Role.OFFICE, Role.INSPECTOR}


def _xlsx(content, filename):
    response = HttpResponse(content, content_type=XLSX)
    # RFC 5987: a Chinese name percent-encoded, so browsers save 点位导入模板.xlsx, not
    # download.xlsx.
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _apply_errors(form, exc):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class PointListView(ScopedListView):
    model = Point
    filterset_class = PointFilterSet
    template_name = "points/point_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related(
            "category", "territorial_unit", "supervising_unit", "chief")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_edit"] = may_write(self.request.user, OFFICE)
        ctx["can_inspect"] = may_write(self.request.user, FIELD_ROLES)
        # Rows link to their page by id: one reverse for the page instead of one per row.
        ctx["detail_url"] = reverse("points:point-detail", args=[0]).removesuffix("0/")
        return ctx


class PointExportView(RoleRequiredMixin, View):
    """The filtered list as Excel, same columns as the import template."""

    def get(self, request):
        filterset = PointFilterSet(request.GET or None, request=request,
                                   queryset=Point.objects.visible_to(request.user))
        return FileResponse(points_export_file(filterset.qs, filters_text(filterset)),
                            as_attachment=True,
                            filename="点位.xlsx", content_type=XLSX)


class PointDetailView(ScopedDetailView):
    model = Point
    template_name = "points/point_detail.html"

    def get_queryset(self):
        return super().get_queryset().with_pass_rate().select_related(
            "category", "territorial_unit", "supervising_unit", "chief__unit")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        point = self.object
        user = self.request.user
        ctx["partners"] = point.partner_units.all()
        ctx["circles"] = point.circles.select_related("core")
        ctx["inspections"] = point.inspections.select_related("inspector").prefetch_related(
            Prefetch("results", queryset=InspectionResult.objects.select_related("check_item")
                     .filter(verdict__in=InspectionResult.FAILED), to_attr="failures"))[:20]
        ctx["check_items"] = point.category.check_items.all()
        ctx["can_edit"] = may_write(user, OFFICE)
        ctx["can_inspect"] = may_write(user, FIELD_ROLES)
        ctx["map_tile_url"] = settings.MAP_TILE_URL
        ctx["map_points"] = point_map_features(Point.objects.filter(pk=point.pk))
        ctx["open_issues"] = point.issues.open().select_related(
            "category", "responsible_unit").order_by("deadline")[:20]
        return ctx


class PointFormView(RoleRequiredMixin, FormView):
    """Create (no pk) or edit a point; only office staff."""

    allowed_roles = OFFICE
    form_class = PointForm
    template_name = "points/point_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if "pk" in kwargs and request.user.is_authenticated:
            self.object = get_object_or_404(Point.objects.visible_to(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.object}

    def form_valid(self, form):
        point = form.save(commit=False)
        try:
            point = point_save(point=point, by=self.request.user,
                               partner_units=list(form.cleaned_data["partner_units"]))
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"点位“{point.name}”已保存。")
        return redirect(point)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "object": self.object}


class PointImportView(BaseImportView):
    """Upload → a job checks every row in the worker → progress page (jobs app)."""

    kind = Job.Kind.POINTS_IMPORT


class PointImportTemplateView(RoleRequiredMixin, View):
    def get(self, request):
        return _xlsx(points_template_workbook(), "点位导入模板.xlsx")


class PointMapView(RoleRequiredMixin, TemplateView):
    template_name = "points/point_map.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["filterset"] = PointFilterSet(self.request.GET or None, request=self.request,
                                          queryset=Point.objects.none())
        query = self.request.GET.copy()
        ctx["data_url"] = reverse("points:point-map-data") + "?" + query.urlencode()
        ctx["map_tile_url"] = settings.MAP_TILE_URL
        return ctx


class PointMapDataView(RoleRequiredMixin, View):
    """[id, name, lat, lng, category, state] of every point in scope matching the filters."""

    def get(self, request):
        points = PointFilterSet(request.GET or None, request=request,
                                queryset=Point.objects.visible_to(request.user).order_by()).qs
        return JsonResponse({"points": point_map_features(points)})


class CircleListView(ScopedListView):
    model = PointCircle
    filterset_class = PointCircleFilterSet
    template_name = "points/circle_list.html"

    def get_queryset(self):
        # Members of a citywide circle may lie in other districts: count only those in scope.
        visible = Point.objects.visible_to(self.request.user).only("pk")
        return super().get_queryset().select_related("core__category").prefetch_related(
            "categories", Prefetch("members", queryset=visible))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs),
                "can_edit": may_write(self.request.user, OFFICE)}


class CircleDetailView(ScopedDetailView):
    model = PointCircle
    template_name = "points/circle_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("core__category")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # A citywide circle may hold points of other districts: show only those in scope.
        visible = self.object.members.visible_to(self.request.user)
        ctx["members"] = list(visible.select_related("category", "territorial_unit"))
        ctx["hidden_members"] = self.object.members.count() - len(ctx["members"])
        ctx["categories"] = self.object.categories.all()
        ctx["can_edit"] = may_write(self.request.user, OFFICE)
        ctx["map_tile_url"] = settings.MAP_TILE_URL
        ctx["map_points"] = point_map_features(visible)
        return ctx


class CircleFormView(RoleRequiredMixin, FormView):
    allowed_roles = OFFICE
    form_class = PointCircleForm
    template_name = "points/circle_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if "pk" in kwargs and request.user.is_authenticated:
            self.object = get_object_or_404(PointCircle.objects.visible_to(request.user),
                                            pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.object}

    def form_valid(self, form):
        try:
            circle = circle_save(circle=form.save(commit=False), by=self.request.user,
                                 categories=list(form.cleaned_data["categories"]))
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"已计算：圈内 {circle.members.count()} 个点位。")
        return redirect("points:circle-detail", circle.pk)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "object": self.object}


class NearbyView(RoleRequiredMixin, TemplateView):
    """The inspector's phone page: active points in scope, the nearest 20 first when the phone
    sends its position (?lat=&lng=), and a 更多 link for the next 20: plain links, so it works
    in the WeChat browser and with scripts off."""

    allowed_roles = FIELD_ROLES
    template_name = "points/inspection_nearby.html"

    def get(self, request, *args, **kwargs):
        form = NearbyForm(request.GET)
        if not form.is_valid():
            return self.render_to_response({"form": form, "points": []}, status=400)
        data = form.cleaned_data
        shown = data["n"] or NEARBY_STEP
        points = (Point.objects.visible_to(request.user)
                  .filter(is_active=True, latitude__isnull=False, longitude__isnull=False)
                  .search(data["q"]).select_related("category"))
        rows, more = points_nearby(points, lat=data["lat"], lng=data["lng"], shown=shown)
        for p in rows:
            d = p.distance_m
            p.distance_text = ("" if d is None else f"{d:.0f} 米" if d < 1000
                               else f"{d / 1000:.1f} 公里")
        query = request.GET.copy()
        query["n"] = str(min(shown + NEARBY_STEP, 2000))
        return self.render_to_response(self.get_context_data(
            form=form, points=rows, more_query=query.urlencode() if more else "",
            located=data["lat"] is not None))


class InspectionCreateView(RoleRequiredMixin, TemplateView):
    """Walk the category's checklist at a point: a verdict per item, a photo for a failure."""

    allowed_roles = FIELD_ROLES
    template_name = "points/inspection_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.point = get_object_or_404(
                Point.objects.visible_to(request.user).select_related("category"),
                pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["point"] = self.point
        # A refused checklist comes back as it was filled: verdicts and notes kept; chosen
        # photos cannot be put back into a file input, so those items ask for them again.
        posted, files = self.request.POST, self.request.FILES
        ctx["items"] = [
            {"item": item, "verdict": posted.get(f"verdict_{item.pk}", ""),
             "note": posted.get(f"note_{item.pk}", ""),
             "photo_again": bool(files.get(f"photo_{item.pk}"))}
            for item in self.point.category.check_items.all()]
        ctx["verdicts"] = InspectionResult.Verdict.choices
        ctx["pass_share"] = int(PASS_SHARE * 100)
        return ctx

    def checklist_results(self, request):
        """The posted verdict, note and photo of each check item of the point's category."""
        return [{"check_item": item, "verdict": request.POST.get(f"verdict_{item.pk}"),
                 "note": request.POST.get(f"note_{item.pk}", ""),
                 "photo": request.FILES.get(f"photo_{item.pk}")}
                for item in self.point.category.check_items.all()]

    def post(self, request, pk):
        results = self.checklist_results(request)
        try:
            inspection = inspection_create(point=self.point, by=request.user, results=results,
                                           notes=request.POST.get("notes", ""))
        except ValidationError as exc:
            ctx = self.get_context_data(errors=exc.message_dict.get("results") or exc.messages,
                                        notes=request.POST.get("notes", ""))
            return self.render_to_response(ctx, status=400)
        messages.success(request, f"督查已保存：得分 {inspection.score}/{inspection.max_score}，"
                                  f"{'达标' if inspection.passed else '未达标'}。")
        return redirect(self.point)


class InspectionDetailView(ScopedDetailView):
    model = Inspection
    template_name = "points/inspection_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("point__category", "inspector")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["results"] = self.object.results.select_related("check_item")
        return ctx


class InspectionPhotoView(RoleRequiredMixin, View):
    """A result's photo, for people who may see its point (another unit's → 404)."""

    def get(self, request, pk):
        result = get_object_or_404(
            InspectionResult.objects.filter(
                inspection__in=Inspection.objects.visible_to(request.user)), pk=pk)
        if not result.photo:
            raise Http404("没有照片")
        return serve_file(request, result.photo, download_name=f"督查照片{result.pk}.jpg",
                          as_attachment=False)


class PassRateView(RoleRequiredMixin, TemplateView):
    """达标率 by category and by unit (streets, communities and departments in scope)."""

    template_name = "points/pass_rates.html"
    allowed_roles = {Role.OFFICE, Role.INSPECTOR, Role.LEADER}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["categories"] = [c for c in PointCategory.objects.with_pass_rate(user)
                             if c.inspection_count]
        units = Unit.objects.visible_to(user).filter(
            kind__in=[Unit.Kind.STREET, Unit.Kind.COMMUNITY])
        ctx["units"] = [u for u in units_with_pass_rate(units, user=user) if u.inspection_count]
        ctx["pass_share"] = int(PASS_SHARE * 100)
        return ctx


class FrameworkView(RoleRequiredMixin, TemplateView):
    """Browse an edition of the framework as a tree (current edition by default)."""

    template_name = "points/framework.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        frameworks = list(Framework.objects.all())
        chosen = self.request.GET.get("framework")
        framework = next((f for f in frameworks if str(f.pk) == chosen), None) or next(
            iter(frameworks), None)
        items = list(framework.items.all()) if framework else []
        children = {}
        for item in items:
            children.setdefault(item.parent_id, []).append(item)
        for item in items:
            item.kids = children.get(item.pk, [])
        ctx.update(frameworks=frameworks, framework=framework, projects=children.get(None, []),
                   standard_count=sum(1 for i in items if i.level == FrameworkItem.Level.STANDARD),
                   can_edit=may_write(self.request.user, OFFICE))
        return ctx


class FrameworkImportView(RoleRequiredMixin, FormView):
    allowed_roles = OFFICE
    form_class = FrameworkImportForm
    template_name = "points/framework_import.html"

    def form_valid(self, form):
        data = form.cleaned_data
        framework = data["framework"] or Framework(
            name=data["name"], edition=data["edition"], year=data["year"])
        try:
            result = framework_import(file=data["file"], framework=framework,
                                      by=self.request.user)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if not result.ok:
            return self.render_to_response(
                self.get_context_data(form=form, errors=result.errors), status=400)
        messages.success(self.request, f"已导入 {result.created} 条测评体系条目。")
        return redirect(reverse("points:framework") + f"?framework={framework.pk}")


class FrameworkTemplateView(RoleRequiredMixin, View):
    def get(self, request):
        return _xlsx(framework_template_workbook(), "测评体系导入模板.xlsx")


class CategoryListView(RoleRequiredMixin, TemplateView):
    template_name = "points/category_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["categories"] = PointCategory.objects.prefetch_related("check_items")
        return ctx


class BaseMapView(RoleRequiredMixin, FormView):
    """The offline base map: the office uploads the outlines of its region once (a district's
    office its district's layers, the city office the city's), each layer a GeoJSON file or a
    shapefile in a .zip."""

    allowed_roles = OFFICE
    form_class = BaseMapUploadForm
    template_name = "points/basemap.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["layers"] = BaseMapLayer.objects.visible_to(self.request.user).select_related(
            "region", "uploaded_by").defer("features")
        ctx["region"] = basemap.region_of(self.request.user)
        ctx["no_points"] = []
        return ctx

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        try:
            layer = basemap.basemap_upload(user=self.request.user, kind=form.cleaned_data["kind"],
                                           upload=form.cleaned_data["file"],
                                           name_field=form.cleaned_data["name_field"])
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"已保存{layer.region}的{layer.get_kind_display()}，"
                                       f"共 {layer.feature_count} 个轮廓；"
                                       "没有地图服务时各地图会画出这些轮廓。")
        for note in layer.notes:
            messages.warning(self.request, f"{note}，请在下面的地图上核对位置。")
        return redirect("points:basemap")


class BaseMapDataView(RoleRequiredMixin, View):
    """The outlines every map draws when there is no tile server (JSON)."""

    def get(self, request):
        return JsonResponse(basemap.basemap_json(request.user))


class BaseMapDeleteView(RoleRequiredMixin, View):
    allowed_roles = OFFICE

    def post(self, request, pk):
        layer = BaseMapLayer.objects.get_visible(request.user, pk)  # 404 outside scope
        page = confirmation_page(
            request, title="确认删除底图", what=f"删除：{layer.region}的{layer.get_kind_display()}",
            consequence="删除后地图上不再画出这些边界；需要时可重新上传同一文件恢复。",
            button="确认删除底图", back=reverse("points:basemap"), danger=True)
        if page is not None:
            return page
        layer = basemap.basemap_delete(user=request.user, pk=pk)
        messages.success(request, f"已删除：{layer.region}的{layer.get_kind_display()}。"
                                  "需要时可重新上传同一文件恢复。")
        return redirect("points:basemap")
