"""The 我的点位 panel of the 工作台: unit people who look after points see how many they have,
how many failed their latest inspection and how many were never inspected."""

import datetime as dt

import pytest
from django.urls import reverse

from points.filters import PointFilterSet
from points.home import home_panel
from points.models import Inspection, Point

from .factories import PointFactory

pytestmark = pytest.mark.django_db


def inspect(point, passed, days_ago):
    row = Inspection.objects.create(point=point, passed=passed)
    Inspection.objects.filter(pk=row.pk).update(
        created=row.created - dt.timedelta(days=days_ago))


@pytest.fixture
def inspected(city, points):
    inspect(points.community, passed=True, days_ago=5)   # failed before, passed at last
    inspect(points.community, passed=False, days_ago=9)
    inspect(points.partnered, passed=False, days_ago=1)  # passed before, failed at last
    inspect(points.partnered, passed=True, days_ago=7)
    inspect(points.other, passed=False, days_ago=1)      # district B: not theirs
    return points


def test_liaison_and_chief_see_their_points(city, inspected):
    # 区住建局's liaison: the partnered point only, failed at its latest inspection.
    assert home_panel(city.users.liaison2)["counts"] == {"total": 1, "failed": 1, "never": 0}
    # The community's point chief: 东关农贸市场, passed at its latest inspection.
    assert home_panel(city.users.pointchief)["counts"] == {"total": 1, "failed": 0, "never": 0}


def test_no_panel_without_points_or_for_other_roles(city, points):
    Point.objects.update(is_active=False)
    assert home_panel(city.users.liaison2) is None
    Point.objects.update(is_active=True)
    for user in ("office", "inspector", "leader"):
        assert home_panel(getattr(city.users, user)) is None


def test_the_card_links_to_the_failed_points(client, city, inspected):
    client.force_login(city.users.liaison2)
    body = client.get(reverse("home")).content.decode()
    assert "我的点位" in body and "最近一次督查不达标" in body
    assert "/points/?is_active=true&amp;latest=failed" in body
    listed = client.get("/points/", {"is_active": "true", "latest": "failed"}).content.decode()
    assert "南关农贸市场" in listed


def test_latest_filter(city, inspected):
    qs = Point.objects.all()
    assert {p.name for p in PointFilterSet({"latest": "failed"}, queryset=qs).qs} == {
        "南关农贸市场", "高新农贸市场"}
    assert {p.name for p in PointFilterSet({"latest": "passed"}, queryset=qs).qs} == {
        "东关农贸市场"}
    assert {p.name for p in PointFilterSet({"latest": "never"}, queryset=qs).qs} == {"滨河路"}


def test_panel_is_one_query_however_many_points(city, points, django_assert_num_queries):
    for i in range(15):
        inspect(PointFactory(territorial_unit=city.units.zj, category=points.community.category),
                passed=i % 2 == 0, days_ago=1)
    with django_assert_num_queries(1):
        counts = home_panel(city.users.liaison2)["counts"]
    assert counts == {"total": 16, "failed": 7, "never": 1}
