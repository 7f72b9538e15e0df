"""The 工作台 panel of the 随手拍: this month's reports received, accepted and closed in the
districts the user sees, and how many wait for the office's decision."""

from django.utils import timezone

from accounts.models import Role
from accounts.scoping import may_write

from . import selectors
from .models import CivicReport


def home_panel(user):
    if not may_write(user, {Role.OFFICE, Role.LEADER}):
        return None
    month, label = selectors.month_choices(count=1, today=timezone.localdate())[0]
    _rows, (received, accepted, closed) = selectors.monthly_figures(user=user, month=month)
    waiting = None
    if may_write(user, {Role.OFFICE}):
        waiting = CivicReport.objects.visible_to(user).filter(
            status=CivicReport.Status.NEW).count()
    return {"month": month, "label": label, "received": received, "accepted": accepted,
            "closed": closed, "waiting": waiting}
