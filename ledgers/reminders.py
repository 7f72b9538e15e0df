"""Deadline reminders of ledger tasks, set-based, each sent once.

For each step (by default 7 and 1 days before the deadline, and at the deadline) one
`INSERT … SELECT … ON CONFLICT DO NOTHING` per kind of unit (lead, contributing) puts the
(task, unit) pairs that have not handed in — no current version signed or approved — into
`LedgerReminder`, tagged with this run's token. The unique constraint `ledgers_reminder_once`
(task, unit, days, deadline) drops what an earlier run or a concurrent worker already sent;
the rows with this run's token are the new ones, and only those are notified, grouped per
unit and step ("3 个台账任务将在 7 天内截止"). A changed deadline is a new key. About a dozen
queries whatever the number of tasks.
"""

import datetime as dt
import uuid
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import Message, notify_many

from .models import LedgerReminder, LedgerRequirement, LedgerSubmission

DEFAULT_DAYS = (7, 1)
S = LedgerSubmission.Status


def reminder_days():
    """Days before the deadline a reminder goes out, largest first (LEDGER_REMINDER_DAYS)."""
    days = getattr(settings, "LEDGER_REMINDER_DAYS", DEFAULT_DAYS)
    return sorted({int(d) for d in days if int(d) > 0}, reverse=True)


def _windows(now):
    """(days, start, end): a reminder of `days` is due while the deadline is in (start, end].
    Each step covers up to the next smaller one, so a late run sends only the nearest step;
    the deadline step covers the day after the deadline."""
    steps = reminder_days()
    windows = []
    for i, days in enumerate(steps):
        nearer = steps[i + 1] if i + 1 < len(steps) else 0
        windows.append((days, now + dt.timedelta(days=nearer), now + dt.timedelta(days=days)))
    windows.append((0, now - dt.timedelta(days=1), now))
    return windows


def _not_handed_in(requirement_ref, unit_ref):
    done = LedgerSubmission.objects.filter(
        requirement_id=OuterRef(requirement_ref), unit_id=OuterRef(unit_ref), is_current=True,
        status__in=[S.SIGNED, S.APPROVED])
    return ~Exists(done)


def _insert(queryset, *, days, token, now):
    """INSERT … SELECT the (task, unit, deadline) rows of `queryset` as reminders."""
    sql, params = queryset.query.sql_with_params()
    table = LedgerReminder._meta.db_table
    ops = connection.ops
    # "WHERE 1=1" keeps SQLite from reading ON CONFLICT as a join constraint.
    statement = (
        f"INSERT INTO {table} (requirement_id, unit_id, deadline, days_before, run_token, "
        f"created) SELECT c.c_req, c.c_unit, c.c_deadline, %s, %s, %s FROM ({sql}) AS c "
        "WHERE 1=1 ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [days, token, ops.adapt_datetimefield_value(now),
                                   *params])


@transaction.atomic
def send_ledger_reminders(*, now):
    """Insert and notify every reminder due at `now`; returns {days: number of new ones}."""
    token = uuid.uuid4().hex
    through = LedgerRequirement.contributing_units.through
    for days, start, end in _windows(now):
        leads = (LedgerRequirement.objects.filter(deadline__gt=start, deadline__lte=end)
                 .filter(_not_handed_in("pk", "lead_unit_id")).order_by()
                 .values(c_req=F("pk"), c_unit=F("lead_unit_id"), c_deadline=F("deadline")))
        helpers = (through.objects
                   .filter(ledgerrequirement__deadline__gt=start,
                           ledgerrequirement__deadline__lte=end)
                   .exclude(unit_id=F("ledgerrequirement__lead_unit_id"))
                   .filter(_not_handed_in("ledgerrequirement_id", "unit_id")).order_by()
                   .values(c_req=F("ledgerrequirement_id"), c_unit=F("unit_id"),
                           c_deadline=F("ledgerrequirement__deadline")))
        _insert(leads, days=days, token=token, now=now)
        _insert(helpers, days=days, token=token, now=now)
    new = list(LedgerReminder.objects.filter(run_token=token)
               .values_list("days_before", "unit_id", "requirement_id"))
    _notify_new(new)
    counts = defaultdict(int)
    for days, _unit, _req in new:
        counts[days] += 1
    return dict(counts)


def _notify_new(rows):
    """One message per (unit, step) to the unit's liaisons, naming the first task."""
    if not rows:
        return
    grouped = defaultdict(list)
    for days, unit_id, req_id in rows:
        grouped[(unit_id, days)].append(req_id)
    contacts = defaultdict(list)
    for user in User.objects.filter(unit_id__in={u for u, _d in grouped}, is_active=True,
                                    role=Role.LIAISON):
        contacts[user.unit_id].append(user)
    titles = dict(LedgerRequirement.objects.filter(
        pk__in={r for reqs in grouped.values() for r in reqs}).values_list("pk", "title"))
    list_url = reverse("ledgers:requirement-list")
    messages = []
    for (unit_id, days), req_ids in sorted(grouped.items()):
        users = contacts.get(unit_id)
        if not users:
            continue
        req_ids = sorted(req_ids)
        names = "、".join(titles[r] for r in req_ids[:3]) + ("等" if len(req_ids) > 3 else "")
        if days:
            title = f"{len(req_ids)} 个台账任务将在 {days} 天内截止，请抓紧报送"
        else:
            title = f"{len(req_ids)} 个台账任务已到截止时间，本单位尚未报送"
        url = (reverse("ledgers:requirement-detail", kwargs={"pk": req_ids[0]})
               if len(req_ids) == 1 else list_url)
        messages.append(Message(
            users=users, title=title, url=url,
            body=f"{names}。请上传材料、填写说明报告五要素，并由主要领导签字确认。"))
    notify_many(messages)
