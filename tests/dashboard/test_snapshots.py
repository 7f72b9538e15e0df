"""Figures of periods that are over are kept (UnitFigures) and read back: the trend and the
previous-period comparison equal the live count, each snapshot is written once, and reading
them costs the same queries whatever the number of units."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.celery import app
from dashboard import figures, services
from dashboard.models import UnitFigures
from issues.models import IssueEvent

from .factories import at, make_event, make_inspection, make_issue, make_point
from .test_ranking import _add_units


def _live_scores(units, periods, weights, now):
    """{unit name: score} for each of `periods`, from figures counted now, never kept,
    scored as the ranking scores its kept ones."""
    return [{r["name"]: r["score"] for r in figures.score_figures(rows, weights)}
            for rows in figures.live_figures_many(units, periods, now=now)]


def _weeks(now, n):
    period, weeks = figures.week_period(now.date()), []
    for _i in range(n):
        weeks.insert(0, period)
        period = period.previous()
    return weeks


def test_the_trend_from_snapshots_equals_the_live_count(city, week):
    leader = city.users.leader
    # more history: a late closing two weeks back, an issue still late at the end of last week
    old = make_issue(unit=city.units.cg, region=city.units.a, created=at(11, 1),
                     deadline=at(11, 3), status="closed", closed_at=at(11, 4))
    make_event(old, IssueEvent.Kind.APPROVE, at(11, 4))
    make_issue(unit=city.units.zj, region=city.units.a, created=at(11, 2), deadline=at(11, 10))
    point = make_point(territorial=city.units.community, supervising=city.units.zj)
    make_inspection(point, passed=True, when=at(11, 10))
    make_inspection(point, passed=True, when=at(11, 11))
    first = figures.trend(leader, weeks=4, now=week.now)
    assert UnitFigures.objects.count() == 3 * 3  # the three past weeks of the three units
    second = figures.trend(leader, weeks=4, now=week.now)  # read from the snapshots
    assert second == first
    weights = figures.weights_for(leader).weights()
    live = _live_scores(figures.ranked_units(leader), _weeks(week.now, 4), weights, week.now)
    series = {s["name"]: s["data"] for s in second["series"]}
    for i, scores in enumerate(live):
        for name, score in scores.items():
            assert series[name][i] == score, (name, i)
    # Last week 住建局 held the issue due Tuesday the 10th, 3 whole working days late at its
    # end (weight 1 → 逾期 0 of 1 not late) and passed 2 of 2 inspections (达标 100): 3 scored
    # items. The region: 逾期 0/2 (区城管局 held one late too), 达标 4/4 (the point lies in
    # 东街街道's community) → adjusted 逾期 0, 达标 (2 + 5)/7 = 100 → (20·0 + 20·100) / 40
    # = 50, read from its snapshot.
    assert series["区住建局"][-2] == 50.0


def test_the_previous_period_from_its_snapshot_equals_the_live_count(city, week):
    # Ranked on Monday the 23rd: the week of the 16th is over, compared with the week of the
    # 9th whole, read from its snapshot once counted.
    leader, monday = city.users.leader, at(11, 23)
    counted = figures.ranking(leader, week.period, now=monday)["rows"]
    assert UnitFigures.objects.filter(start=week.period.previous().first_day).count() == 3
    read = figures.ranking(leader, week.period, now=monday)["rows"]
    assert read == counted
    weights = figures.weights_for(leader).weights()
    (live,) = _live_scores(figures.ranked_units(leader), [week.period.previous()], weights,
                           monday)
    assert {r["name"]: r["previous_score"] for r in read} == live


def test_the_first_part_of_last_week_equals_the_live_count_and_is_never_kept(city, week):
    # Wednesday noon: 较上期 compares with last week up to Wednesday noon, counted each time,
    # and nothing is kept: last week's snapshot holds the whole week only.
    leader = city.users.leader
    first = figures.ranking(leader, week.period, now=week.now)
    assert not first["compared"].whole
    assert not UnitFigures.objects.exists()
    weights = figures.weights_for(leader).weights()
    (live,) = _live_scores(figures.ranked_units(leader), [first["compared"]], weights,
                           week.now)
    assert {r["name"]: r["previous_score"] for r in first["rows"]} == live
    # Once the week is over, last week's kept figures are the whole week's.
    figures.ranking(leader, week.period, now=at(11, 23))
    cg = UnitFigures.objects.get(unit=city.units.cg, start=week.period.previous().first_day)
    (whole,) = figures.live_figures_many(figures.ranked_units(leader),
                                         [week.period.previous()], now=at(11, 23))
    assert cg.figures == {k: next(r for r in whole if r["id"] == city.units.cg.pk)[k]
                          for k in figures.SNAPSHOT_FIGURES}


def test_this_period_and_custom_periods_are_never_kept(city, week):
    leader = city.users.leader
    figures.ranking(leader, week.period, now=week.now)
    custom = figures.custom_period(dt.date(2026, 11, 1), dt.date(2026, 11, 10))
    figures.ranking(leader, custom, now=week.now)
    assert not UnitFigures.objects.exists()  # nor the first part of last week


def test_the_beat_keeps_each_ended_period_once(city, week):
    written = services.snapshot_past_periods(now=week.now)
    ranked = figures.ranked_units(city.users.leader).count() + \
        figures.ranked_units(city.users.office_b).count()
    # last week, last month, last quarter and last year of every ranked unit of the city
    assert written == 4 * ranked == UnitFigures.objects.count()
    stored = list(UnitFigures.objects.order_by("pk").values_list("pk", "figures"))
    assert services.snapshot_past_periods(now=week.now) == 0  # run twice: nothing new
    assert list(UnitFigures.objects.order_by("pk").values_list("pk", "figures")) == stored
    october = UnitFigures.objects.get(unit=city.units.cg, kind="month",
                                      start=dt.date(2026, 10, 1))
    live = figures.live_figures_many(figures.ranked_units(city.users.leader),
                                       [figures.month_period(dt.date(2026, 10, 1))],
                                       now=week.now)[0]
    cg = next(r for r in live if r["id"] == city.units.cg.pk)
    assert october.figures == {k: cg[k] for k in figures.SNAPSHOT_FIGURES}
    assert october.figures["inspections"] == 1  # the point's October inspection


def test_the_beat_schedule_runs_the_snapshot_daily():
    entry = app.conf.beat_schedule["dashboard-snapshot-ranking-figures"]
    assert entry["task"] == "dashboard.tasks.snapshot_ranking_figures_task"


def test_reading_snapshots_costs_the_same_queries_for_3_and_30_units(city, week):
    leader = city.users.leader

    def count():
        with CaptureQueriesContext(connection) as ctx:
            figures.trend(leader, weeks=8, now=week.now)
        return len(ctx.captured_queries)

    count()
    few = count()
    _add_units(city, 27)
    count()  # the new units' past weeks counted and kept
    assert count() == few


def test_the_trend_reusing_this_weeks_ranking_equals_its_own_count(city, week):
    leader = city.users.leader
    rows = figures.ranking(leader, week.period, now=week.now)["rows"]
    own = figures.trend(leader, weeks=3, now=week.now)
    with CaptureQueriesContext(connection) as ctx:
        reused = figures.trend(leader, weeks=3, now=week.now, this_week=rows)
    assert reused == own
    # the weights, the units and the snapshots: this week is not counted again
    assert len(ctx.captured_queries) <= 4
