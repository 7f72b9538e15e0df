"""The office manages ledger tasks: new/edit with a sample checked by content, copy from last
year, Excel import (all or nothing, row errors) and export; scoped like every page."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.models import Unit
from jobs.models import Job
from ledgers.models import LedgerRequirement
from ledgers.requirements import HEADERS, default_material_window, shift_year

from ..factories import UnitFactory
from .factories import LedgerRequirementFactory, framework_standard

pytestmark = pytest.mark.django_db


# Deadlines lie ahead: a task cannot be created with one already gone.
NEXT_YEAR = timezone.localdate().year + 1


def jpeg_bytes():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


def form_data(city, std, **over):
    data = {
        "year": 2026, "standard": std.pk, "title": "文明交通宣传台账",
        "lead_unit": city.units.cg.pk, "contributing_units": [city.units.zj.pk, city.units.street.pk],
        "deadline": f"{NEXT_YEAR}-10-15T18:00", "photo_count": 4, "report_required": "on",
        "document_count": 1, "documents_note": "部署文件", "material_start": "2026-01-01",
        "material_end": "2026-11-01", "activity_name": "", "activity_start": "",
        "activity_end": "", "guidance": "照片须标注时间、地点、人物、主题、事由。",
    }
    data.update(over)
    return data


# --- New / edit -------------------------------------------------------------------------------

def test_office_creates_a_task_with_units_and_a_sample_photo(client, city):
    std = framework_standard()
    client.force_login(city.users.office)
    page = client.get("/ledgers/requirements/new/")
    body = page.content.decode()
    assert page.status_code == 200 and "牵头单位" in body and "样例文件" in body
    start, end = default_material_window(timezone.localdate().year)
    assert f'value="{start:%Y-%m-%d}"' in body and f'value="{end:%Y-%m-%d}"' in body
    sample = SimpleUploadedFile("样例.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post("/ledgers/requirements/new/",
                           {**form_data(city, std), "sample_upload": sample})
    assert response.status_code == 302, response.content.decode()
    req = LedgerRequirement.objects.get()
    assert req.region == city.units.a and req.created_by == city.users.office
    assert set(req.contributing_units.all()) == {city.units.zj, city.units.street}
    assert req.sample.name.endswith(".jpg") and "样例" not in req.sample.name
    assert req.deadline == timezone.make_aware(dt.datetime(NEXT_YEAR, 10, 15, 18, 0))
    # Units see the sample; another district does not.
    client.force_login(city.users.liaison)
    assert client.get(f"/ledgers/requirements/{req.pk}/sample/").status_code == 200
    client.force_login(city.users.liaison_b)
    assert client.get(f"/ledgers/requirements/{req.pk}/sample/").status_code == 404


def test_sample_that_is_not_what_it_claims_is_refused_and_nothing_saved(client, city):
    std = framework_standard()
    client.force_login(city.users.office)
    fake = SimpleUploadedFile("样例.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post("/ledgers/requirements/new/",
                           {**form_data(city, std), "sample_upload": fake})
    assert response.status_code == 400
    assert "样例文件格式不正确" in response.content.decode()
    assert not LedgerRequirement.objects.exists()


def test_bad_input_gets_400_with_chinese_messages_per_field(client, city):
    std = framework_standard()
    client.force_login(city.users.office)
    bad = form_data(city, std, lead_unit=city.units.b_dept.pk, material_end="2025-12-01",
                    activity_name="我们的节日·端午", deadline="明天", photo_count="三")
    response = client.post("/ledgers/requirements/new/", bad)
    body = response.content.decode()
    assert response.status_code == 400
    assert "请选择您管辖范围内的单位" in body
    assert "截止时间格式不正确" in body and "照片数量须为整数" in body
    response = client.post("/ledgers/requirements/new/", form_data(
        city, std, material_end="2025-12-01", activity_name="我们的节日·端午"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "材料截止日期不能早于起始日期" in body and "请同时填写活动开始和结束日期" in body
    response = client.post("/ledgers/requirements/new/", form_data(
        city, std, activity_start="2026-06-01"))
    assert response.status_code == 400 and "活动开始和结束日期要同时填写" in response.content.decode()
    assert not LedgerRequirement.objects.exists()


def test_office_edits_its_own_task_and_not_another_districts(client, city):
    req = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg)
    other = LedgerRequirementFactory(region=city.units.b, lead_unit=city.units.b_dept)
    client.force_login(city.users.office)
    assert client.get(f"/ledgers/requirements/{req.pk}/edit/").status_code == 200
    data = form_data(city, req.standard, title="改过的名称", contributing_units=[],
                     activity_name="我们的节日·端午", activity_start="2026-05-31",
                     activity_end="2026-06-02")
    assert client.post(f"/ledgers/requirements/{req.pk}/edit/", data).status_code == 302
    req.refresh_from_db()
    assert req.title == "改过的名称" and req.activity_start == dt.date(2026, 5, 31)
    assert not req.contributing_units.exists()
    assert client.get(f"/ledgers/requirements/{other.pk}/edit/").status_code == 404
    assert client.post(f"/ledgers/requirements/{other.pk}/edit/", data).status_code == 404


@pytest.mark.parametrize("url", ["/ledgers/requirements/new/", "/ledgers/requirements/copy/",
                                 "/ledgers/requirements/import/",
                                 "/ledgers/requirements/import/template/"])
def test_office_only_pages(client, city, url):
    client.force_login(city.users.liaison)
    assert client.get(url).status_code == 403
    client.force_login(city.users.leader)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(city.users.office)
    assert client.get(url).status_code == 200


def test_liaison_cannot_edit_even_own_units_task(client, city):
    req = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg)
    client.force_login(city.users.liaison)
    assert client.post(f"/ledgers/requirements/{req.pk}/edit/",
                       form_data(city, req.standard)).status_code == 403


# --- Copy from last year -----------------------------------------------------------------------

def test_copy_chosen_tasks_a_year_later_in_one_go(client, city):
    leap = LedgerRequirementFactory(
        region=city.units.a, lead_unit=city.units.cg, year=2024,
        deadline=timezone.make_aware(dt.datetime(2024, 2, 29, 18, 0)),
        material_start=dt.date(2024, 1, 1), material_end=dt.date(2024, 11, 1),
        activity_name="我们的节日·端午", activity_start=dt.date(2024, 6, 10),
        activity_end=dt.date(2024, 6, 12), contributing=[city.units.street])
    skipped = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.zj, year=2024)
    LedgerRequirementFactory(region=city.units.b, lead_unit=city.units.b_dept, year=2024)
    client.force_login(city.users.office)
    page = client.get("/ledgers/requirements/copy/", {"year": 2024})
    body = page.content.decode()
    assert page.status_code == 200 and leap.title in body and skipped.title in body
    assert "高新区城管局" not in body
    response = client.post("/ledgers/requirements/copy/",
                           {"source_year": 2024, "requirements": [leap.pk]})
    assert response.status_code == 302 and response.url.endswith("?year=2025")
    copy = LedgerRequirement.objects.get(year=2025)
    assert copy.copied_from == leap and copy.title == leap.title
    assert timezone.localtime(copy.deadline).date() == dt.date(2025, 2, 28)
    assert (copy.material_start, copy.material_end) == (dt.date(2025, 1, 1), dt.date(2025, 11, 1))
    assert (copy.activity_start, copy.activity_end) == (dt.date(2025, 6, 10), dt.date(2025, 6, 12))
    assert list(copy.contributing_units.all()) == [city.units.street]
    assert not LedgerRequirement.objects.filter(year=2025, copied_from=skipped).exists()
    # copying the same task again is refused, and nothing else of the batch is copied
    response = client.post("/ledgers/requirements/copy/",
                           {"source_year": 2024, "requirements": [leap.pk, skipped.pk]})
    assert response.status_code == 400 and "不能重复复制" in response.content.decode()
    assert LedgerRequirement.objects.filter(year=2025).count() == 1


def test_copy_refuses_nothing_chosen_and_other_districts_tasks(client, city):
    other = LedgerRequirementFactory(region=city.units.b, lead_unit=city.units.b_dept, year=2024)
    client.force_login(city.users.office)
    response = client.post("/ledgers/requirements/copy/", {"source_year": 2024})
    assert response.status_code == 400 and "请至少选择一个" in response.content.decode()
    response = client.post("/ledgers/requirements/copy/",
                           {"source_year": 2024, "requirements": [other.pk]})
    assert response.status_code == 400 and "刷新后重试" in response.content.decode()
    response = client.post("/ledgers/requirements/copy/",
                           {"source_year": "x", "requirements": ["abc"]})
    assert response.status_code == 400
    assert LedgerRequirement.objects.count() == 1


def test_shift_year_keeps_the_day_except_29_february():
    assert shift_year(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert shift_year(dt.date(2025, 6, 1)) == dt.date(2026, 6, 1)
    assert shift_year(None) is None


# --- Excel import / export -------------------------------------------------------------------------

def workbook(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "台账任务.xlsx"
    return buffer


def next_year(month, day, hour=0, minute=0):
    """A day in the coming year: import deadlines may not lie in the past."""
    return dt.datetime(timezone.localdate().year + 1, month, day, hour, minute)


def good_row(**over):
    year = str(timezone.localdate().year + 1)
    row = dict(zip(HEADERS, [year, "1.2.3", "文明交通宣传台账", "区城管局", "区住建局、东街街道",
                             f"{year}-10-15 18:00", "4", "是", "1", "部署文件", "", "", "", "", "",
                             "照片须标注五要素"], strict=True))
    row.update(over)
    return [row[h] for h in HEADERS]


def test_import_good_rows_creates_tasks(client, city, run_jobs):
    framework_standard()
    client.force_login(city.users.office)
    rows = [HEADERS, good_row(),
            good_row(任务名称="端午活动台账", 配合单位="", 截止时间=next_year(6, 20, 18),
                     活动名称="我们的节日·端午", 活动开始日期=next_year(5, 31),
                     活动结束日期=next_year(6, 2))]
    with run_jobs():
        response = client.post("/ledgers/requirements/import/", {"file": workbook(rows)})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == Job.Status.DONE, job.errors
    first = LedgerRequirement.objects.get(title="文明交通宣传台账")
    assert first.region == city.units.a and first.lead_unit == city.units.cg
    assert set(first.contributing_units.all()) == {city.units.zj, city.units.street}
    assert (first.material_start, first.material_end) == default_material_window(
        timezone.localdate().year + 1)
    festival = LedgerRequirement.objects.get(title="端午活动台账")
    assert festival.activity_start == next_year(5, 31).date()


def test_import_with_a_bad_row_reports_rows_and_writes_nothing(client, city, run_jobs):
    framework_standard()
    client.force_login(city.users.office)
    rows = [HEADERS, good_row(),
            good_row(测评标准编号="9.9.9", 牵头单位="高新区城管局", 截止时间="下个月",
                     照片数量="四", 活动名称="重阳"),
            good_row(材料起始日期=next_year(12, 1), 材料截止日期=next_year(1, 1))]
    with run_jobs():
        client.post("/ledgers/requirements/import/", {"file": workbook(rows)})
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    found = {(e["row"], e["column"]) for e in job.errors}
    assert found == {(3, "测评标准编号"), (3, "牵头单位"), (3, "截止时间"), (3, "照片数量"),
                     (3, "活动开始日期"), (4, "材料截止日期")}
    assert "下个月" in next(e["message"] for e in job.errors if e["column"] == "截止时间")
    assert not LedgerRequirement.objects.exists()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "第 3 行" in page


def test_import_names_the_unknown_or_missing_units_of_each_row(client, city, run_jobs):
    framework_standard()
    client.force_login(city.users.office)
    rows = [HEADERS, good_row(牵头单位=""), good_row(配合单位="区住建局、西街街道")]
    with run_jobs():
        client.post("/ledgers/requirements/import/", {"file": workbook(rows)})
    job = Job.objects.get()
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (2, "牵头单位", "牵头单位不能为空。"),
        (3, "配合单位", "找不到单位“西街街道”（须为您管辖范围内的单位全称）。")]
    assert not LedgerRequirement.objects.exists()


def test_import_refuses_a_deadline_in_the_past_like_the_page(client, city, run_jobs):
    framework_standard()
    client.force_login(city.users.office)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    rows = [HEADERS, good_row(),
            good_row(任务名称="过期任务", 截止时间=f"{yesterday:%Y-%m-%d} 18:00"),
            good_row(任务名称="今天截止", 截止时间=f"{timezone.localdate():%Y/%m/%d}")]
    with run_jobs():
        client.post("/ledgers/requirements/import/", {"file": workbook(rows)})
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "截止时间")]
    assert "截止时间不能早于今天" in job.errors[0]["message"]
    assert f"{yesterday:%Y-%m-%d}" in job.errors[0]["message"]
    assert not LedgerRequirement.objects.exists()  # all or nothing


def test_import_template_example_row_imports_as_it_is(client, city, run_jobs):
    framework_standard(code="3.3.1")
    UnitFactory(name="区民政局", kind=Unit.Kind.DEPARTMENT, parent=city.units.a)
    UnitFactory(name="西街街道", kind=Unit.Kind.STREET, parent=city.units.a)
    client.force_login(city.users.office)
    template = client.get("/ledgers/requirements/import/template/").content
    upload = io.BytesIO(template)
    upload.name = "模板.xlsx"
    with run_jobs():
        client.post("/ledgers/requirements/import/", {"file": upload})
    job = Job.objects.get()
    assert job.status == Job.Status.DONE, job.errors
    assert LedgerRequirement.objects.get().deadline.date() > timezone.localdate()


def test_import_refuses_a_non_workbook_at_once(client, city):
    client.force_login(city.users.office)
    response = client.post("/ledgers/requirements/import/",
                           {"file": io.BytesIO(b"not a workbook")})
    assert response.status_code == 400 and "Excel 工作簿" in response.content.decode()
    assert not Job.objects.exists()


def test_import_template_has_the_headers_and_standards(client, city):
    framework_standard()
    client.force_login(city.users.office)
    response = client.get("/ledgers/requirements/import/template/")
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]] == HEADERS
    assert book.worksheets[1]["A2"].value == "1.2.3"


def test_export_lists_the_scoped_tasks_with_progress(client, city):
    mine = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                                    contributing=[city.units.zj])
    theirs = LedgerRequirementFactory(region=city.units.b, lead_unit=city.units.b_dept)
    client.force_login(city.users.office)
    response = client.get("/ledgers/requirements/export/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))[1:]  # row 1 is the title
    assert rows[0][: len(HEADERS)] == tuple(HEADERS)
    assert len(rows) == 2 and rows[1][2] == mine.title and rows[1][4] == "区住建局"
    assert rows[1][len(HEADERS)] == 2  # units: lead + one contributor
    client.force_login(city.users.liaison2)
    rows = list(load_workbook(io.BytesIO(client.get("/ledgers/requirements/export/").content))
                .worksheets[0].iter_rows(min_row=3, values_only=True))
    assert [r[2] for r in rows] == [mine.title]  # a contributor sees it
    client.force_login(city.users.liaison_b)
    rows = list(load_workbook(io.BytesIO(client.get("/ledgers/requirements/export/").content))
                .worksheets[0].iter_rows(min_row=3, values_only=True))
    assert [r[2] for r in rows] == [theirs.title]
    client.logout()
    assert client.get("/ledgers/requirements/export/").status_code == 302


def test_export_and_list_queries_do_not_grow_with_tasks(client, city,
                                                        django_assert_max_num_queries):
    client.force_login(city.users.office)
    LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                             contributing=[city.units.zj])
    with django_assert_max_num_queries(20) as small_export:
        client.get("/ledgers/requirements/export/")
    with django_assert_max_num_queries(30) as small_list:
        client.get("/ledgers/")
    for _ in range(5):
        LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.zj,
                                 contributing=[city.units.street, city.units.cg])
    with django_assert_max_num_queries(len(small_export)):
        client.get("/ledgers/requirements/export/")
    with django_assert_max_num_queries(len(small_list)):
        client.get("/ledgers/")


def test_sample_download_needs_a_login(client, city):
    req = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg)
    assert client.get(f"/ledgers/requirements/{req.pk}/sample/").status_code == 302
    client.force_login(city.users.liaison)
    assert client.get(f"/ledgers/requirements/{req.pk}/sample/").status_code == 404  # none


def test_list_shows_management_buttons_to_the_office_only(client, city):
    client.force_login(city.users.office)
    body = client.get("/ledgers/").content.decode()
    assert "新建任务" in body and "复制往年任务" in body and "Excel 导入" in body
    client.force_login(city.users.liaison)
    body = client.get("/ledgers/").content.decode()
    assert "新建任务" not in body and "复制往年任务" not in body and "导出 Excel" in body


def test_copy_page_queries_do_not_grow(client, city, django_assert_max_num_queries):
    client.force_login(city.users.office)
    LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, year=2024)
    with django_assert_max_num_queries(20) as few:
        client.get("/ledgers/requirements/copy/", {"year": 2024})
    for _ in range(6):
        LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.zj, year=2024)
    with django_assert_max_num_queries(len(few)):
        client.get("/ledgers/requirements/copy/", {"year": 2024})
