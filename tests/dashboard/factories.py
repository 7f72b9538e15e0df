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
               closed_at=None, lat=None, lng=None):
    category, _ = IssueCategory.objects.get_or_create(name="垃圾堆放")
    issue = Issue.objects.create(category=category, description="路边垃圾堆放",
                                 region=region, responsible_unit=unit, deadline=deadline,
                                 status=status, closed_at=closed_at, latitude=lat,
                                 longitude=lng)
    Issue.objects.filter(pk=issue.pk).update(created=created)
    return issue


def make_event(issue, kind, when):
    event = IssueEvent.objects.create(issue=issue, kind=kind, unit=issue.responsible_unit)
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
