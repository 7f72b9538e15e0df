"""A hand-built week (Monday 16 – Sunday 22 November 2026, "now" Wednesday noon) whose
figures are worked out by hand in the docstring of `week`."""

from types import SimpleNamespace

import pytest

from dashboard import figures
from issues.models import Issue, IssueEvent

from .factories import at, make_event, make_inspection, make_issue, make_point

NOW = at(11, 18)


@pytest.fixture
def week(city):
    """区城管局 (with its team): 2 received and closed this week, 1 on time → 按期 50;
    one issue of the team due Monday 9 November, 6 whole working days late on Wednesday the
    18th (10–13, 16, 17; more than 5 → weight 2) → 逾期 100 − 20 = 80; no relapse with 2
    closed → 反弹 100; its supervised point passed 1 of 2 inspections → 达标 50.
    Scored items 2 closed + 1 held + 2 inspections = 5, 4 sub-scores: ranked.
    Composite (25·50 + 20·80 + 10·100 + 20·50) / 75 = 64.7.

    东街街道 (with 幸福社区): nothing received or closed, one reopening → 反弹 0; its open
    issue is not late → 逾期 100; the point lies in its community → 达标 50. Scored items
    1 held + 2 inspections = 3, 3 sub-scores: ranked (the default floor is 3 items, 1 sub-score).
    Composite (10·0 + 20·100 + 20·50) / 50 = 60.

    区住建局: 1 received, not due yet: 1 scored item, 1 sub-score (逾期 100) → below the
    floor of 3 items: 数据不足, no index, no rank.

    Ranking: 区城管局 64.7, 东街街道 60; then 区住建局 unranked."""
    u = city.units
    closed = Issue.Status.CLOSED
    on_time = make_issue(unit=u.cg, region=u.a, created=at(11, 16, 9), deadline=at(11, 17, 10),
                         status=closed, closed_at=at(11, 17, 9))
    make_event(on_time, IssueEvent.Kind.APPROVE, at(11, 17, 9))
    late = make_issue(unit=u.cg, region=u.a, created=at(11, 16, 9), deadline=at(11, 16, 12),
                      status=closed, closed_at=at(11, 17, 15))
    make_event(late, IssueEvent.Kind.APPROVE, at(11, 17, 15))
    overdue = make_issue(unit=u.cg_team, region=u.a, created=at(11, 8), deadline=at(11, 9, 10),
                         lat=36.06, lng=103.83)
    make_issue(unit=u.zj, region=u.a, created=at(11, 17), deadline=at(11, 25))
    relapsed = make_issue(unit=u.community, region=u.a, created=at(11, 2),
                          deadline=at(11, 20))
    make_event(relapsed, IssueEvent.Kind.APPROVE, at(11, 5))
    make_event(relapsed, IssueEvent.Kind.REOPEN, at(11, 17))
    point = make_point(territorial=u.community, supervising=u.cg)
    make_inspection(point, passed=True, when=at(11, 16))
    make_inspection(point, passed=False, when=at(11, 17))
    make_inspection(point, passed=False, when=at(10, 1))  # outside the week
    # Another district's unit never shows.
    make_issue(unit=city.units.b_dept, region=city.units.b, created=at(11, 16),
               deadline=at(11, 16, 13))
    return SimpleNamespace(now=NOW, period=figures.week_period(NOW.date()), overdue=overdue)
