import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue(city, make_issue, point):
    return make_issue(status="assigned", responsible_unit=city.units.cg, point=point,
                      deadline=timezone.now() + dt.timedelta(days=2))


@pytest.mark.parametrize("who, code", [
    ("office", 200), ("inspector", 200), ("leader", 200), ("liaison", 200),
    ("unitleader", 200), ("pointchief", 200), ("liaison2", 404), ("office_b", 404),
    ("liaison_b", 404),
])
def test_detail_scoping_matrix(api, city, issue, who, code):
    assert api.as_user(getattr(city.users, who)).get(
        f"/api/v1/issues/{issue.pk}/").status_code == code


def test_anonymous_gets_401_and_page_redirects(api, client, issue):
    assert api.get("/api/v1/issues/").status_code == 401
    assert client.get(f"/issues/{issue.pk}/").status_code == 302


def test_leader_is_read_only(api, city, issue):
    response = api.as_user(city.users.leader).post(f"/api/v1/issues/{issue.pk}/comment/",
                                                   {"text": "好"})
    assert response.status_code == 403


def test_bad_deadline_names_the_field(api, city, make_issue):
    issue = make_issue()
    response = api.as_user(city.users.office).post(
        f"/api/v1/issues/{issue.pk}/assign/",
        {"responsible_unit": city.units.cg.pk, "deadline": "明天"})
    assert response.status_code == 400 and "deadline" in response.json()


def test_assigning_to_another_districts_unit_is_400(api, city, make_issue):
    issue = make_issue()
    response = api.as_user(city.users.office).post(
        f"/api/v1/issues/{issue.pk}/assign/", {"responsible_unit": city.units.b_dept.pk})
    assert response.status_code == 400 and "responsible_unit" in response.json()


def test_list_api_runs_constant_queries(api, city, make_issue, django_assert_num_queries):
    client = api.as_user(city.users.office)
    for _ in range(3):
        make_issue(status="assigned", responsible_unit=city.units.cg,
                   deadline=timezone.now())
    # the caller's unit (scope path), the region units of the scope, count, page of issues
    # (category, point, unit joined; relapse count an inline subquery)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/issues/").status_code == 200
    for _ in range(20):
        make_issue()
    client = api.as_user(city.users.office)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/issues/").json()["count"] == 23


def test_list_page_runs_constant_queries(client, city, make_issue):
    client.force_login(city.users.office)
    make_issue()
    assert client.get("/issues/").status_code == 200
    make_issue()  # both measured pages count their rows (a write drops the kept count)
    with CaptureQueriesContext(connection) as small:
        client.get("/issues/")
    for _ in range(15):
        make_issue()
    with CaptureQueriesContext(connection) as big:
        client.get("/issues/")
    assert len(big) == len(small)


def test_pages_render_for_office(client, city, issue):
    client.force_login(city.users.office)
    for url in ("/issues/", f"/issues/{issue.pk}/", "/issues/new/", "/issues/map/",
                "/issues/notice/"):
        assert client.get(url).status_code == 200, url
    export = client.get("/issues/export/?status=new")
    assert export.status_code == 302 and export.url.startswith("/jobs/")
    client.force_login(city.users.liaison2)
    assert client.get(f"/issues/{issue.pk}/").status_code == 404
