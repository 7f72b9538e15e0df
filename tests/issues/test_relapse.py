"""反弹: a new finding of the same category at the same point within RELAPSE_WINDOW_DAYS (30
calendar days) of an issue's 销号 is linked to it (`Issue.relapse_of`) on every way of filing,
and counts as a relapse of the unit that closed it in the ranking and its drill-down."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from dashboard import drill, figures
from issues import services
from issues.models import Issue, IssueEvent
from issues.services import RELAPSE_WINDOW_DAYS

from .factories import IssueCategoryFactory, photo
from .test_import import job_of, post, workbook

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(month, day, hour=10):
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


@pytest.fixture
def closed(city, point, make_issue):
    """乱停乱放 at 幸福巷, rectified by 区城管局 and closed Monday 2 November 10:00."""
    issue = make_issue(point=point, responsible_unit=city.units.cg, status=Issue.Status.CLOSED,
                       closed_at=at(11, 2))
    event = IssueEvent.objects.create(issue=issue, kind=IssueEvent.Kind.APPROVE,
                                      unit=city.units.cg, to_status=Issue.Status.CLOSED)
    IssueEvent.objects.filter(pk=event.pk).update(created=at(11, 2))
    return issue


def _file(city, point, category):
    return services.issue_file(by=city.users.inspector, category=category,
                               description="电动车又堆在巷口", photos=[photo(seed=3)],
                               point=point)


def test_the_window_is_thirty_days():
    assert RELAPSE_WINDOW_DAYS == 30


@pytest.mark.parametrize(("when", "relapses"), [
    (at(11, 20), True),            # 18 days after 销号
    (at(12, 2, 9), True),          # 29 days 23 hours after
    (at(12, 2, 11), False),        # 30 days and 1 hour after: outside the window
])
def test_a_finding_at_the_same_point_and_category_within_the_window_relapses(
        city, point, category, closed, when, relapses):
    with time_machine.travel(when, tick=False):
        issue = _file(city, point, category)
    assert issue.relapse_of == (closed if relapses else None)


def test_another_category_or_point_is_no_relapse(city, point, category, closed):
    other = IssueCategoryFactory(name="暴露垃圾")
    with time_machine.travel(at(11, 20), tick=False):
        assert _file(city, point, other).relapse_of is None
        free = services.issue_file(by=city.users.inspector, category=category,
                                   description="别处", photos=[photo(seed=4)],
                                   address="幸福巷以外的路口")
    assert free.relapse_of is None


def test_the_latest_closed_issue_is_the_one_relapsed(city, point, category, closed,
                                                     make_issue):
    later = make_issue(point=point, category=category, responsible_unit=city.units.cg,
                       status=Issue.Status.CLOSED, closed_at=at(11, 10))
    with time_machine.travel(at(11, 20), tick=False):
        assert _file(city, point, category).relapse_of == later


def test_an_inspection_finding_relapses(city, point, closed):
    from decimal import Decimal

    from points.models import CheckItem
    from points.services import inspection_create

    item = CheckItem.objects.create(category=point.category, text="无乱停乱放",
                                    score=Decimal(2), order=0)
    with time_machine.travel(at(11, 20), tick=False):
        inspection_create(point=point, by=city.users.inspector, results=[
            {"check_item": item, "verdict": "fail", "photo": photo(seed=5)}])
    found = Issue.objects.exclude(pk=closed.pk).get()
    assert found.category == closed.category and found.relapse_of == closed


def test_imported_findings_relapse_by_their_found_time(api, city, point, category, closed,
                                                       run_jobs):
    """Found 5 November (3 days after 销号) relapses; found 1 November, before the 销号, and
    found 3 December (31 days after) do not."""
    upload = workbook([
        ["幸福巷", "乱停乱放", "三天后又有", "暗访", "2026-11-05 09:00"],
        ["幸福巷", "乱停乱放", "销号之前", "暗访", "2026-11-01 09:00"],
        ["幸福巷", "乱停乱放", "一个月以后", "暗访", "2026-12-03 11:00"],
    ])
    with time_machine.travel(at(12, 4), tick=False):
        with run_jobs():
            response = post(api, city.users.inspector, upload)
        assert job_of(api, city.users.inspector, response)["status"] == "done"
    found = {i.description: i.relapse_of for i in Issue.objects.exclude(pk=closed.pk)}
    assert found == {"三天后又有": closed, "销号之前": None, "一个月以后": None}


def test_a_relapse_counts_against_the_unit_that_closed_it(city, point, category, closed):
    """Week 16–22 November: the finding of Friday the 20th relapses 区城管局's issue. 区城管局
    closed nothing that week: relapsed 1, 反弹 100 × (1 − 1 / max(0, 1)) = 0; the drill-down
    lists the finding."""
    with time_machine.travel(at(11, 20), tick=False):
        found = _file(city, point, category)
        period = figures.week_period(dt.date(2026, 11, 20))
        row = next(r for r in figures.ranking(city.users.office, period)["rows"]
                   if r["id"] == city.units.cg.pk)
        rows = drill.records(city.units.cg, "relapsed", period, now=at(11, 20))
    assert row["relapsed"] == 1 and row["scores"]["relapse"] == 0.0
    assert [r["number"] for r in rows] == [f"#{found.pk}"]
    assert f"#{closed.pk}" in rows[0]["note"]
