import datetime as dt

import pytest
from django.utils import timezone

from points.models import Point

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_points(city, point, make_issue):
    """`point` has an overdue issue; `open_point` an issue still in time and a closed one;
    `quiet` only closed issues."""
    now = timezone.now()
    open_point = Point.objects.create(name="东关市场", category=point.category,
                                      territorial_unit=city.units.community,
                                      latitude="36.061", longitude="103.831")
    quiet = Point.objects.create(name="文化广场", category=point.category,
                                 territorial_unit=city.units.community,
                                 latitude="36.062", longitude="103.832")
    make_issue(point=point, status="assigned", responsible_unit=city.units.cg,
               deadline=now - dt.timedelta(hours=1))
    make_issue(point=open_point, status="assigned", responsible_unit=city.units.cg,
               deadline=now + dt.timedelta(days=2))
    make_issue(point=open_point, status="closed", responsible_unit=city.units.cg)
    make_issue(point=quiet, status="closed", responsible_unit=city.units.cg)
    return point, open_point, quiet


def _names(api, user, state):
    response = api.as_user(user).get("/api/v1/points/", {"issue_state": state})
    assert response.status_code == 200
    return {row["name"] for row in response.json()["results"]}


def test_points_filter_by_open_and_overdue_issues(api, city, three_points):
    office = city.users.office
    assert _names(api, office, "overdue") == {"幸福巷"}
    assert _names(api, office, "open") == {"幸福巷", "东关市场"}
    assert _names(api, office, "none") == {"文化广场"}
    response = api.as_user(office).get("/api/v1/points/", {"issue_state": "bad"})
    assert response.status_code == 400 and "issue_state" in response.json()


def test_map_colours_points_by_issue_state(api, client, city, three_points):
    client.force_login(city.users.office)
    rows = client.get("/points/map/data/").json()["points"]
    assert {row[1]: row[5] for row in rows} == {"幸福巷": "overdue", "东关市场": "open",
                                               "文化广场": "none"}
    rows = api.as_user(city.users.office).get(
        "/api/v1/points/map/", {"issue_state": "open"}).json()["points"]
    assert {row[1] for row in rows} == {"幸福巷", "东关市场"}
