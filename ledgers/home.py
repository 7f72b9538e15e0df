"""The ledgers panel of the 工作台: a unit's tasks due and returned; for the office and
leaders, this year's completion rate and the units still at 完成率为0."""

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from accounts.models import Role, Unit
from points.models import count_of

from .models import COMPLETION_TEXT, LedgerRequirement, LedgerSubmission, completion_rate

ROWS = 6
ZERO_ROWS = 10
UNIT_ROLES = (Role.LIAISON, Role.UNIT_LEADER)
S = LedgerSubmission.Status


def _unit_tasks(user, year):
    """This year's tasks of the user's unit (lead or contributor), each annotated with the
    unit's current `my_status` (None: not started) and `my_submission` id."""
    unit_id = user.unit_id
    through = LedgerRequirement.contributing_units.through
    contributes = through.objects.filter(ledgerrequirement_id=OuterRef("pk"), unit_id=unit_id)
    mine = LedgerSubmission.objects.filter(requirement=OuterRef("pk"), unit_id=unit_id,
                                           is_current=True)
    return (LedgerRequirement.objects.filter(year=year)
            .filter(Q(lead_unit_id=unit_id) | Exists(contributes))
            .annotate(my_status=Subquery(mine.values("status")[:1]),
                      my_submission=Subquery(mine.values("pk")[:1]))
            .select_related("standard"))


def _unit_panel(user, now):
    tasks = _unit_tasks(user, timezone.localdate(now).year)
    open_ = Q(my_status__isnull=True) | Q(my_status__in=[S.DRAFT, S.RETURNED])
    counts = tasks.aggregate(
        total=Count("pk"),
        todo=Count("pk", filter=open_ & Q(deadline__gte=now)),
        overdue=Count("pk", filter=open_ & Q(deadline__lt=now)),
        returned=Count("pk", filter=Q(my_status=S.RETURNED)),
        to_sign=Count("pk", filter=Q(my_status=S.DRAFT)),
        approved=Count("pk", filter=Q(my_status=S.APPROVED)),
    )
    counts["rate"] = completion_rate(counts["approved"], counts["total"])
    due = list(tasks.filter(Q(my_status__isnull=True) | Q(my_status=S.DRAFT))
               .order_by("deadline", "id")[:ROWS])
    for task in due:
        task.is_late = task.deadline < now
    return {
        "mode": "unit", "counts": counts, "completion_text": COMPLETION_TEXT, "is_leader": user.role == Role.UNIT_LEADER,
        "due_rows": due,
        "returned_rows": list(tasks.filter(my_status=S.RETURNED).order_by("deadline", "id")
                              [:ROWS]),
    }


def _office_panel(user, now):
    """Completion over this year's tasks in scope: approved current versions of assigned
    units against all (task, unit) pairs; units with tasks but nothing approved."""
    year = timezone.localdate(now).year
    tasks = LedgerRequirement.objects.visible_to(user).filter(year=year)
    through = LedgerRequirement.contributing_units.through
    helpers = through.objects.filter(ledgerrequirement_id=OuterRef("pk")).exclude(
        unit_id=OuterRef("lead_unit_id"))
    figures = tasks.annotate(helper_count=count_of(helpers)).aggregate(
        task_count=Count("pk"), helpers=Sum("helper_count"))
    task_count = figures["task_count"]
    pairs = task_count + (figures["helpers"] or 0)
    states = LedgerSubmission.objects.filter(requirement__in=tasks, is_current=True).aggregate(
        approved=Count("pk", filter=Q(status=S.APPROVED)),
        signed=Count("pk", filter=Q(status=S.SIGNED)))
    approved, signed = states["approved"], states["signed"]
    led = tasks.filter(lead_unit_id=OuterRef("pk"))
    contributed = through.objects.filter(unit_id=OuterRef("pk"), ledgerrequirement__in=tasks)
    done = LedgerSubmission.objects.filter(unit_id=OuterRef("pk"), is_current=True,
                                           status=S.APPROVED, requirement__in=tasks)
    zero = (Unit.objects.visible_to(user)
            .annotate(task_count=count_of(led) + count_of(contributed))
            .filter(task_count__gt=0).filter(~Exists(done))
            .order_by("-task_count", "path"))
    # Every unit at zero in one read: a district has at most a few hundred units.
    zeros = list(zero) if task_count else []
    zero_count, zero_units = len(zeros), zeros[:ZERO_ROWS]
    return {
        "mode": "office", "year": year, "completion_text": COMPLETION_TEXT, "pairs": pairs, "approved": approved,
        "signed": signed, "rate": completion_rate(approved, pairs),
        "task_count": task_count, "zero_count": zero_count,
        "zero_units": zero_units, "zero_more": zero_count - len(zero_units),
    }


def home_panel(user, now=None):
    """Context of templates/ledgers/partials/home.html, or None when the user has no part
    in ledgers (no scope, or a role other than unit staff, office and leaders)."""
    now = now or timezone.now()
    if user.scope_path is None:
        return None
    if user.role in UNIT_ROLES and user.unit_id:
        return _unit_panel(user, now)
    if user.is_superuser or user.role in (Role.OFFICE, Role.LEADER):
        return _office_panel(user, now)
    return None
