import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from config.celery import enqueue_on_commit

from .models import Channel, Notification, NotificationKind, Role, Unit, User
from .scoping import may_write

# The same message to the same person within this window is one message: a reminder run and
# a dispatch, or a double click, must not knock twice.
DUPLICATE_WINDOW = timedelta(minutes=1)
# Ids per delivery task: a reminder run of a thousand messages is a few tasks, not one each.
DELIVERY_BATCH = 500


@dataclass
class Message:
    """One message to a group of people (the unit of `notify_many`)."""

    users: list
    title: str
    body: str = ""
    url: str = ""
    kind: str = NotificationKind.OTHER


def notify(*, users, title, body="", url="", kind=NotificationKind.OTHER):
    """Put one message in each user's inbox and enqueue its delivery after commit (e-mail,
    the unit robot's @mention, SMS, as each person chose). See `notify_many`."""
    return notify_many([Message(users=list(users), title=title, body=body, url=url, kind=kind)])


@transaction.atomic
def notify_many(messages, *, now=None):
    """Insert every message of `messages` for each of its users in one INSERT and enqueue
    their delivery after commit, DELIVERY_BATCH ids a task.

    A person appearing twice in a message's users (a point chief who is also the unit's
    liaison) gets it once, and a person who already got the same title and link within
    DUPLICATE_WINDOW does not get it again. Two queries (the recent-duplicates read and the
    INSERT) whatever the number of messages and people. Returns the new notifications."""
    now = now or timezone.now()
    wanted = {}
    for message in messages:
        for user in message.users:
            key = (user.pk, message.title, message.url)
            wanted.setdefault(key, (user, message))
    if not wanted:
        return []
    recent = set(
        Notification.objects.filter(
            created__gte=now - DUPLICATE_WINDOW,
            recipient_id__in={k[0] for k in wanted},
            title__in={k[1] for k in wanted},
        ).values_list("recipient_id", "title", "url")
    )
    notes = Notification.objects.bulk_create([
        Notification(recipient=user, title=message.title, body=message.body, url=message.url,
                     kind=message.kind)
        for key, (user, message) in wanted.items() if key not in recent
    ])
    if notes:
        from .tasks import deliver_notifications_task

        ids = [n.pk for n in notes]
        for start in range(0, len(ids), DELIVERY_BATCH):
            enqueue_on_commit(deliver_notifications_task, ids[start:start + DELIVERY_BATCH])
    return notes


def unit_contacts(unit, roles=(Role.LIAISON,)):
    """Active users of `unit` in `roles`: who is told about the unit's work."""
    return User.objects.filter(unit=unit, role__in=roles, is_active=True)


# --- Accounts run by the office ---------------------------------------------------------------

# Roles an office may give, and the kinds of unit each needs.
ROLE_UNIT_KINDS = {
    Role.OFFICE: {Unit.Kind.OFFICE},
    Role.INSPECTOR: {Unit.Kind.OFFICE},
    Role.LEADER: set(Unit.REGION_KINDS),
}
INACTIVE_DAYS = 30


def _check_office(by):
    if not may_write(by, {Role.OFFICE}):
        raise PermissionDenied("只有创城办工作人员可以管理账号。")


def _in_scope(by, queryset, obj):
    """`obj` re-read through the office's scope: another district's answers DoesNotExist."""
    return queryset.visible_to(by).get(pk=obj.pk)


def temporary_password():
    """Twelve letters and digits without the look-alikes (0/O, 1/l/I) a clerk reads out."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def _check_role_unit(role, unit):
    kinds = ROLE_UNIT_KINDS.get(role)
    if kinds and unit.kind not in kinds:
        names = "、".join(Unit.Kind(k).label for k in sorted(kinds))
        raise ValidationError({"unit": f"{Role(role).label}只能属于{names}。"})


@transaction.atomic
def account_create(*, by, username, unit, role, full_name="", phone="", email=""):
    """Create an account in a unit of the office's scope with a temporary password.

    Raises PermissionDenied for a non-office caller, Unit.DoesNotExist for a unit outside the
    caller's scope, ValidationError per field. Returns (user, temporary password)."""
    _check_office(by)
    unit = _in_scope(by, Unit.objects, unit)
    _check_role_unit(role, unit)
    password = temporary_password()
    user = User(username=username.strip(), unit=unit, role=role, full_name=full_name.strip(),
                phone=phone.strip(), email=email.strip())
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user, password


@transaction.atomic
def account_update(*, by, user, unit, role, full_name, phone, email):
    """Change a person's unit, role and contact details (both units in the caller's scope)."""
    _check_office(by)
    user = _in_scope(by, User.objects.select_for_update(), user)
    unit = _in_scope(by, Unit.objects, unit)
    _check_role_unit(role, unit)
    if user.pk == by.pk and role != by.role:
        raise ValidationError({"role": "不能修改自己的角色。"})
    user.unit, user.role = unit, role
    user.full_name, user.phone, user.email = full_name.strip(), phone.strip(), email.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["unit", "role", "full_name", "phone", "email"])
    return user


@transaction.atomic
def account_set_active(*, by, user, active):
    """Disable (the person can no longer log in; their records stay) or enable an account."""
    _check_office(by)
    user = _in_scope(by, User.objects.select_for_update(), user)
    if user.pk == by.pk and not active:
        raise ValidationError({"is_active": "不能停用自己的账号。"})
    if user.is_superuser:
        raise PermissionDenied("系统管理员账号只能在系统管理中修改。")
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def account_reset_password(*, by, user):
    """Give the account a new temporary password and lift a lockout. Returns the password."""
    from axes.utils import reset as axes_reset

    _check_office(by)
    user = _in_scope(by, User.objects.select_for_update(), user)
    if user.is_superuser:
        raise PermissionDenied("系统管理员账号只能在系统管理中修改。")
    password = temporary_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    axes_reset(username=user.username)
    return password


@transaction.atomic
def account_handover(*, by, user, successor):
    """Hand a liaison's, inspector's or point chief's work to `successor` (an active person of
    the same unit): the successor takes the role, the points the person was 点位长 of move to
    the successor, the person is disabled and the successor told. Both are locked. Returns the
    number of points moved."""
    from points.models import Point

    _check_office(by)
    user = _in_scope(by, User.objects.select_for_update(), user)
    successor = _in_scope(by, User.objects.select_for_update(), successor)
    if successor.pk == user.pk:
        raise ValidationError({"successor": "接任人不能是本人。"})
    if successor.unit_id != user.unit_id:
        raise ValidationError({"successor": "接任人必须是同一单位的人员。"})
    if not successor.is_active:
        raise ValidationError({"successor": "接任人的账号已停用，请先启用。"})
    if user.pk == by.pk:
        raise ValidationError({"successor": "不能交接自己的账号。"})
    moved = Point.objects.filter(chief=user).update(chief=successor)
    successor.role = user.role
    successor.save(update_fields=["role"])
    user.is_active = False
    user.save(update_fields=["is_active"])
    notify(users=[successor], title=f"您已接任 {user.display_name} 的工作",
           body=f"单位：{user.unit}；角色：{user.get_role_display()}；移交点位 {moved} 个。",
           url="/")
    return moved


@transaction.atomic
def user_delivery_save(*, user, delivery, digest, phone, email):
    """A person's own delivery choices ({kind: [channel]}), digest and contact details."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.delivery = {
        kind: [c for c in channels if c in Channel.values]
        for kind, channels in delivery.items() if kind in NotificationKind.values
    }
    user.digest, user.phone, user.email = bool(digest), phone.strip(), email.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["delivery", "digest", "phone", "email"])
    return user
