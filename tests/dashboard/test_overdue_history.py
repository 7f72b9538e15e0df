"""Overdue figures of a past period are the issues' state at its end, rebuilt from their
trail (dashboard.figures, "Overdue at the end of a period"), not from what they are now."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard import figures
from issues.models import Issue, IssueEvent

from .factories import at, make_event, make_issue

K = IssueEvent.Kind
# The week of 9–15 November; its end T is Monday 16 November 00:00, "now" is the 18th.
PAST = figures.custom_period(at(11, 9).date(), at(11, 15).date())
NOW = at(11, 18)


def _figures(city, period=PAST):
    units = figures.ranked_units(city.users.leader)
    return {r["name"]: r for r in figures.unit_figures(units, period, now=NOW)}


def test_each_issue_counts_as_it_stood_at_the_end_of_the_period(city):
    u = city.units
    # Submitted for review before T, sent back after it: not overdue at T.
    sent_back = make_issue(unit=u.cg, region=u.a, created=at(11, 10), deadline=at(11, 12))
    make_event(sent_back, K.SUBMIT, at(11, 13))
    make_event(sent_back, K.REJECT, at(11, 17))
    # Held by 住建局 at T, moved to 城管局 after: 住建局's overdue issue.
    moved = make_issue(unit=u.cg, region=u.a, created=at(11, 10), deadline=at(11, 12),
                       first_unit=u.zj)
    make_event(moved, K.REASSIGN, at(11, 17), unit=u.cg)
    # Extended after T: the deadline in force at T had passed.
    extended_late = make_issue(unit=u.cg, region=u.a, created=at(11, 10), deadline=at(11, 20),
                               first_deadline=at(11, 12))
    make_event(extended_late, K.EXTENSION_REQUEST, at(11, 11), deadline=at(11, 20))
    make_event(extended_late, K.EXTENSION_GRANT, at(11, 17), deadline=at(11, 20))
    # Extended before T: excused.
    extended = make_issue(unit=u.cg, region=u.a, created=at(11, 10), deadline=at(11, 20),
                          first_deadline=at(11, 12))
    make_event(extended, K.EXTENSION_GRANT, at(11, 11), deadline=at(11, 20))
    # An extension asked for but not decided at T does not move the deadline.
    asked = make_issue(unit=u.cg, region=u.a, created=at(11, 10), deadline=at(11, 12))
    make_event(asked, K.EXTENSION_REQUEST, at(11, 13), deadline=at(11, 30))
    # Closed before T and reopened after it (its new deadline long past by now): not at T.
    reopened = make_issue(unit=u.cg, region=u.a, created=at(11, 2), deadline=at(11, 17, 9),
                          first_deadline=at(11, 5))
    make_event(reopened, K.APPROVE, at(11, 4))
    make_event(reopened, K.REOPEN, at(11, 16, 9), deadline=at(11, 17, 9))
    # Due Thursday 5 November: 6 whole working days late at T (6, 9–13): weighs double.
    make_issue(unit=u.cg_team, region=u.a, created=at(11, 1), deadline=at(11, 5, 22))
    # Filed after T: not there yet.
    make_issue(unit=u.cg, region=u.a, created=at(11, 16, 8), deadline=at(11, 16, 9))

    by_name = _figures(city)
    cg, zj = by_name["区城管局"], by_name["区住建局"]
    assert (cg["overdue"], cg["overdue_7"], cg["overdue_30"]) == (3, 1, 0)
    # 在办 at T: the three overdue ones and the one extended in time.
    assert cg["rectifying"] == 4
    assert (zj["overdue"], zj["rectifying"]) == (1, 1)
    # Now (the current week), the same issues are read as they are today.
    current = _figures(city, figures.week_period(NOW.date()))
    now_overdue = set(Issue.objects.overdue(NOW).filter(
        responsible_unit__path__startswith=u.cg.path).values_list("pk", flat=True))
    assert current["区城管局"]["overdue"] == len(now_overdue)
    assert sent_back.pk in now_overdue and moved.pk in now_overdue
    assert extended_late.pk not in now_overdue


def test_the_latest_of_two_events_at_the_same_moment_wins(city):
    u = city.units
    issue = make_issue(unit=u.cg, region=u.a, created=at(11, 10), deadline=at(11, 12))
    make_event(issue, K.SUBMIT, at(11, 13))
    make_event(issue, K.REJECT, at(11, 13))  # same timestamp, recorded after: back to 整改中
    assert _figures(city)["区城管局"]["overdue"] == 1


def test_the_past_figures_cost_the_same_queries_however_long_the_trails(city):
    u = city.units
    units = figures.ranked_units(city.users.leader)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            figures.unit_figures(units, PAST, now=NOW)
        return len(ctx.captured_queries)

    few = count()
    for day in range(1, 9):
        issue = make_issue(unit=u.cg, region=u.a, created=at(11, day), deadline=at(11, 12))
        for hour in (9, 10, 11):
            make_event(issue, K.SUBMIT, at(11, day, hour))
            make_event(issue, K.REJECT, at(11, day, hour + 1))
    assert count() == few
    assert _figures(city)["区城管局"]["overdue"] == 8
