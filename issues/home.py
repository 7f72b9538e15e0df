"""The issues panel of the 工作台: what each role has to do about issues today."""

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Role

from . import deadlines
from .models import RECTIFYING, Issue, IssueEvent, Status

DUE_SOON_DAYS = 3
ROWS = 6
UNIT_ROLES = (Role.LIAISON, Role.UNIT_LEADER, Role.POINT_CHIEF)
STAFF_ROLES = (Role.OFFICE, Role.INSPECTOR)


def _counts(qs, now):
    """Open, overdue, due-soon, new, submitted and disputed counts in one query."""
    until = deadlines.end_of_day(deadlines.local_date(now) + dt.timedelta(days=DUE_SOON_DAYS))
    rectifying = Q(status__in=RECTIFYING)
    return qs.aggregate(
        open=Count("pk", filter=~Q(status=Status.CLOSED)),
        overdue=Count("pk", filter=rectifying & Q(deadline__lt=now)),
        due_soon=Count("pk", filter=rectifying & Q(deadline__gte=now, deadline__lte=until)),
        new=Count("pk", filter=Q(status=Status.NEW)),
        submitted=Count("pk", filter=Q(status=Status.SUBMITTED)),
        disputed=Count("pk", filter=Q(status=Status.DISPUTED)),
        closed_30=Count("pk", filter=Q(status=Status.CLOSED,
                                       closed_at__gte=now - dt.timedelta(days=30))),
        total=Count("pk"),
    )


def _rows(qs, now):
    return list(qs.select_related("category", "point", "responsible_unit")
                .with_overdue(now)[:ROWS])


def home_panel(user, now=None):
    """Context of templates/issues/partials/home.html, or None for users without a role."""
    now = now or timezone.now()
    if user.scope_path is None:
        return None
    issues = Issue.objects.visible_to(user)
    counts = _counts(issues, now)
    if user.role in UNIT_ROLES:
        until = deadlines.end_of_day(deadlines.local_date(now)
                                     + dt.timedelta(days=DUE_SOON_DAYS))
        return {"mode": "unit", "counts": counts, "due_days": DUE_SOON_DAYS,
                "overdue_rows": _rows(issues.overdue(now).order_by("deadline"), now),
                "due_rows": _rows(issues.filter(status__in=RECTIFYING, deadline__gte=now,
                                                deadline__lte=until).order_by("deadline"), now),
                "open_rows": _rows(issues.open().order_by("-created"), now)}
    if user.role == Role.LEADER:
        closed_total = issues.filter(status=Status.CLOSED).count()
        relapses = IssueEvent.objects.filter(issue__in=issues, kind=IssueEvent.Kind.REOPEN,
                                             created__gte=now - dt.timedelta(days=30)).count()
        rate = round(closed_total * 100 / counts["total"], 1) if counts["total"] else None
        return {"mode": "leader", "counts": counts, "close_rate": rate, "relapses": relapses}
    if user.role in STAFF_ROLES or user.is_superuser:
        return {"mode": "office", "counts": counts, "is_office": user.role == Role.OFFICE
                or user.is_superuser,
                "new_rows": _rows(issues.filter(status=Status.NEW).order_by("created"), now),
                "submitted_rows": _rows(issues.filter(status=Status.SUBMITTED)
                                        .order_by("updated"), now)}
    return None
