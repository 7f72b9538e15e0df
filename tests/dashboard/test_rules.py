"""The ranking's rules on real records, each with its worked example (numbers by hand)."""

import datetime as dt

from dashboard import figures
from issues.models import Holiday, IssueEvent

from .factories import TZ, at, make_event, make_issue

K = IssueEvent.Kind


def _by_name(city, period, now):
    units = figures.ranked_units(city.users.leader)
    return {r["name"]: r for r in figures.unit_figures(units, period, now=now)}


def test_a_late_close_stays_late_after_a_reopen_with_a_new_deadline(city):
    """Due Monday 16 November 12:00, approved Tuesday 17 at 15:00: 27 hours late. Reopened
    on the 18th with a deadline of the 25th and handed to 区住建局. The approval is judged
    against the deadline in force at the time (the 16th) and credited to the unit that held
    the issue then (区城管局): 城管局 closed 1, on time 0; 住建局 closed nothing."""
    u = city.units
    issue = make_issue(unit=u.zj, region=u.a, created=at(11, 16, 9), deadline=at(11, 25),
                       status="assigned", first_unit=u.cg, first_deadline=at(11, 16, 12))
    make_event(issue, K.APPROVE, at(11, 17, 15), unit=u.cg, deadline=at(11, 16, 12))
    make_event(issue, K.REOPEN, at(11, 18, 9), unit=u.cg, deadline=at(11, 25))
    make_event(issue, K.REASSIGN, at(11, 18, 10), unit=u.zj, deadline=at(11, 25))
    rows = _by_name(city, figures.week_period(dt.date(2026, 11, 18)), at(11, 19))
    assert (rows["区城管局"]["closed"], rows["区城管局"]["closed_on_time"]) == (1, 0)
    assert rows["区城管局"]["relapsed"] == 1
    assert rows["区住建局"]["closed"] == 0


def test_spring_festival_days_do_not_count_as_lateness(city):
    """Due Friday 5 February 2027; 8–12 February are Spring Festival holidays. On Monday the
    15th at noon no working day has passed since the deadline's day (9.5 calendar days):
    weight 1, as the reminder ladder sees it (not yet 1 working day late); with another issue
    held and not due, 逾期 1 of 2 not late → 50. On Wednesday the 24th: 15–19, 22, 23 → 7
    working days, more than 5 → weight 2: it counts as 2 of 3 issues → 逾期 33.3."""
    for day in range(8, 13):
        Holiday.objects.create(date=dt.date(2027, 2, day), name="春节")
    u = city.units
    make_issue(unit=u.cg, region=u.a, created=dt.datetime(2027, 2, 1, 9, tzinfo=TZ),
               deadline=dt.datetime(2027, 2, 5, 23, 59, 59, tzinfo=TZ))
    make_issue(unit=u.cg, region=u.a, created=dt.datetime(2027, 2, 1, 9, tzinfo=TZ),
               deadline=dt.datetime(2027, 3, 31, 23, 59, 59, tzinfo=TZ))
    monday = dt.datetime(2027, 2, 15, 12, tzinfo=TZ)
    cg = _by_name(city, figures.week_period(monday.date()), monday)["区城管局"]
    assert (cg["overdue"], cg["overdue_7"], cg["overdue_30"]) == (1, 0, 0)
    assert figures.scoring.subscores(cg)["overdue"] == 50.0
    later = dt.datetime(2027, 2, 24, 12, tzinfo=TZ)
    cg = _by_name(city, figures.week_period(later.date()), later)["区城管局"]
    assert (cg["overdue"], cg["overdue_7"]) == (1, 1)
    assert figures.scoring.subscores(cg)["overdue"] == 33.3
