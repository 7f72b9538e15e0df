import io

import pytest

from points.models import Point

from .conftest import workbook_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["名称", "类别", "地址", "经度", "纬度", "属地单位", "主管部门", "点位长", "类型"]


def good_rows(city):
    return [
        ["西关农贸市场", "农贸市场", "西关街1号", 100.45, 38.93, "东街街道", "区城管局", "pointchief", "固定"],
        ["幸福路", "主次干道", "", "100.46", "38.94", "幸福社区", "", "", "随机"],
    ]


def test_two_good_rows_and_one_bad_row_reports_row_4_and_writes_nothing(api, city, points):
    rows = [HEADERS, *good_rows(city),
            ["坏点位", "不存在的类别", "", "东经100度", "38.9", "东街街道", "", "", "固定"]]
    response = api.as_user(city.users.office).post(
        "/api/v1/points/import/", {"file": workbook_bytes(rows)}, format="multipart")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(e["row"], e["column"]) for e in errors} == {(4, "类别"), (4, "经度")}
    assert all(e["message"] for e in errors)
    assert not Point.objects.filter(name__in=["西关农贸市场", "幸福路", "坏点位"]).exists()


def test_good_workbook_is_imported(api, city, points):
    rows = [HEADERS, *good_rows(city)]
    response = api.as_user(city.users.office).post(
        "/api/v1/points/import/", {"file": workbook_bytes(rows)}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 2
    market = Point.objects.get(name="西关农贸市场")
    assert market.chief == city.users.pointchief
    assert market.supervising_unit == city.units.cg
    assert Point.objects.get(name="幸福路").kind == Point.Kind.RANDOM


def test_unit_of_other_district_and_duplicates_are_reported(api, city, points):
    rows = [HEADERS,
            ["甲", "农贸市场", "", "", "", "高新区城管局", "", "", "固定"],
            ["东关农贸市场", "农贸市场", "", "", "", "幸福社区", "", "", "固定"],
            ["乙", "农贸市场", "", "100.1", "", "东街街道", "", "", "常设"]]
    response = api.as_user(city.users.office).post(
        "/api/v1/points/import/", {"file": workbook_bytes(rows)}, format="multipart")
    assert response.status_code == 400
    errors = {(e["row"], e["column"]) for e in response.json()["errors"]}
    assert errors == {(2, "属地单位"), (3, "名称"), (4, "纬度"), (4, "类型")}


def test_non_workbook_gets_400_with_a_message(api, city, points):
    upload = io.BytesIO(b"name,category\nx,y\n")
    upload.name = "points.xlsx"
    response = api.as_user(city.users.office).post(
        "/api/v1/points/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "Excel" in response.json()["file"][0]


def test_wrong_headers_get_400(api, city, points):
    response = api.as_user(city.users.office).post(
        "/api/v1/points/import/", {"file": workbook_bytes([["a", "b"], ["1", "2"]])},
        format="multipart")
    assert response.status_code == 400
    assert "表头" in response.json()["file"][0]


def test_liaison_cannot_import(api, city, points):
    response = api.as_user(city.users.liaison).post(
        "/api/v1/points/import/", {"file": workbook_bytes([HEADERS, *good_rows(city)])},
        format="multipart")
    assert response.status_code == 403


def test_import_page_lists_errors(client, city, points):
    client.force_login(city.users.office)
    rows = [HEADERS, *good_rows(city), ["坏", "无此类", "", "x", "1", "东街街道", "", "", "固定"]]
    response = client.post("/points/import/", {"file": workbook_bytes(rows)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "第 4 行" in body and "整个文件都不会导入" in body
