"""Wrong passwords and lockouts (django-axes), said plainly: a locked account is told it is
locked and until when, a wrong password how many tries are left. The client address is the
one our own proxies saw (TRUSTED_PROXY_COUNT), the same for axes, the token throttle and the
public forms' rate limits."""

import math

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from .clients import client_address


def _attempt(request, username):
    from axes.models import AccessAttempt

    if not username:
        return None
    return (AccessAttempt.objects.filter(username=username, ip_address=client_address(request))
            .order_by("-attempt_time").first())


def tries_left(request, username):
    """How many more wrong passwords this account may have from this address before it is
    locked (None when nothing has failed)."""
    attempt = _attempt(request, username)
    if attempt is None:
        return None
    return max(settings.AXES_FAILURE_LIMIT - attempt.failures_since_start, 0)


def unlock_time(request, username):
    """When the lockout ends: the last counted failure plus the cool-off (failures during the
    lockout do not move it, AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False)."""
    from axes.helpers import get_cool_off

    attempt = _attempt(request, username)
    cool_off = get_cool_off(request)
    if attempt is None or cool_off is None:
        return None
    return attempt.attempt_time + cool_off


def locked_message(request, username):
    until = unlock_time(request, username)
    if until is None:
        return "账号已锁定，请联系创城办解锁。"
    minutes = max(math.ceil((until - timezone.now()).total_seconds() / 60), 1)
    local = timezone.localtime(until)
    return (f"账号已锁定，请 {minutes} 分钟后（{local:%H:%M} 以后）再试或联系创城办解锁。")


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the API answers JSON (429, code `locked`), pages the lockout
    page with the real unlock time and the configured number of tries."""
    from axes.helpers import get_client_username

    username = get_client_username(request, credentials) or ""
    message = locked_message(request, username)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked"}, status=429,
                            json_dumps_params={"ensure_ascii": False})
    context = {"message": message, "failure_limit": settings.AXES_FAILURE_LIMIT,
               "username": username}
    return render(request, "registration/locked_out.html", context, status=429)
