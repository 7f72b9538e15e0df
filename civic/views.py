"""The resident's pages: the report form (no login, phone first) and the status page reached
by the tracking code. They face the internet: CSRF, a per-address and a per-device limit, a
honeypot field, a small sum to solve after repeated reports from one address, photos judged
by their content, and nothing but the reporter's own case on the status page."""

import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.clients import client_address

from . import services
from .models import CivicReport, ReportCategory, could_be_tracking_code

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "civic_device"
HONEYPOT = "website"
CHALLENGE_SALT = "civic.challenge"
CHINESE_DIGITS = "零一二三四五六七八九"


def _key(kind, value):
    """A keyed hash: addresses and device ids are only ever cache keys, never stored."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{kind}:{value}".encode()).hexdigest()
    return f"civic:{kind}:{digest}"


def _count(key, timeout, *, bump=True):
    """The counter under `key` (incremented when `bump`). A cache that is down counts
    nothing: the form keeps working and the honeypot and content checks still apply."""
    try:
        if not bump:
            return cache.get(key, 0)
        cache.add(key, 0, timeout=timeout)
        try:
            return cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=timeout)
            return 1
    except Exception:  # noqa: BLE001 - any cache outage
        logger.warning("Cache unavailable; 随手拍 rate limit not counted")
        return 0


def _limits(request, device):
    """A message when this address or device sent too much, else None."""
    address = client_address(request)
    per_address = getattr(settings, "CIVIC_RATE_PER_ADDRESS", 20)
    per_device = getattr(settings, "CIVIC_RATE_PER_DEVICE", 10)
    if _count(_key("addr", address), 3600) > per_address:
        return "提交过于频繁，请一小时后再试。如有紧急情况请拨打 12345 热线。"
    if _count(_key("device", device), 24 * 3600) > per_device:
        return "这台手机今天已经提交了很多条，请明天再试。如有紧急情况请拨打 12345 热线。"
    return None


def _needs_challenge(request):
    after = getattr(settings, "CIVIC_CHALLENGE_AFTER", 3)
    return _count(_key("sent", client_address(request)), 3600, bump=False) >= after


def new_challenge():
    """(question, token): a small sum in words and a signed token holding its answer."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"s": a + b, "n": secrets.token_hex(8)}, salt=CHALLENGE_SALT)
    return f"{CHINESE_DIGITS[a]}加{CHINESE_DIGITS[b]}等于几？（请填阿拉伯数字）", token


def challenge_passed(token, answer):
    """Whether `answer` solves the sum of `token` (signed, at most 30 minutes old, used
    once)."""
    try:
        data = signing.loads(token or "", salt=CHALLENGE_SALT, max_age=1800)
    except signing.BadSignature:
        return False
    if str(data.get("s")) != (answer or "").strip():
        return False
    try:
        return cache.add(f"civic:challenge-used:{data.get('n')}", 1, timeout=1800)
    except Exception:  # noqa: BLE001 - cache outage: the signed answer alone decides
        return True


def _form_context(request, *, errors=None, challenge=False):
    categories = list(services.active_categories())
    regions = list(services.report_regions())
    ctx = {"categories": categories, "regions": regions, "errors": errors or {},
           "values": request.POST if request.method == "POST" else {},
           "map_tile_url": settings.MAP_TILE_URL, "max_photos": services.MAX_PHOTOS,
           "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
    if challenge:
        ctx["challenge_question"], ctx["challenge_token"] = new_challenge()
    return ctx


def _selected(model_qs, raw):
    return model_qs.filter(pk=int(raw)).first() if (raw or "").isdigit() else None


def _set_device(response, request, device):
    if request.COOKIES.get(DEVICE_COOKIE) != device:
        response.set_cookie(DEVICE_COOKIE, device, max_age=3600 * 24 * 365, httponly=True,
                            samesite="Lax", secure=request.is_secure())
    return response


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def report_form(request):
    """文明随手拍: photo, place, kind of problem, a few words, an optional phone number."""
    device = (request.COOKIES.get(DEVICE_COOKIE) or "")[:64] or secrets.token_urlsafe(18)
    challenge = _needs_challenge(request)
    if request.method == "GET":
        return _set_device(render(request, "civic/report_form.html",
                                  _form_context(request, challenge=challenge)),
                           request, device)
    post = request.POST
    errors, status = {}, 400
    if post.get(HONEYPOT):
        errors["form"] = "提交未成功，请刷新页面后重新填写。"
    elif message := _limits(request, device):
        errors["form"], status = message, 429
    elif challenge and not challenge_passed(post.get("challenge_token"),
                                            post.get("challenge_answer")):
        errors["challenge"] = "计算题答案不对，请重新计算后再提交。"
    else:
        try:
            report = services.report_submit(
                category=_selected(ReportCategory.objects.filter(is_active=True),
                                   post.get("category")),
                description=post.get("description", ""),
                photos=request.FILES.getlist("photos"),
                latitude=post.get("latitude"), longitude=post.get("longitude"),
                address=post.get("address", ""), phone=post.get("phone", ""),
                region=_selected(services.report_regions(), post.get("region")))
        except ValidationError as exc:
            errors = {k: v for k, v in exc.message_dict.items()}
        else:
            _count(_key("sent", client_address(request)), 3600)
            response = redirect("civic:track", code=report.code)
            response["Location"] += "?new=1"
            return _set_device(response, request, device)
    errors = {k: v if isinstance(v, list) else [v] for k, v in errors.items()}
    response = render(request, "civic/report_form.html",
                      _form_context(request, errors=errors,
                                    challenge=challenge or _needs_challenge(request)),
                      status=status)
    return _set_device(response, request, device)


def _lookup_limited(request):
    limit = getattr(settings, "CIVIC_RATE_LOOKUPS", 120)
    return _count(_key("lookup", client_address(request)), 3600) > limit


@login_not_required
@never_cache
@require_http_methods(["GET"])
def track(request, code=None):
    """The reporter's page: the state of their own report, found by its tracking code only."""
    code = (code or request.GET.get("code", "")).strip()
    if not code:
        return render(request, "civic/track_lookup.html", {})
    if _lookup_limited(request):
        return render(request, "civic/track_lookup.html",
                      {"error": "查询过于频繁，请稍后再试。"}, status=429)
    report = None
    if could_be_tracking_code(code):
        report = (CivicReport.objects.select_related("category", "issue", "duplicate_of__issue")
                  .filter(code=code).first())
    if report is None:
        if "code" in request.GET:
            return render(request, "civic/track_lookup.html",
                          {"error": "没有找到这个查询码，请核对后重新输入。", "code": code},
                          status=404)
        raise Http404("没有找到这个查询码。")
    if "code" in request.GET:
        return redirect("civic:track", code=report.code)
    key, label, text, when = services.public_state(report)
    steps = [("received", "已受理"), ("forwarded", "已转办"), ("closed", "已办结")]
    order = [s for s, _ in steps]
    reached = order.index(key) if key in order else 0
    return render(request, "civic/track.html", {
        "report": report, "state": key, "label": label, "text": text, "when": when,
        "steps": [(s, name, i <= reached and key != "rejected") for i, (s, name)
                  in enumerate(steps)],
        "is_new": request.GET.get("new") == "1",
    })
