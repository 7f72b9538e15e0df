from .models import Role


def _nav_for(user):
    """Navigation follows the role: (label, url name, icon)."""
    items = [("工作台", "home", "house")]
    items.append(("问题整改", "issues:issue-list", "exclamation-triangle"))
    items.append(("点位", "points:point-list", "geo-alt"))
    items.append(("申报台账", "ledgers:requirement-list", "journal-check"))
    if user.is_superuser or user.role in (Role.OFFICE, Role.LEADER):
        items.append(("综合排名", "dashboard:ranking", "bar-chart"))
    if user.is_superuser or user.role in (Role.OFFICE, Role.LEADER, Role.INSPECTOR):
        items.append(("模拟测评", "rounds:round-list", "clipboard-check"))
    if user.is_superuser or user.role == Role.OFFICE:
        items.append(("随手拍", "civic:report-list", "camera"))
    elif user.role == Role.LEADER:
        items.append(("随手拍", "civic:stats", "camera"))
    if user.is_superuser or user.role in (Role.OFFICE, Role.LEADER, Role.INSPECTOR):
        items.append(("单位", "accounts:unit-list", "diagram-3"))
    if user.is_superuser or user.role == Role.OFFICE:
        items.append(("整改设置", "issues:category-list", "sliders"))
        items.append(("账号管理", "accounts:account-list", "people"))
    if user.is_superuser or user.role in (Role.OFFICE, Role.LEADER, Role.INSPECTOR) or (
            user.unit is not None and user.unit.kind in ("street", "community")):
        items.append(("问卷调查", "surveys:list", "clipboard-data"))
    if user.is_staff:
        items.append(("系统管理", "admin:index", "gear"))
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": _nav_for(user),
        "unread_count": user.notifications.unread().count(),
    }
