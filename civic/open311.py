"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) under /open311/v2/, for the
12345 hotline and 数字城管: discovery, the service list (the plain-language categories),
pushing a case in (POST requests with an api_key) and pulling its state back.

A service request is one report (`service_request_id` = its number). A case pushed with an
ordinary key waits for the office (the answer carries a `token`, which `tokens/{token}`
turns into the id once the office has decided); a trusted key's case becomes an issue at
once. Keys act only in their region; every call is logged (ApiCall). Errors have the spec's
shape: a list of {code, description} (XML: <errors><error>…).

What a key reads: the cases it pushed, and the reports of its region the office accepted
as issues. Nothing a resident wrote that the office did not accept is ever returned.
"""

import datetime as dt
import xml.etree.ElementTree as ET

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db.models import F, Q
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.clients import client_address
from accounts.models import Unit
from issues.models import Status as IssueStatus

from . import services
from .keys import api_key_lookup
from .models import ApiCall, CivicReport, could_be_tracking_code

CHANGESET = "2026-12-01 00:00"
MAX_RESULTS = 1000
DEFAULT_DAYS = 90


class Open311Error(Exception):
    def __init__(self, code, description):
        super().__init__(description)
        self.code, self.description = code, description


# --- Rendering -----------------------------------------------------------------------------

def _xml_value(parent, key, value):
    child = ET.SubElement(parent, key)
    if isinstance(value, list):
        item = {"endpoints": "endpoint", "formats": "format", "keywords": "keyword",
                "attributes": "attribute"}.get(key, "item")
        for v in value:
            if isinstance(v, dict):
                _xml_dict(ET.SubElement(child, item), v)
            else:
                ET.SubElement(child, item).text = str(v)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = str(value)


def _xml_dict(element, data):
    for key, value in data.items():
        _xml_value(element, key, value)


def render(fmt, data, *, root, item, status=200):
    """`data` (a list of dicts, or one dict for discovery) as JSON or as the spec's XML:
    <root><item>…</item></root>."""
    if fmt == "json":
        return JsonResponse(data, safe=False, status=status,
                            json_dumps_params={"ensure_ascii": False})
    element = ET.Element(root)
    if isinstance(data, dict):
        _xml_dict(element, data)
    else:
        for row in data:
            _xml_dict(ET.SubElement(element, item), row)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def error(fmt, code, description):
    return render(fmt, [{"code": code, "description": description}], root="errors",
                  item="error", status=code)


def _w3c(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# --- Key, logging --------------------------------------------------------------------------

def endpoint(view):
    """Resolve the api_key (request.api_key, None without a valid one), answer errors in the
    spec's shape, never a 500 for bad input, and log the call."""

    @csrf_exempt
    @require_http_methods(["GET", "POST"])
    def wrapper(request, fmt, **kwargs):
        raw = request.POST.get("api_key") or request.GET.get("api_key", "")
        request.api_key = api_key_lookup(raw)
        try:
            response = view(request, fmt, **kwargs)
        except Open311Error as exc:
            response = error(fmt, exc.code, exc.description)
        ApiCall.objects.create(api_key=request.api_key, method=request.method,
                               path=request.path[:255], status_code=response.status_code,
                               remote_addr=client_address(request)[:45])
        if request.api_key is not None:
            type(request.api_key).objects.filter(pk=request.api_key.pk).update(
                last_used_at=timezone.now())
        return response

    wrapper.login_required = False
    return wrapper


def _require_key(request):
    if request.api_key is None:
        raise Open311Error(403, "api_key 缺失、无效或已被吊销。Invalid or missing api_key.")
    return request.api_key


# --- Discovery and services ----------------------------------------------------------------

@endpoint
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    base = base.rsplit("/", 1)[0]
    data = {"changeset": CHANGESET, "contact": "创城办（创建全国文明城市工作办公室）",
            "key_service": "接口密钥由创城办在“随手拍 → 接口密钥”中签发。",
            "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                           "changeset": CHANGESET, "type": "production",
                           "formats": ["text/xml", "application/json"]}]}
    return render(fmt, data, root="discovery", item="")


def _service(category):
    return {"service_code": category.service_code, "service_name": category.name,
            "description": category.hint or category.name, "metadata": False,
            "type": "realtime", "keywords": category.issue_category.name,
            "group": "文明城市创建"}


@endpoint
def service_list(request, fmt):
    return render(fmt, [_service(c) for c in services.active_categories()], root="services",
                  item="service")


@endpoint
def service_definition(request, fmt, code):
    category = services.active_categories().filter(service_code=code).first()
    if category is None:
        raise Open311Error(404, f"没有这个 service_code：{code}")
    return render(fmt, {"service_code": category.service_code, "attributes": []},
                  root="service_definition", item="")


# --- Requests ------------------------------------------------------------------------------

def _readable(api_key):
    """Reports a key may read: those it pushed, and its region's reports the office took in
    as issues (accepted, or merged into one that was)."""
    regions = Unit.objects.filter(path__startswith=api_key.region.path,
                                  path=F("region_path")).values("pk")
    taken_in = Q(status=CivicReport.Status.ACCEPTED) | Q(
        status=CivicReport.Status.MERGED, duplicate_of__status=CivicReport.Status.ACCEPTED)
    return (CivicReport.objects.filter(region_id__in=regions)
            .filter(Q(api_key=api_key) | taken_in)
            .select_related("category", "issue__responsible_unit", "duplicate_of__issue__"
                            "responsible_unit", "duplicate_of"))


def _state(report):
    """(open|closed, status_notes, agency_responsible, updated, expected) of a report."""
    root = report.duplicate_of if report.duplicate_of_id else report
    issue = root.issue if root.issue_id else None
    updated = max(report.updated, root.updated, issue.updated if issue else report.updated)
    if root.status == CivicReport.Status.REJECTED:
        note = "不予受理：" + root.get_reject_reason_display() + (
            f"（{root.reject_note}）" if root.reject_note else "")
        return "closed", note, None, updated, None
    if issue is None:
        return "open", "已受理，待创城办审核", None, updated, None
    agency = issue.responsible_unit.name if issue.responsible_unit_id else None
    if issue.status == IssueStatus.CLOSED:
        return "closed", "已整改销号", agency, updated, None
    note = f"已转办{agency}整改" if agency else "已转为问题，待派发责任单位"
    return "open", note, agency, updated, issue.deadline


def _request_row(report):
    status, notes, agency, updated, expected = _state(report)
    return {
        "service_request_id": str(report.pk), "status": status, "status_notes": notes,
        "service_name": report.category.name, "service_code": report.category.service_code,
        "description": report.description, "agency_responsible": agency,
        "service_notice": "", "requested_datetime": _w3c(report.created),
        "updated_datetime": _w3c(updated), "expected_datetime": _w3c(expected),
        "address": report.address or None, "address_id": None, "zipcode": None,
        "lat": float(report.latitude) if report.latitude is not None else None,
        "long": float(report.longitude) if report.longitude is not None else None,
        "media_url": report.media_url or None,
    }


def _when(request, name):
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    value = parse_datetime(raw.replace(" ", "+")) if "T" in raw else None
    if value is None:
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise Open311Error(400, f"{name} 格式不正确，请使用 W3C 格式，如 "
                                    "2026-12-01T00:00:00+08:00") from None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _list(request, fmt):
    qs = _readable(_require_key(request))
    ids = request.GET.get("service_request_id", "").strip()
    if ids:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        if not all(i.isdigit() and len(i) < 19 for i in wanted):
            raise Open311Error(400, "service_request_id 应为以逗号分隔的数字。")
        qs = qs.filter(pk__in=[int(i) for i in wanted])
    else:
        start, end = _when(request, "start_date"), _when(request, "end_date")
        if start and end and start > end:
            raise Open311Error(400, "start_date 不能晚于 end_date。")
        if start is None and end is None:
            start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
        if start:
            qs = qs.filter(created__gte=start)
        if end:
            qs = qs.filter(created__lte=end)
        codes = [c for c in request.GET.get("service_code", "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__service_code__in=[c.strip() for c in codes])
    wanted_status = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
    if wanted_status - {"open", "closed"}:
        raise Open311Error(400, "status 只能是 open 或 closed。")
    rows = [_request_row(r) for r in qs.order_by("-created", "-id")[:MAX_RESULTS]]
    if wanted_status:
        rows = [r for r in rows if r["status"] in wanted_status]
    return render(fmt, rows, root="service_requests", item="request")


def _float(value, name, low, high):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Open311Error(400, f"{name} 不是有效的数字。") from None
    if not low <= number <= high:
        raise Open311Error(400, f"{name} 超出范围。")
    return number


def _create(request, fmt):
    api_key = _require_key(request)
    post = request.POST
    code = post.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "缺少必填参数 service_code。service_code is required.")
    category = services.active_categories().filter(service_code=code).first()
    if category is None:
        raise Open311Error(400, f"没有这个 service_code：{code}")
    lat_raw, lng_raw = post.get("lat", "").strip(), post.get("long", "").strip()
    address = (post.get("address_string", "") or post.get("address_id", "")).strip()
    if not (lat_raw and lng_raw) and not address:
        raise Open311Error(400, "缺少位置：请提供 lat 和 long，或 address_string。"
                                "lat/long or address_string is required.")
    lat = _float(lat_raw, "lat", -90, 90) if lat_raw and lng_raw else None
    lng = _float(lng_raw, "long", -180, 180) if lat_raw and lng_raw else None
    media_url = post.get("media_url", "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, "media_url 不是有效的网址。") from None
        if len(media_url) > 500:
            raise Open311Error(400, "media_url 太长。")
    region = None
    if lat is not None:
        region = services.region_at(lat, lng)
        if region is not None and not region.path.startswith(api_key.region.path):
            raise Open311Error(403, "该位置不在此密钥的授权区域内。")
    if region is None and api_key.region.kind == Unit.Kind.DISTRICT:
        region = api_key.region
    description = post.get("description", "").strip() or f"{category.name}（{api_key.name}推送）"
    try:
        report = services.report_submit(
            category=category, description=description, photos=request.FILES.getlist("media"),
            latitude=lat, longitude=lng, address=address, phone=post.get("phone", ""),
            region=region, channel=CivicReport.Channel.OPEN311, api_key=api_key,
            require_photo=False, media_url=media_url)
    except ValidationError as exc:
        text = "；".join(f"{field}: {'；'.join(msgs)}" for field, msgs
                        in exc.message_dict.items())
        raise Open311Error(400, text) from None
    if api_key.trusted:
        try:
            report = services.report_accept(report=report, by=api_key.created_by)
        except (PermissionDenied, ValidationError):
            # The key's issuer may have left the office: the case then waits in the queue.
            report.refresh_from_db()
    if report.status == CivicReport.Status.ACCEPTED:
        row = {"service_request_id": str(report.pk), "service_notice": "已转为问题并派发责任单位",
               "account_id": None}
    else:
        row = {"token": report.code, "service_notice": "已收到，待创城办审核后转办",
               "account_id": None}
    return render(fmt, [row], root="service_requests", item="request", status=201)


@endpoint
def requests_view(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


@endpoint
def request_detail(request, fmt, pk):
    if len(pk) > 18:
        raise Open311Error(404, "没有这个 service_request_id。")
    report = _readable(_require_key(request)).filter(pk=int(pk)).first()
    if report is None:
        raise Open311Error(404, "没有这个 service_request_id。")
    return render(fmt, [_request_row(report)], root="service_requests", item="request")


@endpoint
def token_view(request, fmt, token):
    api_key = _require_key(request)
    report = None
    if could_be_tracking_code(token):
        report = CivicReport.objects.filter(code=token, api_key=api_key).first()
    if report is None:
        raise Open311Error(404, "没有这个 token。")
    row = {"token": report.code}
    if report.status != CivicReport.Status.NEW:
        row = {"service_request_id": str(report.pk), "token": report.code}
    return render(fmt, [row], root="service_requests", item="request")
