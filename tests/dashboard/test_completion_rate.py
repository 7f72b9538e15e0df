"""完成率 has one definition (`ledgers.models.completion_rate`): approved (审核通过) material
over what is required, one per task and required unit. The same figure shows on the 工作台,
the task list and its export, the ranking and its export, and the monthly report."""

import datetime as dt
import io
import re
import zoneinfo

import pytest
import time_machine
from openpyxl import load_workbook

from dashboard import figures, services
from ledgers.home import home_panel
from ledgers.models import LedgerRequirement, LedgerSubmission
from points.models import Framework, FrameworkItem

from .test_reports import run_report

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 10, tzinfo=TZ)
S = LedgerSubmission.Status


@pytest.fixture
def tasks(city):
    """Three tasks of 2026 due in November. 任务一: 住建局 leads, 城管局 and 东街街道 contribute;
    住建局 and 城管局 approved, 东街街道 signed only → 2 of 3 = 66.7 %. 任务二: 住建局 signed,
    not yet approved → 0 %. 任务三: 住建局 approved → 100 %.
    区住建局 over its three tasks: approved in 任务一 and 任务三 → 2 of 3 = 66.7 %.
    The office over the district: 5 required, 3 approved → 60 %."""
    u = city.units
    standard = FrameworkItem.objects.create(
        framework=Framework.objects.create(name="测评体系"), level="standard", code="1.1",
        title="公益广告", score=2)

    def task(title, day, contributors=()):
        t = LedgerRequirement.objects.create(
            region=u.a, year=2026, standard=standard, title=title, lead_unit=u.zj,
            deadline=dt.datetime(2026, 11, day, 18, tzinfo=TZ),
            material_start=dt.date(2026, 1, 1), material_end=dt.date(2026, 11, 1))
        t.contributing_units.set(contributors)
        return t

    one = task("任务一", 10, [u.cg, u.street])
    two, three = task("任务二", 12), task("任务三", 14)
    for t, unit, status in [(one, u.zj, S.APPROVED), (one, u.cg, S.APPROVED),
                            (one, u.street, S.SIGNED), (two, u.zj, S.SIGNED),
                            (three, u.zj, S.APPROVED)]:
        LedgerSubmission.objects.create(requirement=t, unit=unit, status=status)
    return one


def _sheet_rows(content, sheet, header_row):
    book = load_workbook(io.BytesIO(content))
    ws = book[sheet] if sheet else book.active
    header = [c.value for c in ws[header_row]]
    return [dict(zip(header, r, strict=True))
            for r in ws.iter_rows(min_row=header_row + 1, values_only=True)]


@time_machine.travel(NOW, tick=False)
def test_the_same_completion_rate_in_every_place(city, tasks, client):
    # 工作台: 区住建局's own panel and the office's.
    assert home_panel(city.users.liaison2, NOW)["counts"]["rate"] == 66.7
    assert home_panel(city.users.office, NOW)["rate"] == 60.0
    client.force_login(city.users.liaison2)
    home = client.get("/").content.decode()
    assert "66.7%" in home and "审核通过的台账 ÷ 应报台账" in home

    # The task list (per task) and its Excel export.
    client.force_login(city.users.office)
    page = client.get("/ledgers/").content.decode()
    row = re.search(r"任务一</a>.*?>([0-9.]+)%</td>", page, re.S)
    assert row and row.group(1) == "66.7"
    assert "审核通过的台账 ÷ 应报台账" in page
    export = client.get("/ledgers/requirements/export/")
    by_title = {r["任务名称"]: r["完成率（%）"]
                for r in _sheet_rows(export.content, "台账任务", 2)}
    assert by_title == {"任务一": 66.7, "任务二": 0.0, "任务三": 100.0}

    # The ranking (per unit, November) and its export.
    month = figures.month_period(NOW.date())
    rows = {r["name"]: r for r in figures.ranking(city.users.office, month, now=NOW)["rows"]}
    assert rows["区住建局"]["scores"]["ledger_completion"] == 66.7
    export = client.get("/dashboard/export/?period=month")
    ranked = {r["单位"]: r["台账完成率"] for r in _sheet_rows(export.content, None, 2)}
    assert ranked["区住建局"] == 66.7

    # The monthly report of November.
    report, _created = services.report_request(kind="monthly", by=city.users.office,
                                               today=dt.date(2026, 12, 1))
    report = run_report(report, NOW + dt.timedelta(days=7))
    units = {r["单位"]: r["台账完成率"]
             for r in _sheet_rows(report.job.result.read(), "各单位情况", 2)}
    assert units["区住建局"] == 66.7
