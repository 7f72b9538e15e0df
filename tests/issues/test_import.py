import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from issues.imports import HEADERS
from issues.models import Issue, IssueEvent
from jobs.models import Job
from points.models import Point

pytestmark = pytest.mark.django_db


def workbook(rows, headers=HEADERS):
    wb = Workbook()
    sheet = wb.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("暗访.xlsx", buffer.getvalue())


@pytest.fixture
def other_point(city, point):
    return Point.objects.create(name="高新区广场", category=point.category,
                                territorial_unit=city.units.b)


def post(api, user, upload):
    return api.as_user(user).post("/api/v1/issues/import/", {"file": upload},
                                  format="multipart")


def job_of(api, user, response):
    assert response.status_code == 202, response.content
    return api.as_user(user).get(f"/api/v1/jobs/{response.json()['id']}/").json()


def test_good_file_files_new_issues_with_found_time(api, city, point, category, run_jobs):
    upload = workbook([
        ["幸福巷", "乱停乱放", "电动车占用盲道", "暗访", dt.datetime(2026, 11, 2, 9, 30)],
        ["幸福巷", "乱停乱放", "机动车压线停放", "", "2026-11-03"],
        [None, None, None, None, None],  # blank rows are skipped
        ["幸福巷", "乱停乱放", "共享单车堆放", "市民反映", None],
    ])
    with run_jobs():
        response = post(api, city.users.inspector, upload)
    job = job_of(api, city.users.inspector, response)
    assert (job["status"], job["result_count"], job["errors"]) == ("done", 3, [])
    issues = list(Issue.objects.order_by("pk"))
    assert [i.status for i in issues] == ["new"] * 3
    assert [i.source for i in issues] == ["undercover", "undercover", "citizen"]
    assert all(i.point == point and i.region == city.units.a for i in issues)
    assert issues[0].created.isoformat() == "2026-11-02T01:30:00+00:00"  # 09:30 local
    assert issues[1].created.isoformat() == "2026-11-02T16:00:00+00:00"
    assert IssueEvent.objects.filter(kind="file").count() == 3
    assert issues[0].history.count() == 1


def test_bad_rows_are_reported_by_row_number_and_nothing_is_saved(api, city, point, category,
                                                                  other_point, run_jobs):
    upload = workbook([
        ["幸福巷", "乱停乱放", "电动车占用盲道", "暗访", None],
        ["高新区广场", "乱停乱放", "别的区的点位", "暗访", None],
        ["幸福巷", "不存在的类别", "", "电话", "昨天"],
        ["幸福巷", "乱停乱放", "未来的时间", "暗访", "2099-01-01"],
    ])
    with run_jobs():
        response = post(api, city.users.office, upload)
    job = job_of(api, city.users.office, response)
    assert job["status"] == "failed"
    errors = job["errors"]
    by_row = {}
    for e in errors:
        by_row.setdefault(e["row"], set()).add(e["column"])
    assert by_row == {3: {"点位"}, 4: {"问题类别", "问题描述", "来源", "发现时间"},
                      5: {"发现时间"}}
    assert "找不到点位“高新区广场”" in next(e["message"] for e in errors if e["row"] == 3)
    assert not Issue.objects.exists()


def test_non_workbook_wrong_headers_and_empty_files_are_400(api, city, point, category):
    response = post(api, city.users.office, SimpleUploadedFile("a.xlsx", b"not a workbook"))
    assert response.status_code == 400 and "Excel" in response.json()["file"][0]
    response = post(api, city.users.office, workbook([["x"]], headers=["名称", "类别"]))
    assert response.status_code == 400 and "表头不符" in response.json()["file"][0]
    response = post(api, city.users.office, workbook([]))
    assert response.status_code == 400 and "没有数据行" in response.json()["file"][0]
    response = api.as_user(city.users.office).post("/api/v1/issues/import/", {},
                                                   format="multipart")
    assert response.status_code == 400 and "file" in response.json()
    assert not Job.objects.exists()


def test_roles_that_may_not_file_get_403(api, city, point, category):
    for who in ("liaison", "leader", "pointchief"):
        upload = workbook([["幸福巷", "乱停乱放", "电动车占用盲道", "暗访", None]])
        assert post(api, getattr(city.users, who), upload).status_code == 403
    anonymous = APIClient()
    assert anonymous.post("/api/v1/issues/import/", {}, format="multipart").status_code == 401
    assert not Issue.objects.exists() and not Job.objects.exists()


def test_import_page_and_template(client, city, point, category, run_jobs):
    client.force_login(city.users.office)
    assert client.get("/issues/import/").status_code == 200
    template = client.get("/issues/import/template/")
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    with run_jobs():
        bad = client.post("/issues/import/",
                          {"file": workbook([["无名点", "乱停乱放", "x", "", ""]])})
    assert bad.status_code == 302
    assert "第 2 行" in client.get(bad.url).content.decode()
    with run_jobs():
        good = client.post("/issues/import/",
                           {"file": workbook([["幸福巷", "乱停乱放", "x", "", ""]])})
    assert good.status_code == 302 and Issue.objects.count() == 1
    page = client.get(good.url).content.decode()
    assert "已导入 1 个问题" in page and "/issues/?status=new" in page
    refused = client.post("/issues/import/", {"file": workbook([], headers=["点位"])})
    assert refused.status_code == 400 and "表头不符" in refused.content.decode()
    client.force_login(city.users.liaison)
    assert client.get("/issues/import/").status_code == 403
