"""Every list and dashboard endpoint costs the same number of queries whatever the data size.

The endpoints are discovered from the URL conf: every page and API URL without a parameter in
its path (lists, dashboards, maps, exports, the 工作台), plus the per-survey lists and results,
so a new list is covered without touching this file. Each is requested by an office user and
a liaison of the generated benchmark city (`generate_city --scale small`: 500 points, 500
issues with photos and events, survey responses, ledger tasks), then again after every
generator ran a second time (twice the points, issues, responses, ledger tasks), and the
counts must be equal and under a bound. Endpoints a role may not open (403/405/302) are
skipped for that role; the data is rolled back at the end.
"""

import random

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.module_loading import import_string
from rest_framework.test import APIClient

# Not lists: authentication, schema and docs, admin, the health check and the bench floors.
SKIP_PREFIXES = ("admin/", "api/schema/", "api/docs/", "accounts/login/", "accounts/logout/",
                 "accounts/password_change", "healthz", "__bench__/", "api/v1/auth/")
# Lists under one parent object: URL name → how to find the parent the user may see.
PARENT_LISTS = {
    "surveys:results": "survey",
    "surveys:responses": "survey",
    "survey-results": "survey",
}
# A page of 50 rows, its filters, the menu and the session: generous, but far below one query
# per row.
MAX_QUERIES = 40
ROLES = ("office", "liaison")
# The marker makes pytest-django create the test database the module fixture fills.
pytestmark = pytest.mark.django_db


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            params = set(entry.pattern.regex.groupindex) - {"format"}
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}", params


def list_endpoints():
    """(URL name, route) of every GET endpoint without an object in its path, and of the
    per-survey lists."""
    found = {}
    for route, name, params in _walk(get_resolver().url_patterns):
        route = route.replace("^", "").replace("$", "")
        if route.startswith(SKIP_PREFIXES):
            continue
        if not params or (params == {"pk"} and name in PARENT_LISTS):
            found.setdefault(name, route)
    return sorted(found.items())


ENDPOINTS = list_endpoints()


def _url(name, route, parents):
    kwargs = {"pk": parents[PARENT_LISTS[name]]} if name in PARENT_LISTS else {}
    try:
        return reverse(name, kwargs=kwargs)
    except Exception:
        return "/" + route if not kwargs else None


def _generate(city):
    from accounts.management.commands.generate_city import GENERATORS

    for path in GENERATORS if not city.units else GENERATORS[1:]:
        with transaction.atomic():
            import_string(path)(city)


def _count(client, url):
    cache.clear()
    client.get(url)  # warm-up: per-process caches (content types, settings)
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response.status_code, len(ctx.captured_queries)


def _measure(users, parents):
    counts = {}
    for role, user in users.items():
        page, api = Client(), APIClient()
        page.force_login(user)
        api.force_authenticate(user)
        for name, route in ENDPOINTS:
            url = _url(name, route, parents)
            if url is None:
                continue
            client = api if url.startswith("/api/") else page
            counts[(name, role)] = (url, *_count(client, url))
    return counts


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """Query counts of every endpoint at the small city and at twice its data."""
    from accounts.citygen import GeneratedCity
    from accounts.models import Role, User
    from surveys.models import Survey

    with django_db_blocker.unblock(), transaction.atomic():
        city = GeneratedCity("small", random.Random(2026))
        _generate(city)
        office = User.objects.filter(role=Role.OFFICE).order_by("username").first()
        liaison = (User.objects.filter(role=Role.LIAISON, unit__path__startswith=office.scope_path)
                   .order_by("username").first())
        users = {"office": office, "liaison": liaison}
        survey = Survey.objects.visible_to(office).order_by("pk").first()
        parents = {"survey": survey.pk if survey else 0}
        small = _measure(users, parents)
        city.rng = random.Random(2027)
        _generate(city)  # every generator but the units' and users' again: twice the data
        large = _measure(users, parents)
        transaction.set_rollback(True)
    return small, large


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", [name for name, _route in ENDPOINTS])
def test_queries_do_not_grow_with_the_data(measured, name, role):
    small, large = measured
    if (name, role) not in small:
        pytest.skip(f"{name}: no URL for this data set")
    url, status_small, queries_small = small[(name, role)]
    _url, status_large, queries_large = large[(name, role)]
    if status_small != 200:
        pytest.skip(f"{url} answers {status_small} to the {role}")
    assert status_large == 200, url
    assert queries_large == queries_small, (
        f"{url} ({role}): {queries_small} queries at the small data set, "
        f"{queries_large} at twice the data")
    assert queries_large <= MAX_QUERIES, f"{url} ({role}): {queries_large} queries"


def test_the_discovery_finds_the_main_lists():
    names = {name for name, _route in ENDPOINTS}
    for expected in ("issues:issue-list", "issue-list", "points:point-list", "point-list",
                     "dashboard:ranking", "dashboard-ranking-list", "surveys:results",
                     "ledger-requirement-list"):
        assert expected in names
