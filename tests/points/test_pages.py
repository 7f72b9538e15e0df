import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from points.models import Framework, Point
from points.services import framework_import

from .conftest import workbook_bytes
from .factories import PointFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_redirected_to_login(client, points):
    response = client.get("/points/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_page_filters_and_searches(client, city, points):
    client.force_login(city.users.office)
    body = client.get("/points/", {"q": "nmsc"}).content.decode()
    assert "东关农贸市场" in body and "滨河路" not in body and "高新农贸市场" not in body
    body = client.get("/points/", {"unit": city.units.zj.pk}).content.decode()
    assert "南关农贸市场" in body and "东关农贸市场" not in body


def test_list_page_query_count_is_constant(client, city, points, django_assert_num_queries):
    client.force_login(city.users.office)
    client.get("/points/")
    for _ in range(20):
        PointFactory(territorial_unit=city.units.community, category=points.community.category,
                     supervising_unit=city.units.cg, chief=city.users.pointchief)
    # session, user, unread notifications, count, the page of points with its joins, and the
    # filter bar's choices (categories, units, streets), the office's photo setting: the same
    # for 3 points or 23
    with django_assert_num_queries(10):
        client.get("/points/")


def test_detail_page_of_other_district_is_404(client, city, points):
    client.force_login(city.users.office_b)
    assert client.get(f"/points/{points.community.pk}/").status_code == 404
    client.force_login(city.users.office)
    body = client.get(f"/points/{points.community.pk}/").content.decode()
    assert "points-data" in body and "尚未督查" in body


def test_liaison_cannot_open_create_or_edit_pages(client, city, points):
    client.force_login(city.users.liaison)
    assert client.get("/points/new/").status_code == 403
    assert client.post(f"/points/{points.supervised.pk}/edit/", {"name": "x"}).status_code == 403


def test_office_edits_point_in_page(client, city, points):
    client.force_login(city.users.office)
    p = points.supervised
    response = client.post(f"/points/{p.pk}/edit/", {
        "name": "滨河路北段", "category": p.category_id, "territorial_unit": city.units.street.pk,
        "kind": "fixed", "is_active": "on", "latitude": "38.93", "longitude": "100.45",
    })
    assert response.status_code == 302
    assert Point.objects.get(pk=p.pk).name == "滨河路北段"


def test_map_data_is_scoped(client, city, points):
    client.force_login(city.users.liaison2)
    rows = client.get("/points/map/data/").json()["points"]
    assert [(r[1], r[5]) for r in rows] == [("南关农贸市场", "none")]


def test_nearby_page_is_for_inspectors(client, city, points):
    client.force_login(city.users.inspector)
    assert "东关农贸市场" in client.get("/points/inspections/nearby/").content.decode()
    client.force_login(city.users.liaison)
    assert client.get("/points/inspections/nearby/").status_code == 403


def _row_of_points(city, points, count):
    """`count` points due east of (38.9, 100.4), 点位 0 nearest, about 110 m apart."""
    for i in range(count):
        PointFactory(name=f"点位{i:03d}", territorial_unit=city.units.community,
                     category=points.community.category, latitude=Decimal("38.900000"),
                     longitude=Decimal("100.400000") + Decimal(i) * Decimal("0.0013")
                     + Decimal("0.0001"))


def test_nearby_shows_the_nearest_twenty_then_more(client, city, points):
    _row_of_points(city, points, 45)
    client.force_login(city.users.inspector)
    response = client.get("/points/inspections/nearby/", {"lat": "38.9", "lng": "100.4"})
    names = [p.name for p in response.context["points"]]
    assert names == [f"点位{i:03d}" for i in range(20)]
    body = response.content.decode()
    assert "已按与您的距离排序" in body and "9 米" in body
    more = response.context["more_query"]
    assert "n=40" in more and "lat=38.9" in more and "更多" in body
    names = [p.name for p in client.get(f"/points/inspections/nearby/?{more}").context["points"]]
    assert names == [f"点位{i:03d}" for i in range(40)]
    last = client.get("/points/inspections/nearby/", {"lat": "38.9", "lng": "100.4", "n": 60})
    assert len(last.context["points"]) == 48 and "更多" not in last.content.decode()


def test_nearby_without_a_position_is_by_name_and_filters(client, city, points):
    _row_of_points(city, points, 25)
    client.force_login(city.users.inspector)
    response = client.get("/points/inspections/nearby/")
    assert [p.name for p in response.context["points"]][:2] == ["东关农贸市场", "南关农贸市场"]
    assert len(response.context["points"]) == 20 and response.context["more_query"]
    response = client.get("/points/inspections/nearby/", {"q": "点位02"})
    assert [p.name for p in response.context["points"]] == [f"点位02{i}" for i in range(5)]


def test_nearby_refuses_a_bad_position_in_chinese(client, city, points):
    client.force_login(city.users.inspector)
    response = client.get("/points/inspections/nearby/", {"lat": "北", "lng": "100.4"})
    assert response.status_code == 400 and "纬度需为数字。" in response.content.decode()
    response = client.get("/points/inspections/nearby/", {"lat": "38.9"})
    assert response.status_code == 400 and "经度和纬度需同时提供。" in response.content.decode()


def test_nearby_query_count_is_constant(client, city, points, django_assert_num_queries):
    client.force_login(city.users.inspector)
    near = {"lat": "38.9", "lng": "100.4"}
    client.get("/points/inspections/nearby/", near)
    _row_of_points(city, points, 60)
    # session, user, the user's unit, the shown points with their categories, unread
    # notifications, the office's photo setting: the same for 3 points or 63, 20 shown or 40
    with django_assert_num_queries(6):
        client.get("/points/inspections/nearby/", near)
    with django_assert_num_queries(6):
        client.get("/points/inspections/nearby/", {**near, "n": 40})


def test_export_page_is_filtered_and_scoped(client, city, points):
    client.force_login(city.users.office)
    response = client.get("/points/export/", {"category": points.supervised.category_id})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == ["滨河路"]


def test_framework_import_builds_the_tree_and_reports_bad_rows(city):
    rows = [["编号", "层级", "名称", "测评标准内容", "测评方法", "分值"],
            ["1", "测评项目", "理想信念教育", "", "", ""],
            ["1.1", "测评内容", "理论武装", "", "", ""],
            ["1.1.1", "测评标准", "学习制度", "制度健全", "网上申报、实地考察", "2"]]
    framework = Framework(name="测试体系")
    result = framework_import(file=workbook_bytes(rows), framework=framework, by=city.users.office)
    assert result.ok and result.created == 3
    standard = framework.items.get(code="1.1.1")
    assert standard.parent.code == "1.1" and standard.method_online and standard.method_field
    bad = [rows[0], ["2.1", "测评内容", "无上级", "", "", ""], ["3", "测评项目", "x", "", "电话", "a"]]
    result = framework_import(file=workbook_bytes(bad), framework=framework, by=city.users.office)
    assert {(e["row"], e["column"]) for e in result.errors} == {(2, "编号"), (3, "测评方法"),
                                                                (3, "分值")}
    assert framework.items.count() == 3


def test_template_downloads(client, city, points):
    client.force_login(city.users.office)
    for url in ("/points/import/template/", "/points/framework/import/template/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.content[:2] == b"PK"
