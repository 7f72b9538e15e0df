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
    """区城管局 (with its team): 2 received and closed this week, 1 on time → 按期 1/2 = 50;
    one issue of the team due Monday 9 November, 6 whole working days late on Wednesday the
    18th (10–13, 16, 17; more than 5 → counts as 2 issues) → 逾期: 2 closed + 1 held + 1
    extra weight = 4, 2 of them late → 50; no relapse with 2 closed → 反弹 2/2 = 100; its
    supervised point passed 1 of 2 inspections → 达标 50.
    Scored items (settled in the week) 2 closed + 1 overdue + 2 inspections = 5, 4 sub-scores:
    ranked.

    东街街道 (with 幸福社区): nothing received or closed, one reopening → 反弹 0/1 = 0; its
    open issue is not late → 逾期 1/1 = 100; the point lies in its community → 达标 1/2 = 50.
    Scored items 1 relapsed + 2 inspections = 3 (its open issue, not late, settled nothing),
    3 sub-scores: ranked (the default floor is 3 items, 1 sub-score).

    区住建局: 1 received, not due yet: no scored item, 1 sub-score (逾期 1/1 = 100) → below
    the floor of 3 items: 数据不足, no index, no rank.

    The index draws each rate toward the region's with 5 items (dashboard.scoring). Region
    (the three pooled): 按期 1/2, 逾期 (2 + 1 + 1)/(4 + 1 + 1) = 2/3, 反弹 (2 + 0)/(2 + 1) =
    2/3, 达标 2/4 = 1/2; no ledger or survey data anywhere (left out).
    区城管局: 按期 (1 + 2.5)/7 = 50.0, 逾期 (2 + 3.33)/9 = 59.3, 反弹 (2 + 3.33)/7 = 76.2,
    达标 (1 + 2.5)/7 = 50.0 → (25·50 + 20·59.3 + 10·76.2 + 20·50) / 75 = 4198 / 75 = 56.0.
    东街街道: 按期 none of its own → the region's 50.0, 逾期 (1 + 3.33)/6 = 72.2, 反弹
    (0 + 3.33)/6 = 55.6, 达标 50.0 → (1250 + 1444 + 556 + 1000) / 75 = 4250 / 75 = 56.7.

    Ranking: 东街街道 56.7 (nothing late, one relapse), 区城管局 56.0 (one closed late, one
    held 6 working days late); then 区住建局 unranked."""
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
