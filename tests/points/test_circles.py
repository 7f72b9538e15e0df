from decimal import Decimal

import pytest

from accounts.models import Role, Unit
from points.models import PointCircle
from points.services import circle_compute, haversine_m, point_save

from ..factories import UnitFactory, UserFactory
from .factories import PointCategoryFactory, PointFactory

pytestmark = pytest.mark.django_db

CORE = (Decimal("38.930000"), Decimal("100.450000"))


def north_of_core(steps):
    """A latitude `steps` micro-degrees north of the core (≈0.111 m each)."""
    return CORE[0] + Decimal(steps) / Decimal(1_000_000)


def test_point_on_the_300m_edge_is_inside_and_just_beyond_is_outside(city):
    street = city.units.street
    market, road = PointCategoryFactory(name="农贸市场"), PointCategoryFactory(name="主次干道")
    core = PointFactory(category=market, territorial_unit=street, latitude=CORE[0],
                        longitude=CORE[1])
    on_edge = PointFactory(category=road, territorial_unit=street, latitude=north_of_core(2698),
                           longitude=CORE[1])
    beyond = PointFactory(category=road, territorial_unit=street, latitude=north_of_core(2700),
                          longitude=CORE[1])
    other_kind = PointFactory(category=market, territorial_unit=street,
                              latitude=north_of_core(100), longitude=CORE[1])
    # the stored coordinates put the first point at 300.0x m, the second at 300.2x m
    assert 300 <= haversine_m(*CORE, on_edge.latitude, on_edge.longitude) < 300.1
    assert haversine_m(*CORE, beyond.latitude, beyond.longitude) > 300.1

    circle = PointCircle.objects.create(core=core, name="市场圈")
    circle.categories.set([road])
    circle_compute(circle=circle)

    assert set(circle.members.all()) == {core, on_edge}
    assert other_kind not in circle.members.all()


def test_moving_a_point_recomputes_its_circles(city):
    street = city.units.street
    core = PointFactory(territorial_unit=street, latitude=CORE[0], longitude=CORE[1])
    far = PointFactory(territorial_unit=street, latitude=north_of_core(9000), longitude=CORE[1])
    circle = PointCircle.objects.create(core=core, name="圈")
    circle_compute(circle=circle)
    assert far not in circle.members.all()

    far.latitude = north_of_core(1000)
    point_save(point=far, by=city.users.office)
    assert far in circle.members.all()

    far.latitude = north_of_core(5000)
    point_save(point=far, by=city.users.office)
    assert far not in circle.members.all()


def test_circle_api_lists_members_and_is_scoped(api, city, points):
    office = api.as_user(city.users.office)
    response = office.post("/api/v1/point-circles/", {
        "name": "东关圈", "core": points.community.pk, "radius_m": 300, "categories": []},
        format="json")
    assert response.status_code == 201, response.json()
    member_names = {m["name"] for m in response.json()["members"]}
    assert {"东关农贸市场", "滨河路", "南关农贸市场"} <= member_names
    assert "高新农贸市场" not in member_names  # another district never joins the circle
    circle_id = response.json()["id"]
    assert api.as_user(city.users.office_b).get(
        f"/api/v1/point-circles/{circle_id}/").status_code == 404
    assert api.as_user(city.users.liaison).post("/api/v1/point-circles/", {
        "name": "x", "core": points.supervised.pk}, format="json").status_code == 403


def test_circle_core_of_other_district_is_refused(api, city, points):
    response = api.as_user(city.users.office).post("/api/v1/point-circles/", {
        "name": "x", "core": points.other.pk}, format="json")
    assert response.status_code == 400
    assert "core" in response.json()


@pytest.fixture
def border(city):
    """A market at the edge of 城关区 and, 200 m north across the border, a road of 高新区;
    and an office of the city itself."""
    city_office = UnitFactory(name="示范市创城办", kind=Unit.Kind.OFFICE, parent=city.units.root)
    market = PointCategoryFactory(name="农贸市场")
    core = PointFactory(name="边界市场", category=market, territorial_unit=city.units.street,
                        latitude="38.930000", longitude="100.450000")
    across = PointFactory(name="高新边界路", category=market, territorial_unit=city.units.b_dept,
                          latitude=north_of_core(1800), longitude="100.450000")
    user = UserFactory(username="cityoffice", unit=city_office, role=Role.OFFICE)
    return type("Border", (), {"core": core, "across": across, "city_office": user})


def _create(api, user, core, **extra):
    return api.as_user(user).post("/api/v1/point-circles/", {
        "name": "边界圈", "core": core.pk, "radius_m": 300, "categories": [], **extra},
        format="json")


def test_a_city_office_may_draw_a_circle_across_district_borders(api, city, border):
    district = _create(api, border.city_office, border.core)
    assert district.status_code == 201
    assert {m["name"] for m in district.json()["members"]} == {"边界市场"}
    citywide = _create(api, border.city_office, border.core, citywide=True)
    assert citywide.status_code == 201, citywide.json()
    assert {m["name"] for m in citywide.json()["members"]} == {"边界市场", "高新边界路"}
    circle = PointCircle.objects.get(pk=citywide.json()["id"])
    assert set(circle.members.values_list("name", flat=True)) == {"边界市场", "高新边界路"}


def test_a_district_office_keeps_circles_in_its_district(api, client, city, border):
    refused = _create(api, city.users.office, border.core, citywide=True)
    assert refused.status_code == 400 and "市级创城办" in refused.json()["citywide"][0]
    assert not PointCircle.objects.exists()
    circle_id = _create(api, border.city_office, border.core, citywide=True).json()["id"]
    # 城关区's office sees the circle (its core is theirs) but not 高新区's member.
    office = api.as_user(city.users.office)
    shown = office.get(f"/api/v1/point-circles/{circle_id}/").json()
    assert {m["name"] for m in shown["members"]} == {"边界市场"}
    listed = office.get("/api/v1/point-circles/").json()["results"]
    assert {m["name"] for m in listed[0]["members"]} == {"边界市场"}
    client.force_login(city.users.office)
    page = client.get(f"/points/circles/{circle_id}/").content.decode()
    assert "高新边界路" not in page and "另有 1 个点位属于其他区县" in page
    assert "citywide" not in client.get("/points/circles/new/").content.decode()
    # renaming keeps it citywide; switching it off is the city's decision
    renamed = office.patch(f"/api/v1/point-circles/{circle_id}/", {"name": "边界圈（改）"},
                           format="json")
    assert renamed.status_code == 200
    assert {m["name"] for m in renamed.json()["members"]} == {"边界市场"}
    assert PointCircle.objects.get(pk=circle_id).members.count() == 2
    off = office.patch(f"/api/v1/point-circles/{circle_id}/", {"citywide": False},
                       format="json")
    assert off.status_code == 400
    assert api.as_user(city.users.office_b).get(
        f"/api/v1/point-circles/{circle_id}/").status_code == 404
