"""The office's pages for residents' reports: the moderation queue (map and list), one
report with its duplicate suggestions and decisions, the categories and retention setting,
the Open311 keys with their call log, and the monthly figures."""

import io
import tempfile

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.confirm import confirmation_page
from accounts.models import Role, Unit
from accounts.scoping import may_write
from evidence.views import serve_file
from issues.models import IssueCategory
from issues.services import TransitionError, visible_responsible_units
from jobs.excel import xlsx_workbook
from points.models import Point

from . import keys, selectors, services
from .filters import CivicReportFilterSet
from .models import ApiCall, ApiKey, CivicReport, ReportCategory, ReportPhoto

OFFICE = {Role.OFFICE}
MAP_ROWS = 1000


def _office(request):
    if not may_write(request.user, OFFICE):
        raise PermissionDenied("只有创城办工作人员可以处理随手拍。")


def _reports(request):
    _office(request)
    return CivicReport.objects.visible_to(request.user)


def report_list(request):
    """待审核 first: the queue as a list of 50 and a map of up to 1,000 located reports."""
    qs = _reports(request)
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = CivicReport.Status.NEW
    filterset = CivicReportFilterSet(params, queryset=qs, request=request)
    filtered = filterset.qs if filterset.is_valid() else qs.none()
    if request.GET.get("export") == "xlsx":
        return _export(filtered)
    page = Paginator(filtered.select_related("category")
                     .only("pk", "created", "status", "channel", "description", "address",
                           "latitude", "longitude", "likely_duplicate", "category__name"), 50
                     ).get_page(request.GET.get("page"))
    # The photo counts of the page's 50 rows in one grouped query (not a subquery per row).
    rows = list(page.object_list)
    counts = dict(ReportPhoto.objects.filter(report_id__in=[r.pk for r in rows]).order_by()
                  .values_list("report_id").annotate(n=Count("pk")))
    for r in rows:
        r.photo_count = counts.get(r.pk, 0)
    map_rows = [
        [pk, float(lat), float(lng), name, timezone.localtime(created).strftime("%m-%d %H:%M")]
        for pk, lat, lng, name, created in filtered.filter(latitude__isnull=False)
        .values_list("pk", "latitude", "longitude", "category__name", "created")[:MAP_ROWS]]
    query = params.copy()
    query.pop("page", None)
    return render(request, "civic/report_list.html", {
        "filterset": filterset, "page_obj": page, "reports": rows,
        "map_rows": map_rows, "map_tile_url": settings.MAP_TILE_URL,
        "querystring": query.urlencode(), "public_url": request.build_absolute_uri(
            reverse("civic:report")),
        "counts": dict(qs.order_by().values_list("status").annotate(n=Count("pk"))),
    })


def _cell(value):
    return "" if value is None else str(value)


def _export(reports):
    """The filtered queue as .xlsx; residents' words are written as text, never formulas."""
    fh = tempfile.TemporaryFile()
    book = xlsx_workbook(fh, {"constant_memory": True})
    sheet = book.add_worksheet("随手拍")
    headers = ["编号", "上报时间", "类别", "来源", "状态", "地址", "纬度", "经度", "描述",
               "转为问题", "不予受理原因"]
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title)
    labels = {f: dict(CivicReport._meta.get_field(f).flatchoices)
              for f in ("status", "channel", "reject_reason")}
    rows = reports.values_list("pk", "created", "category__name", "channel", "status",
                               "address", "latitude", "longitude", "description", "issue_id",
                               "reject_reason").iterator(chunk_size=2000)
    for r, (pk, created, cat, channel, status, address, lat, lng, desc, issue_id,
            reason) in enumerate(rows, start=1):
        values = [str(pk), timezone.localtime(created).strftime("%Y-%m-%d %H:%M"), cat,
                  labels["channel"].get(channel, channel), labels["status"].get(status, status),
                  address, _cell(lat), _cell(lng), desc, f"#{issue_id}" if issue_id else "",
                  labels["reject_reason"].get(reason, "")]
        for col, value in enumerate(values):
            sheet.write_string(r, col, value or "")
    book.close()
    fh.seek(0)
    return FileResponse(fh, as_attachment=True,
                        filename=f"随手拍_{timezone.localtime():%Y%m%d_%H%M}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.sheet")


def _report(request, pk):
    return get_object_or_404(
        _reports(request).select_related("category__issue_category", "region", "issue",
                                         "duplicate_of", "api_key", "decided_by"), pk=pk)


def report_detail(request, pk, errors=None, status=200):
    report = _report(request, pk)
    duplicates, similar_issues = services.report_duplicates(report)
    point = None
    if report.latitude is not None:
        point = services.nearest_point(
            report.latitude, report.longitude,
            within_m=getattr(settings, "CIVIC_POINT_RADIUS_M", 300), region=report.region)
    category = report.category.issue_category
    suggested = services.issue_services.suggest_unit(point=point, category=category)
    return render(request, "civic/report_detail.html", {
        "report": report, "photos": list(report.photos.all()),
        "events": list(report.events.select_related("actor")),
        "duplicates": duplicates, "similar_issues": similar_issues,
        "nearest_point": point, "suggested_unit": suggested,
        "units": list(visible_responsible_units(request.user).only("pk", "name", "path")),
        "issue_categories": list(IssueCategory.objects.filter(is_active=True)),
        "reject_reasons": CivicReport.RejectReason.choices,
        "public_state": services.public_state(report), "errors": errors or {},
        "map_tile_url": settings.MAP_TILE_URL,
    }, status=status)


def _decide(request, pk, action):
    report = _report(request, pk)
    post = request.POST
    report_url = reverse("civic:report-detail", args=[report.pk])
    try:
        if action == "accept":
            unit = (visible_responsible_units(request.user).filter(pk=post["unit"]).first()
                    if post.get("unit", "").isdigit() else None)
            category = (IssueCategory.objects.filter(pk=post["category"], is_active=True).first()
                        if post.get("category", "").isdigit() else None)
            point = (Point.objects.visible_to(request.user).filter(pk=post["point"]).first()
                     if post.get("point", "").isdigit() else None)
            report = services.report_accept(report=report, by=request.user, category=category,
                                            point=point, responsible_unit=unit)
            messages.success(request, f"已转为问题 #{report.issue_id}"
                             + ("并派发" if report.issue.responsible_unit_id else "，请在问题整改中派发"))
        elif action == "reject":
            label = dict(CivicReport.RejectReason.choices).get(post.get("reason", ""))
            # Asked only when it can be done: no reason or no longer new is refused below.
            asks = label is not None and report.status == CivicReport.Status.NEW
            page = None if not asks else confirmation_page(
                request, title="确认不予受理", what=f"不予受理：随手拍 #{report.pk}（{label}）",
                consequence="市民查询时会看到不予受理和原因，这条随手拍不再转为问题。",
                button="确认不予受理", back=report_url, danger=True)
            if page is not None:
                return page
            services.report_reject(report=report, by=request.user, reason=post.get("reason", ""),
                                   note=post.get("note", ""))
            messages.success(request, "已不予受理，市民查询时会看到原因。")
        else:
            into = (_reports(request).filter(pk=post["into"]).first()
                    if post.get("into", "").isdigit() else None)
            if into is None:
                raise ValidationError({"into": "请选择要合并到的随手拍。"})
            services.report_merge(report=report, into=into, by=request.user)
            messages.success(request, f"已合并到随手拍 #{into.root().pk}。")
    except ValidationError as exc:
        return report_detail(request, pk, errors=exc.message_dict, status=400)
    except TransitionError as exc:
        return report_detail(request, pk, errors={"status": [exc.message]}, status=409)
    return redirect("civic:report-detail", pk=report.pk)


@require_POST
def report_action(request, pk, action):
    return _decide(request, pk, action)


def photo_file(request, pk, kind):
    _office(request)
    photo = get_object_or_404(ReportPhoto.objects.filter(
        report__in=CivicReport.objects.visible_to(request.user)), pk=pk)
    field = {"file": photo.file, "thumbnail": photo.thumbnail, "display": photo.display}.get(kind)
    if field is None:
        from django.http import Http404

        raise Http404("文件不存在")
    return serve_file(request, field, download_name=f"随手拍{photo.report_id}_{photo.pk}."
                      f"{field.name.rsplit('.', 1)[-1]}", as_attachment=False)


# --- Settings: categories, retention, QR code ----------------------------------------------

def _regions(request):
    return Unit.objects.visible_to(request.user).filter(kind__in=Unit.REGION_KINDS)


def settings_page(request, errors=None, status=200):
    _office(request)
    regions = list(_regions(request))
    return render(request, "civic/settings.html", {
        "categories": list(ReportCategory.objects.select_related("issue_category")),
        "may_edit_categories": services.may_edit_categories(request.user),
        "issue_categories": list(IssueCategory.objects.filter(is_active=True)),
        "regions": [(r, services.retention_days(r)) for r in regions],
        "errors": errors or {}, "values": request.POST,
        "public_url": request.build_absolute_uri(reverse("civic:report")),
    }, status=status)


@require_POST
def category_save(request, pk=None):
    _office(request)
    if not services.may_edit_categories(request.user):
        raise PermissionDenied(services.CATEGORIES_DENIED)
    category = get_object_or_404(ReportCategory, pk=pk) if pk else ReportCategory()
    post = request.POST
    category.name = post.get("name", "").strip()
    category.hint = post.get("hint", "").strip()
    category.service_code = post.get("service_code", "").strip()
    category.order = int(post["order"]) if post.get("order", "").isdigit() else 0
    category.is_active = post.get("is_active") == "on" if pk else True
    issue_category = (IssueCategory.objects.filter(pk=post["issue_category"]).first()
                      if post.get("issue_category", "").isdigit() else None)
    category.issue_category = issue_category
    try:
        if issue_category is None:
            raise ValidationError({"issue_category": "请选择对应的问题类别。"})
        services.report_category_save(category=category, by=request.user)
    except ValidationError as exc:
        return settings_page(request, errors=exc.message_dict, status=400)
    messages.success(request, f"已保存类别“{category.name}”。")
    return redirect("civic:settings")


@require_POST
def policy_save(request, pk):
    _office(request)
    region = get_object_or_404(_regions(request), pk=pk)
    raw = request.POST.get("phone_retention_days", "")
    try:
        services.policy_save(region=region, by=request.user,
                             phone_retention_days=int(raw) if raw.isdigit() else None)
    except ValidationError as exc:
        return settings_page(request, errors=exc.message_dict, status=400)
    messages.success(request, f"{region} 的电话保留期已保存。")
    return redirect("civic:settings")


def qr_code(request):
    """The QR code of the public page for posters (PNG)."""
    _office(request)
    buf = io.BytesIO()
    segno.make(request.build_absolute_uri(reverse("civic:report")), error="m").save(
        buf, kind="png", scale=10, border=2)
    response = HttpResponse(buf.getvalue(), content_type="image/png")
    response["Content-Disposition"] = 'attachment; filename="suishoupai-qr.png"'
    return response


# --- Open311 keys --------------------------------------------------------------------------

def key_list(request, new_key=None, errors=None, status=200):
    _office(request)
    items = (ApiKey.objects.visible_to(request.user).select_related("region", "created_by")
             .annotate(call_count=Coalesce(Subquery(
                 ApiCall.objects.filter(api_key=OuterRef("pk"))
                 .order_by().values("api_key").annotate(n=Count("pk")).values("n")), 0)))
    return render(request, "civic/key_list.html", {
        "keys": list(items), "regions": list(_regions(request)), "new_key": new_key,
        "errors": errors or {}, "values": request.POST,
        "base_url": request.build_absolute_uri("/open311/v2/"),
    }, status=status)


@require_POST
def key_create(request):
    _office(request)
    region = (_regions(request).filter(pk=request.POST["region"]).first()
              if request.POST.get("region", "").isdigit() else None)
    try:
        api_key, raw = keys.api_key_issue(name=request.POST.get("name", ""), region=region,
                                          trusted=request.POST.get("trusted") == "on",
                                          by=request.user)
    except ValidationError as exc:
        return key_list(request, errors=exc.message_dict, status=400)
    return key_list(request, new_key=(api_key, raw))


@require_POST
def key_revoke(request, pk):
    _office(request)
    api_key = get_object_or_404(ApiKey.objects.visible_to(request.user), pk=pk)
    page = confirmation_page(
        request, title="确认吊销密钥", what=f"吊销密钥：{api_key.name}（{api_key.prefix}…）",
        consequence="吊销后该系统立即不能再调用接口，不能恢复；需要时请重新签发一个密钥。",
        button="确认吊销", back=reverse("civic:key-list"), danger=True)
    if page is not None:
        return page
    keys.api_key_revoke(api_key=api_key, by=request.user)
    messages.success(request, f"已吊销“{api_key.name}”的密钥，该系统将无法再调用接口。")
    return redirect("civic:key-list")


def key_calls(request, pk):
    _office(request)
    api_key = get_object_or_404(ApiKey.objects.visible_to(request.user), pk=pk)
    page = Paginator(api_key.calls.all(), 100).get_page(request.GET.get("page"))
    return render(request, "civic/key_calls.html", {"key": api_key, "page_obj": page,
                                                    "calls": page.object_list})


# --- Monthly figures -----------------------------------------------------------------------

def stats(request):
    """Reports received / accepted / closed per month, district and category (office and
    leaders: figures only, no resident's words)."""
    if not may_write(request.user, {Role.OFFICE, Role.LEADER}):
        raise PermissionDenied("只有创城办工作人员和领导可以查看随手拍统计。")
    months = selectors.month_choices()
    month = request.GET.get("month") or months[0][0]
    if month not in dict(months):
        month = months[0][0]
    rows, totals = selectors.monthly_figures(user=request.user, month=month)
    if request.GET.get("export") == "xlsx":
        return selectors.figures_xlsx(rows, month)
    return render(request, "civic/stats.html", {
        "months": months, "month": month, "rows": rows, "totals": totals,
        "chart": selectors.chart_data(rows),
    })
