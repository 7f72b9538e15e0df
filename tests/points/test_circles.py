from decimal import Decimal

import pytest

from points.models import PointCircle
from points.services import circle_compute, haversine_m, point_save

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
