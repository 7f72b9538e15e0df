import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard import figures, scoring
from dashboard.models import RankingWeights
from tests.factories import UnitFactory

from .factories import at, make_event, make_inspection, make_issue, make_point


def _rows(city, week, **kwargs):
    data = figures.ranking(city.users.leader, week.period, now=week.now, **kwargs)
    return {r["name"]: r for r in data["rows"]}, data["rows"]


def test_it_ranks_units_by_the_hand_computed_composite(city, week):
    by_name, rows = _rows(city, week)
    assert [r["name"] for r in rows] == ["区住建局", "区城管局", "东街街道"]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    cg = by_name["区城管局"]
    assert cg["scores"] == {"ontime": 50.0, "overdue": 80.0, "relapse": 100.0,
                            "ledger_completion": None, "ledger_approval": None,
                            "point_pass": 50.0, "satisfaction": None}
    assert cg["score"] == 64.7
    assert (cg["received"], cg["closed"], cg["closed_on_time"], cg["overdue"]) == (2, 2, 1, 1)
    assert by_name["区住建局"]["score"] == 100.0
    street = by_name["东街街道"]
    assert street["relapsed"] == 1 and street["scores"]["relapse"] == 0.0
    assert street["score"] == 60.0


def test_other_districts_units_are_absent(city, week):
    by_name, _rows_ = _rows(city, week)
    assert "高新区城管局" not in by_name
    assert "城关区创城办" not in by_name  # the office is not ranked


def test_change_is_against_the_previous_week(city, week):
    by_name, _rows_ = _rows(city, week)
    # Previous week: the team's issue filed on the 8th was 6 days late at its end (weight 1),
    # and it was the only work → 90.
    assert by_name["区城管局"]["previous_score"] == 90.0
    assert by_name["区城管局"]["change"] == -25.3


def test_a_unit_without_work_has_no_score_and_no_rank(city, week):
    UnitFactory(name="区教育局", kind="department", parent=city.units.a)
    by_name, rows = _rows(city, week)
    assert by_name["区教育局"]["score"] is None and by_name["区教育局"]["rank"] is None
    assert rows[-1]["name"] == "区教育局"


def test_office_weights_change_the_order(city, week):
    RankingWeights.objects.create(region=city.units.a, w_ontime=0, w_overdue=0, w_relapse=0,
                                  w_point_pass=100)
    _by_name, rows = _rows(city, week)
    # Only the pass rate counts: 城管局 and the street tie at 50, 住建局 has no inspection.
    assert [(r["name"], r["rank"]) for r in rows] == [
        ("东街街道", 1), ("区城管局", 1), ("区住建局", None)]


def test_streets_alone(city, week):
    _by_name, rows = _rows(city, week, kind="street")
    assert [r["name"] for r in rows] == ["东街街道"]


def test_red_and_black_lists_do_not_overlap(city, week):
    _by_name, rows = _rows(city, week)
    red, black = scoring.red_black(rows, 3)
    assert [r["name"] for r in red] == ["区住建局"]
    assert [r["name"] for r in black] == ["东街街道"]


def _add_units(city, n):
    for i in range(n):
        unit = UnitFactory(name=f"扩展单位{i}", kind="department", parent=city.units.a)
        issue = make_issue(unit=unit, region=city.units.a, created=at(11, 16),
                           deadline=at(11, 17))
        make_event(issue, "reopen", at(11, 17))
        make_inspection(make_point(territorial=city.units.community, supervising=unit),
                        passed=True, when=at(11, 17))


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_ranking_costs_the_same_queries_for_3_and_30_units(city, week):
    leader = city.users.leader

    def run():
        return figures.ranking(leader, week.period, now=week.now)

    counting = _count(run)  # the previous week counted too, and its snapshots written
    reading = _count(run)  # the previous week read from its snapshots
    _add_units(city, 27)
    # the new units have no snapshot yet: the previous week is counted again, once
    assert _count(run) == counting <= 22
    assert len(run()["rows"]) == 30
    # the weights, the snapshots, then about ten grouped queries for this week
    assert _count(run) == reading < counting


@pytest.mark.parametrize("params, field", [
    ({"period": "decade"}, "period"),
    ({"period": "custom", "start": "2026-13-01", "end": "2026-11-01"}, "start"),
    ({"period": "custom", "start": "2026-11-10", "end": "2026-11-01"}, "end"),
])
def test_bad_periods_name_the_field(params, field):
    with pytest.raises(figures.ValidationError) as exc:
        figures.period_from_params(params)
    assert field in exc.value.message_dict


def test_periods_are_local_calendar_periods():
    day = at(11, 18).date()
    assert figures.period_from_params({"period": "month"}, today=day).label == \
        "2026-11-01 至 2026-11-30"
    quarter = figures.period_from_params({"period": "quarter"}, today=day)
    assert quarter.label == "2026-10-01 至 2026-12-31"
    assert quarter.previous().label == "2026-07-01 至 2026-09-30"
    assert str(figures.week_period(day).start) == "2026-11-16 00:00:00+08:00"


def test_the_trend_reads_all_its_weeks_in_the_queries_of_one(city, week):
    leader = city.users.leader
    two = _count(lambda: figures.trend(leader, weeks=2, now=week.now))
    eight = _count(lambda: figures.trend(leader, weeks=8, now=week.now))
    assert two == eight


def test_the_trend_scores_are_each_weeks_own_ranking(city, week):
    leader = city.users.leader
    data = figures.trend(leader, weeks=3, now=week.now)
    period = figures.week_period(week.now.date())
    weeks = [period.previous().previous(), period.previous(), period]
    weights = figures.weights_for(leader).weights()
    units = figures.ranked_units(leader)
    series = {s["name"]: s["data"] for s in data["series"]}
    for i, one in enumerate(weeks):
        for row in figures.score_rows(units, one, weights, now=week.now):
            assert series[row["name"]][i] == row["score"], (row["name"], i)
    assert series["区城管局"][-2:] == [90.0, 64.7]
