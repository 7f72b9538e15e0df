"""Exports shaped for reporting (issue #20 item 15): a title row naming the export and the
filters used, the header on row 2 frozen under an auto-filter, real date cells in a Chinese
format, and the columns a clerk asks for. Read back as Excel would: openpyxl and the XML."""

import io
import zipfile
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from issues import services as issue_services
from issues.models import Issue
from jobs.excel import read_report
from jobs.models import Job
from tests.issues.factories import IssueCategoryFactory, IssueFactory, photo
from tests.points.factories import PointFactory

pytestmark = pytest.mark.django_db


def _body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_report_shape(body, *, title, filters=(), date_columns=()):
    """The title row names the export and each filter; row 2 is the frozen header under an
    auto-filter reaching the last row; the named columns hold real dates in a Chinese
    format. Returns (header, rows)."""
    book = load_workbook(io.BytesIO(body))
    sheet = book.worksheets[0]
    head, header, rows = read_report(io.BytesIO(body))
    assert head.startswith(title), head
    assert "筛选条件" in head and "导出时间" in head
    for text in filters:
        assert text in head, (text, head)
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref is not None
    first, last = sheet.auto_filter.ref.split(":")
    assert first == "A2" and int("".join(c for c in last if c.isdigit())) == len(rows) + 2
    for name in date_columns:
        col = header.index(name) + 1
        cells = [sheet.cell(row=r, column=col) for r in range(3, len(rows) + 3)]
        filled = [c for c in cells if c.value is not None]
        assert filled, name
        for cell in filled:
            assert cell.is_date and isinstance(cell.value, datetime), (name, cell.value)
            assert "年" in cell.number_format and "月" in cell.number_format
    return header, rows


@pytest.fixture
def rectified_issue(city):
    """An issue at a point of 东街街道's 幸福社区, filed by the inspector with a photo,
    dispatched and rectified by 区城管局 with a note and a photo."""
    point = PointFactory(name="幸福广场", territorial_unit=city.units.community,
                         supervising_unit=city.units.cg)
    category = IssueCategoryFactory(name="乱堆乱放")
    issue = issue_services.issue_file(by=city.users.inspector, category=category, point=point,
                                      description="广场东侧杂物堆放", photos=[photo(seed=1)])
    issue_services.issue_assign(issue=issue, by=city.users.office,
                                responsible_unit=city.units.cg)
    issue_services.issue_submit(issue=Issue.objects.get(pk=issue.pk), by=city.users.liaison,
                                photos=[photo(seed=2)], note="已清理杂物并设置围挡")
    return Issue.objects.get(pk=issue.pk)


def _issue_export(client, run_jobs, query=""):
    with run_jobs():
        started = client.post("/api/v1/issues/export/" + query)
    assert started.status_code == 202
    job = Job.objects.get(pk=started.json()["id"])
    assert job.status == Job.Status.DONE, job.message
    return job.result.read()


def test_issue_export_has_title_filters_dates_and_the_clerks_columns(api, client, city,
                                                                    run_jobs, rectified_issue):
    IssueFactory(region=city.units.a, description="另一个问题", status=Issue.Status.NEW)
    body = _issue_export(api.as_user(city.users.office), run_jobs, f"?status=submitted&street={city.units.street.pk}")
    header, rows = assert_report_shape(
        body, title="问题清单", filters=("状态：待复核", "街道：东街街道"),
        date_columns=("整改期限", "发现时间"))
    for name in ("街道", "发现人", "整改说明", "整改前照片", "整改后照片"):
        assert name in header
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["编号"] == rectified_issue.pk
    assert row["街道"] == "东街街道"
    assert row["发现人"] == city.users.inspector.display_name
    assert row["整改说明"] == "已清理杂物并设置围挡"
    before = rectified_issue.photos.get(kind="before")
    after = rectified_issue.photos.get(kind="after")
    assert row["整改前照片"] == f"http://testserver/issues/photos/{before.pk}/file/"
    assert row["整改后照片"] == f"http://testserver/issues/photos/{after.pk}/file/"
    # The link is the permission-checked view: it serves the office, not another district.
    client.force_login(city.users.office)
    assert client.get(f"/issues/photos/{after.pk}/file/").status_code == 200
    client.force_login(city.users.office_b)
    assert client.get(f"/issues/photos/{after.pk}/file/").status_code == 404
    client.logout()
    assert client.get(f"/issues/photos/{after.pk}/file/").status_code == 302
    # 发现时间 is the local wall-clock time of the filing, to the minute.
    local = timezone.localtime(rectified_issue.created).replace(tzinfo=None)
    assert abs(row["发现时间"] - local) < timedelta(minutes=1)


def test_issue_export_without_filters_says_all_and_writes_typed_text_as_text(api, city,
                                                                            run_jobs):
    IssueFactory(region=city.units.a, description="=1+1", status=Issue.Status.NEW)
    body = _issue_export(api.as_user(city.users.office), run_jobs)
    header, rows = assert_report_shape(body, title="问题清单", filters=("筛选条件：全部",))
    assert rows[0][header.index("问题描述")] == "=1+1"
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()


def test_a_forged_site_is_not_used_for_photo_links(api, city, run_jobs, rectified_issue):
    body = _issue_export(api.as_user(city.users.office), run_jobs, "?site=https://evil.example")
    header, rows = read_report(io.BytesIO(body))[1:]
    assert rows[0][header.index("整改前照片")].startswith("http://testserver/issues/photos/")


def test_points_export_is_a_report_and_imports_again_after_editing(client, city):
    from points.models import Point
    from points.services import points_import

    kept = PointFactory(name="幸福广场", territorial_unit=city.units.community,
                        supervising_unit=city.units.cg)
    PointFactory(name="别的类别的点", territorial_unit=city.units.street)
    client.force_login(city.users.office)
    response = client.get("/points/export/", {"category": kept.category_id})
    assert response.status_code == 200
    body = _body(response)
    header, rows = assert_report_shape(body, title="点位清单",
                                       filters=(f"类别：{kept.category.name}",),
                                       date_columns=("创建时间",))
    row = dict(zip(header, rows[0], strict=True))
    assert len(rows) == 1 and row["名称"] == "幸福广场" and row["街道"] == "东街街道"
    assert isinstance(row["经度"], float)
    # The clerk renames the point in the export and imports it: the header is found on row 2
    # and a bad row is reported with the row number Excel shows.
    book = load_workbook(io.BytesIO(body))
    sheet = book.worksheets[0]
    sheet.cell(row=3, column=1, value="幸福广场（东侧）")
    edited = io.BytesIO()
    book.save(edited)
    edited.seek(0)
    result = points_import(file=edited, by=city.users.office)
    assert result.ok, result.errors
    assert result.created == 1 and Point.objects.filter(name="幸福广场（东侧）").exists()
    sheet.cell(row=3, column=1, value="又一个点")
    sheet.cell(row=3, column=2, value="没有这个类别")
    broken = io.BytesIO()
    book.save(broken)
    broken.seek(0)
    result = points_import(file=broken, by=city.users.office)
    assert [e["row"] for e in result.errors] == [3]


def test_ledger_task_export_is_a_report_with_date_cells(client, city):
    from tests.ledgers.factories import LedgerRequirementFactory

    mine = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                                    year=2026, activity_start=None)
    LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, year=2025)
    client.force_login(city.users.office)
    response = client.get("/ledgers/requirements/export/", {"year": 2026})
    assert response.status_code == 200
    header, rows = assert_report_shape(_body(response), title="台账任务清单",
                                       filters=("年度：2026",),
                                       date_columns=("截止时间", "材料起始日期", "材料截止日期"))
    row = dict(zip(header, rows[0], strict=True))
    assert len(rows) == 1 and row["任务名称"] == mine.title
    assert row["材料起始日期"] == datetime(2024, 1, 1)
    assert row["活动开始日期"] is None and row["年度"] == 2026
