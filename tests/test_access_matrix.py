"""Every URL in the URL conf, generated so that a new endpoint cannot escape: anonymous
visitors get no data (401/403 on the API, a redirect to the login page on pages), and no URL
answers 500 to any role, even for ids that do not exist.

Per-object scoping (another unit's object → 404, forbidden action → 403) is proven per resource
in each app's tests."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Reachable without logging in, on purpose.
PUBLIC = {
    "healthz",
    "accounts/login/",
    "api/v1/auth/token/",
    "api/schema/",
    "api/docs/",
}
PUBLIC_PREFIXES = ("surveys/s/", "surveys/public/", "static/")
SKIP_PREFIXES = ("admin/",)  # Django's admin has its own login and its own tests


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(route):
    """Turn a route into a URL, with 999999 for every id and "x" for other parameters."""
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    route = re.sub(r"\(\?P<format>[^)]*\)", "json", route)
    route = re.sub(r"\(\?P<\w*(?:pk|id)>[^)]*\)", "999999", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "x", route)
    route = re.sub(r"<int:\w+>", "999999", route)
    route = re.sub(r"<(?:str:|slug:|uuid:|path:)?\w*(?:pk|id)>", "999999", route)
    route = re.sub(r"<(?:str:|slug:|uuid:|path:)?\w+>", "x", route)
    return "/" + route.replace("/?", "/")


def all_urls():
    urls = set()
    for route in _walk(get_resolver().url_patterns):
        url = _concrete(route)
        if url.startswith(tuple("/" + p for p in SKIP_PREFIXES)) or "\\" in url:
            continue
        if url.endswith(".json") or ".(" in url:
            continue
        urls.add(url)
    return sorted(urls)


def _is_public(url):
    path = url.lstrip("/")
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [u for u in all_urls() if not _is_public(u)])
def test_anonymous_gets_no_data(client, url):
    response = client.get(url)
    if url.startswith("/api/"):
        assert response.status_code in (401, 403, 405), response.status_code
    else:
        assert response.status_code in (302, 405), response.status_code
        if response.status_code == 302:
            assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["office", "leader", "liaison", "pointchief", "inspector"])
def test_no_url_answers_500_to_any_role(client, city, role):
    client.raise_request_exception = False
    client.force_login(getattr(city.users, role))
    failures = []
    for url in all_urls():
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {url} → {response.status_code}")
    assert failures == []
