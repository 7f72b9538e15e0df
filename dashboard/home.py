"""The 工作台 panel of office staff and leaders: this week's headline figures."""

from django.utils import timezone

from accounts.models import Role
from issues.models import Holiday

from . import figures

# From this month on, next year's holidays are expected in the calendar.
CALENDAR_WARNING_MONTH = 11


def missing_calendar_year(today):
    """Next year when it is November or later and the calendar has no day of next year:
    deadlines and lateness would then count every Monday–Friday as a working day."""
    if today.month < CALENDAR_WARNING_MONTH:
        return None
    year = today.year + 1
    return None if Holiday.objects.filter(date__year=year).exists() else year


def home_panel(user, today=None):
    if not (user.is_superuser or user.role in (Role.OFFICE, Role.LEADER)):
        return None
    today = today or timezone.localdate()
    data = figures.ranking(user, figures.week_period(timezone.localdate()))
    rows = data["rows"]
    scored = [r["score"] for r in rows if r["score"] is not None]
    ranked = [r for r in rows if r["rank"] is not None]
    return {"units": len(rows), "overdue": sum(r["overdue"] for r in rows),
            "ranked": len(ranked), "missing_calendar": missing_calendar_year(today),
            "average": round(sum(scored) / len(scored), 1) if scored else None,
            "last": ranked[-1] if len(ranked) > 1 else None}
