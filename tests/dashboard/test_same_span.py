"""较上期 like for like: while a period runs, the ranking page, its workbook and the API compare
it with the previous period up to the same point and say so; the beat keeps the periods that
ended, so the first ranking after it writes no snapshot."""

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from config.celery import app
from dashboard import figures, tasks
from dashboard.models import UnitFigures

from .conftest import NOW
from .factories import at, make_inspection, make_point
from .test_ranking import _add_units

SAME_SPAN = ("较上期为与上一周期同一时段（2026-11-09 0:00 至 2026-11-11 12:00，与本期已过的时间相同）"
             "综合指数之差，本期结束后改为与上一周期整期相比")


@time_machine.travel(NOW, tick=False)
def test_the_page_footnote_says_the_same_span_while_the_week_runs(city, week, client):
    point = make_point(territorial=city.units.community, supervising=city.units.cg)
    make_inspection(point, passed=True, when=at(11, 13))  # last Friday: after the same point
    client.force_login(city.users.leader)
    html = client.get("/dashboard/?period=week").content.decode()
    assert SAME_SPAN in html
    # The trend keeps last week's figures: the whole week's, not its first part's.
    last_week = week.period.previous()
    (whole,) = figures.live_figures_many(figures.ranked_units(city.users.leader), [last_week])
    kept = dict(UnitFigures.objects.filter(kind="week", start=last_week.first_day)
                .values_list("unit_id", "figures"))
    assert kept == {r["id"]: {k: r[k] for k in figures.SNAPSHOT_FIGURES} for r in whole}
    assert kept[city.units.cg.pk]["inspections"] == 1


def test_the_page_footnote_says_the_whole_previous_period_once_over(city, week, client):
    client.force_login(city.users.leader)
    html = client.get("/dashboard/?period=custom&start=2026-11-16&end=2026-11-22") \
        .content.decode()
    assert "较上期为与上一周期（2026-11-09 至 2026-11-15）综合指数之差" in html
    assert "同一时段" not in html


@time_machine.travel(NOW, tick=False)
def test_the_api_gives_what_change_compares_with(city, week, api):
    body = api.as_user(city.users.leader).get("/api/v1/dashboard/ranking/",
                                                {"period": "week"}).json()
    assert body["compared"] == {"start": "2026-11-09", "end": "2026-11-11",
                                "until": "2026-11-11T12:00:00+08:00", "whole": False,
                                "note": SAME_SPAN}


@time_machine.travel(NOW, tick=False)
def test_the_workbook_title_says_the_same_span(city, week, client, tmp_path):
    client.force_login(city.users.leader)
    path = tmp_path / "r.xlsx"
    path.write_bytes(client.get("/dashboard/export/?period=week").content)
    title = load_workbook(path)["综合排名"]["A1"].value
    assert title.endswith(f"（2026-11-16 至 2026-11-22；{SAME_SPAN}）")


@time_machine.travel(NOW, tick=False)
def test_the_running_week_page_costs_the_same_queries_for_3_and_30_units(city, week, client):
    client.force_login(city.users.leader)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/dashboard/?period=week").status_code == 200
        return len(ctx.captured_queries)

    count()  # the trend's past weeks kept
    few = count()
    _add_units(city, 27)
    count()
    assert count() == few


def _inserts(ctx):
    return [q["sql"] for q in ctx.captured_queries
            if q["sql"].startswith("INSERT") and "dashboard_unitfigures" in q["sql"]]


def test_after_the_beat_the_first_ranking_writes_no_snapshot(city, week, client, api):
    # The beat ran after midnight each Monday of the last eight weeks (5 October – 23
    # November): the eight weeks up to the 16th, October, the third quarter and 2025 are
    # kept. On Monday the 23rd at 9:00 the page (this week, its trend of seven past weeks)
    # and last week's ranking only read them.
    monday = dt.datetime(2026, 11, 23, 0, 10, tzinfo=figures.local_tz())
    for weeks_back in range(7, -1, -1):
        with time_machine.travel(monday - dt.timedelta(weeks=weeks_back), tick=False):
            tasks.snapshot_ranking_figures_task()
    kept = UnitFigures.objects.count()
    assert UnitFigures.objects.filter(kind="week", unit=city.units.cg).count() == 8
    client.force_login(city.users.leader)
    with time_machine.travel(at(11, 23, 9), tick=False):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/dashboard/?period=week").status_code == 200
            last_week = api.as_user(city.users.leader).get(
                "/api/v1/dashboard/ranking/",
                {"period": "custom", "start": "2026-11-16", "end": "2026-11-22"})
            assert last_week.status_code == 200
            figures.ranking(city.users.leader, week.period)  # the week of the 16th, over
    assert _inserts(ctx) == []
    assert UnitFigures.objects.count() == kept


def test_the_beat_keeps_the_ended_periods_daily_just_after_midnight():
    # Daily at 00:10 local time: Monday's run keeps last week, the 1st's last month (and
    # quarter, year); on other days it finds them kept.
    schedule = app.conf.beat_schedule["dashboard-snapshot-ranking-figures"]["schedule"]
    assert schedule.hour == {0} and schedule.minute == {10}
    assert schedule.day_of_week == set(range(7)) and schedule.day_of_month == set(range(1, 32))
    assert app.conf.timezone == "Asia/Shanghai"


@time_machine.travel(NOW, tick=False)
def test_the_scorecard_says_the_same_span(city, week, client):
    # As in test_ranking: last week up to Wednesday noon 区城管局 scored 50.0, this week 56.0.
    point = make_point(territorial=city.units.community, supervising=city.units.cg)
    make_inspection(point, passed=True, when=at(11, 10))
    make_inspection(point, passed=True, when=at(11, 11, 9))
    client.force_login(city.users.leader)
    html = client.get(reverse("dashboard:unit-scorecard", args=[city.units.cg.pk]) + "?period=week").content.decode()
    assert "较上期同一时段（2026-11-09 0:00 至 2026-11-11 12:00）" in html
    assert "↑6.0" in html
