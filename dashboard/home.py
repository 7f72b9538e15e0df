"""The 工作台 panel of office staff and leaders: this week's headline figures."""

from django.utils import timezone

from accounts.models import Role

from . import figures


def home_panel(user):
    if not (user.is_superuser or user.role in (Role.OFFICE, Role.LEADER)):
        return None
    data = figures.ranking(user, figures.week_period(timezone.localdate()))
    rows = data["rows"]
    scored = [r["score"] for r in rows if r["score"] is not None]
    ranked = [r for r in rows if r["rank"] is not None]
    return {"units": len(rows), "overdue": sum(r["overdue"] for r in rows),
            "average": round(sum(scored) / len(scored), 1) if scored else None,
            "last": ranked[-1] if len(ranked) > 1 else None}
