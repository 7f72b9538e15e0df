import io

import pytest
from openpyxl import load_workbook

from points.models import Point

from .factories import PointFactory

pytestmark = pytest.mark.django_db


def names(response):
    return {row["name"] for row in response.json()["results"]}


@pytest.mark.parametrize("user, expected", [
    ("office", {"东关农贸市场", "滨河路", "南关农贸市场"}),
    ("leader", {"东关农贸市场", "滨河路", "南关农贸市场"}),
    ("liaison", {"滨河路"}),            # 城管局 supervises it
    ("liaison2", {"南关农贸市场"}),      # 住建局 is a partner unit
    ("pointchief", {"东关农贸市场"}),    # in the community, and chief of it
    ("office_b", {"高新农贸市场"}),
    ("liaison_b", {"高新农贸市场"}),
])
def test_list_is_scoped(api, city, points, user, expected):
    response = api.as_user(getattr(city.users, user)).get("/api/v1/points/")
    assert response.status_code == 200
    assert names(response) == expected


def test_office_of_other_district_gets_404_and_no_export_rows(api, city, points):
    client = api.as_user(city.users.office_b)
    assert client.get(f"/api/v1/points/{points.community.pk}/").status_code == 404
    export = client.get("/api/v1/points/export/")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == ["高新农贸市场"]


def test_anonymous_gets_401(api, points):
    assert api.get("/api/v1/points/").status_code == 401


def test_search_by_pinyin_initials(api, city, points):
    response = api.as_user(city.users.office).get("/api/v1/points/", {"q": "nmsc"})
    assert names(response) == {"东关农贸市场", "南关农贸市场"}


def test_office_creates_point(api, city, points):
    u = city.units
    response = api.as_user(city.users.office).post("/api/v1/points/", {
        "name": "新华公厕", "category": points.community.category_id,
        "territorial_unit": u.community.pk, "supervising_unit": u.cg.pk,
        "partner_units": [u.zj.pk], "chief": city.users.pointchief.pk, "kind": "random",
        "latitude": "38.930000", "longitude": "100.450000",
    }, format="json")
    assert response.status_code == 201, response.json()
    point = Point.objects.get(name="新华公厕")
    assert point.name_initials == "xhgc"
    assert list(point.partner_units.all()) == [u.zj]
    assert point.history.exists()


@pytest.mark.parametrize("user", ["liaison", "leader", "pointchief", "inspector"])
def test_other_roles_cannot_create_or_edit(api, city, points, user):
    client = api.as_user(getattr(city.users, user))
    created = client.post("/api/v1/points/", {"name": "x", "category": points.community.category_id,
                                              "territorial_unit": city.units.street.pk},
                          format="json")
    assert created.status_code == 403
    visible = {"liaison": points.supervised, "leader": points.supervised,
               "pointchief": points.community, "inspector": points.supervised}[user]
    edited = client.patch(f"/api/v1/points/{visible.pk}/", {"name": "改名"}, format="json")
    assert edited.status_code == 403
    assert Point.objects.filter(name="改名").count() == 0


def test_unit_of_other_district_is_refused_naming_the_field(api, city, points):
    response = api.as_user(city.users.office).patch(
        f"/api/v1/points/{points.supervised.pk}/", {"territorial_unit": city.units.b_dept.pk},
        format="json")
    assert response.status_code == 400
    assert "territorial_unit" in response.json()


def test_bad_latitude_names_the_field(api, city, points):
    response = api.as_user(city.users.office).patch(
        f"/api/v1/points/{points.supervised.pk}/", {"latitude": "北纬"}, format="json")
    assert response.status_code == 400
    assert "latitude" in response.json()


def test_list_query_count_is_constant(api, city, points, django_assert_num_queries):
    client = api.as_user(city.users.office)
    for _ in range(15):
        p = PointFactory(territorial_unit=city.units.community, supervising_unit=city.units.cg,
                         chief=city.users.pointchief, category=points.community.category)
        p.partner_units.add(city.units.zj)
    # user+unit (auth), count, page of points with joins, partner units prefetch
    with django_assert_num_queries(4):
        response = client.get("/api/v1/points/")
    assert response.json()["count"] == 18


def test_map_endpoint_is_scoped(api, city, points):
    rows = api.as_user(city.users.liaison).get("/api/v1/points/map/").json()["points"]
    assert [r[1] for r in rows] == ["滨河路"]
