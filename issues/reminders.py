"""Deadline reminders and the overdue ladder, set-based.

Each rule is one `INSERT … SELECT … ON CONFLICT DO NOTHING` into `Reminder` tagged with this
run's token; the unique constraint `issues_reminder_once` (issue, kind, deadline, day) drops
what an earlier run or a concurrent worker already sent. The rows carrying this run's token
are exactly the new ones, and only those are notified — grouped per unit and kind, so a unit
gets "5 个问题已逾期" once instead of five messages. A changed deadline is a new key, so the
reminders start afresh. About a dozen queries whatever the number of issues.
"""

import datetime as dt
import operator
import uuid
from collections import defaultdict
from functools import reduce

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.models import NotificationKind, Role, Unit, User
from accounts.services import Message, notify_many

from . import deadlines
from .models import Issue, Reminder, Status

# The once-per-deadline kinds store this day; the daily overdue reminder stores its own day.
ONCE = dt.date(1970, 1, 1)
DEFAULT_LADDER = {"leader": 1, "notice": 3}


def before_hours():
    return getattr(settings, "ISSUE_REMINDER_BEFORE_HOURS", 24)


def ladder():
    """Working days late at which the unit leader is told and the issue goes on the 通报
    draft; `ISSUE_OVERDUE_LADDER` overrides either step."""
    return {**DEFAULT_LADDER, **getattr(settings, "ISSUE_OVERDUE_LADDER", {})}


def _insert(kind, queryset, *, day, token, now):
    """INSERT … SELECT the candidate issues of `queryset` as reminders of `kind`."""
    # Named columns: SQLite would otherwise call them "issues_issue"."id".
    sql, params = queryset.values(
        c_id=F("pk"), c_deadline=F("deadline"), c_unit=F("responsible_unit_id")
    ).query.sql_with_params()
    table = Reminder._meta.db_table
    ops = connection.ops
    # "WHERE 1=1" keeps SQLite from reading ON CONFLICT as a join constraint.
    statement = (
        f"INSERT INTO {table} (issue_id, kind, deadline, day, unit_id, run_token, created) "
        f"SELECT c.c_id, %s, c.c_deadline, %s, c.c_unit, %s, %s FROM ({sql}) AS c "
        "WHERE 1=1 ON CONFLICT DO NOTHING"
    )
    head = [str(kind), ops.adapt_datefield_value(day), token, ops.adapt_datetimefield_value(now)]
    with connection.cursor() as cursor:
        cursor.execute(statement, head + list(params))


def _rectifying():
    return Issue.objects.filter(status=Status.ASSIGNED, deadline__isnull=False,
                                responsible_unit__isnull=False).order_by()


@transaction.atomic
def send_reminders(*, now):
    """Insert and notify every reminder due at `now`; returns {kind: number of new ones}.

    - before: the deadline falls within the next ISSUE_REMINDER_BEFORE_HOURS (24 h);
    - due: the deadline passed within the last 24 hours;
    - overdue: more than a day late, once per working day;
    - leader: ladder["leader"] whole working days late (counted after the deadline's day,
      today not included) → the unit's leader;
    - notice: ladder["notice"] whole working days late → on the office's 通报 draft.
    """
    today = deadlines.local_date(now)
    steps = ladder()
    calendar = deadlines.WorkCalendar.load(start=today - dt.timedelta(days=90), end=today)
    token = uuid.uuid4().hex
    base = _rectifying()
    day_ago = now - dt.timedelta(days=1)
    rules = [
        (Reminder.Kind.BEFORE, base.filter(
            deadline__gt=now, deadline__lte=now + dt.timedelta(hours=before_hours())), ONCE),
        (Reminder.Kind.DUE, base.filter(deadline__lte=now, deadline__gt=day_ago), ONCE),
    ]
    if calendar.is_workday(today):
        rules.append((Reminder.Kind.OVERDUE, base.filter(deadline__lte=day_ago), today))
    for kind in (Reminder.Kind.LEADER, Reminder.Kind.NOTICE):
        cutoff = deadlines.late_cutoff(now, steps[kind.value], calendar)
        rules.append((kind, base.filter(deadline__lt=cutoff), ONCE))
    for kind, queryset, day in rules:
        _insert(kind, queryset, day=day, token=token, now=now)
    # Counted in SQL per (kind, unit, region): tens of thousands of new rows stay there.
    new = list(Reminder.objects.filter(run_token=token).order_by()
               .values_list("kind", "unit_id", "issue__region_id").annotate(n=Count("pk")))
    _notify_new(new)
    counts = defaultdict(int)
    for kind, _unit, _region, n in new:
        counts[kind] += n
    return dict(counts)


TITLES = {
    Reminder.Kind.BEFORE: "{n} 个问题将在 {h} 小时内到期，请抓紧整改",
    Reminder.Kind.DUE: "{n} 个问题已到整改期限",
    Reminder.Kind.OVERDUE: "{n} 个问题已逾期未整改",
    Reminder.Kind.LEADER: "贵单位有 {n} 个问题逾期超过 {d} 个工作日",
    Reminder.Kind.NOTICE: "{n} 个问题逾期超过 {d} 个工作日，已列入通报草稿",
}


def _notify_new(rows):
    """One message per (unit, kind) to the unit's liaisons (leaders for the leader step) and
    one per (region, kind) to the office for the 通报 step, inserted together by one
    `notify_many`. A few queries per run whatever the number of units."""
    if not rows:
        return
    by_unit = defaultdict(int)
    by_region = defaultdict(int)
    for kind, unit_id, region_id, n in rows:
        if kind == Reminder.Kind.NOTICE:
            by_region[region_id] += n
        else:
            by_unit[(kind, unit_id)] += n
    unit_ids = {u for _k, u in by_unit}
    contacts = defaultdict(list)
    for user in User.objects.filter(unit_id__in=unit_ids, is_active=True,
                                    role__in=(Role.LIAISON, Role.UNIT_LEADER)):
        contacts[(user.unit_id, user.role)].append(user)
    steps = ladder()
    list_url = reverse("issues:issue-list")
    messages = []
    for (kind, unit_id), n in sorted(by_unit.items()):
        role = Role.UNIT_LEADER if kind == Reminder.Kind.LEADER else Role.LIAISON
        users = contacts.get((unit_id, role), [])
        if users:
            messages.append(Message(
                users=users, title=TITLES[kind].format(n=n, h=before_hours(), d=steps["leader"]),
                url=f"{list_url}?status=assigned&unit={unit_id}",
                kind=NotificationKind.DUE_SOON if kind == Reminder.Kind.BEFORE
                else NotificationKind.OTHER))
    if by_region:
        regions = {u.pk: u for u in Unit.objects.filter(pk__in=by_region)}
        offices = defaultdict(list)
        in_regions = reduce(operator.or_, (Q(unit__path__startswith=r.path)
                                           for r in regions.values()))
        for user in (User.objects.filter(in_regions, role=Role.OFFICE, is_active=True)
                     .select_related("unit")):
            for region_id, region in regions.items():
                if user.unit is not None and user.unit.path.startswith(region.path):
                    offices[region_id].append(user)
        for region_id, n in sorted(by_region.items()):
            messages.append(Message(
                users=offices[region_id],
                title=TITLES[Reminder.Kind.NOTICE].format(n=n, d=steps["notice"]),
                url=reverse("issues:notice-draft")))
    notify_many(messages)


def notice_draft(issues):
    """Issues still unrectified that reached the 通报 step for their current deadline."""
    reached = Reminder.objects.filter(issue=OuterRef("pk"), kind=Reminder.Kind.NOTICE,
                                      deadline=OuterRef("deadline"))
    return issues.filter(status=Status.ASSIGNED).filter(Exists(reached))


def interview_candidates(units, *, now, days=None, threshold=None):
    """Units repeatedly late (约谈候选): at least `threshold` issues reached the 通报 step in
    the last `days` days. A correlated count per unit (constant queries)."""
    days = days or getattr(settings, "ISSUE_INTERVIEW_WINDOW_DAYS", 90)
    threshold = threshold or getattr(settings, "ISSUE_INTERVIEW_THRESHOLD", 3)
    notices = (
        Reminder.objects.filter(unit=OuterRef("pk"), kind=Reminder.Kind.NOTICE,
                                created__gte=now - dt.timedelta(days=days))
        .order_by().values("unit").annotate(n=Count("pk")).values("n")
    )
    return (units.annotate(notice_count=Coalesce(Subquery(notices), Value(0),
                                                 output_field=IntegerField()))
            .filter(notice_count__gte=threshold).order_by("-notice_count", "path"))
