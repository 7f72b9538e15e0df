"""The points Excel import runs as a job: the upload is checked at once (not a workbook,
wrong headers, no rows → 400 and nothing stored), then the worker checks every row and writes
all or nothing."""

import io

import pytest

from jobs.models import Job
from points.models import Point

from .conftest import workbook_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["名称", "类别", "地址", "经度", "纬度", "属地单位", "主管部门", "点位长", "类型"]


def good_rows(city):
    return [
        ["西关农贸市场", "农贸市场", "西关街1号", 100.45, 38.93, "东街街道", "区城管局", "pointchief", "固定"],
        ["幸福路", "主次干道", "", "100.46", "38.94", "幸福社区", "", "", "随机"],
    ]


def post(api, user, rows_or_file):
    upload = rows_or_file if hasattr(rows_or_file, "read") else workbook_bytes(rows_or_file)
    return api.as_user(user).post("/api/v1/points/import/", {"file": upload},
                                  format="multipart")


def job_of(api, user, response):
    assert response.status_code == 202, response.content
    detail = api.as_user(user).get(f"/api/v1/jobs/{response.json()['id']}/")
    assert detail.status_code == 200
    return detail.json()


def test_two_good_rows_and_one_bad_row_reports_row_4_and_writes_nothing(api, city, points,
                                                                         run_jobs):
    rows = [HEADERS, *good_rows(city),
            ["坏点位", "不存在的类别", "", "东经100度", "38.9", "东街街道", "", "", "固定"]]
    with run_jobs():
        response = post(api, city.users.office, rows)
    job = job_of(api, city.users.office, response)
    assert job["status"] == "failed" and job["kind"] == "points_import"
    assert "2 处错误" in job["message"]
    assert {(e["row"], e["column"]) for e in job["errors"]} == {(4, "类别"), (4, "经度")}
    assert "东经100度" in next(e["message"] for e in job["errors"] if e["column"] == "经度")
    assert not Point.objects.filter(name__in=["西关农贸市场", "幸福路", "坏点位"]).exists()


def test_good_workbook_is_imported(api, city, points, run_jobs):
    with run_jobs():
        response = post(api, city.users.office, [HEADERS, *good_rows(city)])
    job = job_of(api, city.users.office, response)
    assert job["status"] == "done" and job["result_count"] == 2 and job["percent"] == 100
    assert job["message"] == "已导入 2 个点位。"
    market = Point.objects.get(name="西关农贸市场")
    assert market.chief == city.users.pointchief
    assert market.supervising_unit == city.units.cg
    assert Point.objects.get(name="幸福路").kind == Point.Kind.RANDOM


def test_unit_of_other_district_and_duplicates_are_reported(api, city, points, run_jobs):
    rows = [HEADERS,
            ["甲", "农贸市场", "", "", "", "高新区城管局", "", "", "固定"],
            ["东关农贸市场", "农贸市场", "", "", "", "幸福社区", "", "", "固定"],
            ["乙", "农贸市场", "", "100.1", "", "东街街道", "", "", "常设"]]
    with run_jobs():
        response = post(api, city.users.office, rows)
    errors = {(e["row"], e["column"]) for e in job_of(api, city.users.office, response)["errors"]}
    assert errors == {(2, "属地单位"), (3, "名称"), (4, "纬度"), (4, "类型")}


def test_non_workbook_gets_400_with_a_message_and_nothing_is_stored(api, city, points):
    upload = io.BytesIO(b"name,category\nx,y\n")
    upload.name = "points.xlsx"
    response = post(api, city.users.office, upload)
    assert response.status_code == 400
    assert "Excel" in response.json()["file"][0]
    assert not Job.objects.exists()


def test_wrong_headers_empty_sheet_and_missing_file_get_400(api, city, points):
    response = post(api, city.users.office, [["a", "b"], ["1", "2"]])
    assert response.status_code == 400 and "表头" in response.json()["file"][0]
    response = post(api, city.users.office, [HEADERS, [None] * 9])
    assert response.status_code == 400 and "没有数据行" in response.json()["file"][0]
    response = api.as_user(city.users.office).post("/api/v1/points/import/", {},
                                                   format="multipart")
    assert response.status_code == 400 and "请选择" in response.json()["file"][0]
    assert not Job.objects.exists()


def test_liaison_cannot_import(api, city, points):
    response = post(api, city.users.liaison, [HEADERS, *good_rows(city)])
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_import_page_shows_progress_page_with_the_row_errors(client, city, points, run_jobs):
    client.force_login(city.users.office)
    page = client.get("/points/import/")
    assert page.status_code == 200 and "整个文件都不会导入" in page.content.decode()
    rows = [HEADERS, *good_rows(city), ["坏", "无此类", "", "x", "1", "东街街道", "", "", "固定"]]
    with run_jobs():
        response = client.post("/points/import/", {"file": workbook_bytes(rows)})
    assert response.status_code == 302
    job = Job.objects.get()
    assert response.url == f"/jobs/{job.pk}/"
    body = client.get(response.url).content.decode()
    assert "第 4 行" in body and "未完成" in body and "改好后重新上传" in body
    bad = client.post("/points/import/", {"file": io.BytesIO(b"not a workbook")})
    assert bad.status_code == 400 and "Excel 工作簿" in bad.content.decode()
    assert Job.objects.count() == 1


def test_import_page_is_for_office_only(client, city):
    client.force_login(city.users.liaison)
    assert client.get("/points/import/").status_code == 403
    client.logout()
    assert client.get("/points/import/").status_code == 302
