"""Issues, events and inspections placed at chosen moments (their timestamps are
auto_now_add, so they are set after creation)."""

import datetime as dt
import zoneinfo

from issues.models import Issue, IssueCategory, IssueEvent
from points.models import Inspection, Point, PointCategory

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(month, day, hour=12):
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


def make_issue(*, unit, region, created, deadline=None, status=Issue.Status.ASSIGNED,
               closed_at=None, lat=None, lng=None, first_unit=None, first_deadline=None):
    """An issue in its final state (`status`, `unit`, `deadline`); its trail starts as the
    services' does: dispatched when it was filed, to `first_unit` with `first_deadline`
    (by default the final ones). Later steps: `make_event`."""
    category, _ = IssueCategory.objects.get_or_create(name="垃圾堆放")
    issue = Issue.objects.create(category=category, description="路边垃圾堆放",
                                 region=region, responsible_unit=unit, deadline=deadline,
                                 status=status, closed_at=closed_at, latitude=lat,
                                 longitude=lng)
    Issue.objects.filter(pk=issue.pk).update(created=created)
    if status == Issue.Status.NEW:
        make_event(issue, IssueEvent.Kind.FILE, created)
    else:
        make_event(issue, IssueEvent.Kind.ASSIGN, created, unit=first_unit,
                   deadline=first_deadline or deadline)
    return issue


# The status an issue has after each kind of event (as issues.services records it).
STATUS_AFTER = {
    IssueEvent.Kind.FILE: Issue.Status.NEW,
    IssueEvent.Kind.ASSIGN: Issue.Status.ASSIGNED,
    IssueEvent.Kind.SUBMIT: Issue.Status.SUBMITTED,
    IssueEvent.Kind.APPROVE: Issue.Status.CLOSED,
    IssueEvent.Kind.REJECT: Issue.Status.ASSIGNED,
    IssueEvent.Kind.DISPUTE: Issue.Status.DISPUTED,
    IssueEvent.Kind.REASSIGN: Issue.Status.ASSIGNED,
    IssueEvent.Kind.REOPEN: Issue.Status.ASSIGNED,
    IssueEvent.Kind.EXTENSION_GRANT: Issue.Status.ASSIGNED,
    IssueEvent.Kind.EXTENSION_REQUEST: Issue.Status.ASSIGNED,
}


def make_event(issue, kind, when, *, unit=None, deadline=None):
    """A step of the issue's trail at `when`, recording the state after it like the services:
    the status the step leads to, the responsible unit and the deadline (the issue's current
    ones unless given)."""
    event = IssueEvent.objects.create(
        issue=issue, kind=kind, unit=unit or issue.responsible_unit,
        to_status=STATUS_AFTER.get(kind, ""),
        deadline=deadline if deadline is not None else issue.deadline)
    IssueEvent.objects.filter(pk=event.pk).update(created=when)
    return event


def make_point(*, territorial, supervising=None):
    category, _ = PointCategory.objects.get_or_create(name="背街小巷")
    return Point.objects.create(name="东关巷", category=category, territorial_unit=territorial,
                                supervising_unit=supervising)


def make_inspection(point, *, passed, when):
    inspection = Inspection.objects.create(point=point, passed=passed)
    Inspection.objects.filter(pk=inspection.pk).update(created=when)
    return inspection
