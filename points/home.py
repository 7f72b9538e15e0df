"""The 我的点位 panel of the 工作台, for the unit people who look after points (联络员, 点位长):
how many points they have, how many failed their latest inspection, and links to those."""

from django.db.models import Count, Q

from accounts.models import Role

from .models import Point

PANEL_ROLES = {Role.LIAISON, Role.POINT_CHIEF}


def home_panel(user):
    """Context of templates/points/partials/home.html, or None for other roles and for a
    unit with no points in use. One query: the counts over the points in scope."""
    if user.scope_path is None or user.role not in PANEL_ROLES:
        return None
    counts = (Point.objects.visible_to(user).filter(is_active=True).with_latest_passed()
              .aggregate(total=Count("pk"), failed=Count("pk", filter=Q(latest_passed=False)),
                         never=Count("pk", filter=Q(latest_passed__isnull=True))))
    if not counts["total"]:
        return None
    return {"counts": counts}
