"""The client's address as the public pages read it (survey form, 随手拍, Open311 call log),
in one place so every rate limit counts the same person the same way."""

from django.conf import settings


def client_address(request):
    """The caller's address. With TRUSTED_PROXY_COUNT = 0 (clients connect directly) it is
    REMOTE_ADDR and X-Forwarded-For is ignored, since any client can forge it. Behind N
    proxies of our own it is the N-th entry from the right of X-Forwarded-For: the address
    our outermost proxy saw (entries further left come from the client and are not trusted).
    A missing or short header falls back to REMOTE_ADDR."""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR", "")
    if count <= 0:
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                 if p.strip()]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]
