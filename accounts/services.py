from django.db import transaction

from config.celery import enqueue_on_commit

from .models import Notification, Role, User


@transaction.atomic
def notify(*, users, title, body="", url=""):
    """Put one message in each user's inbox and enqueue its delivery (e-mail, unit robot)
    after commit. Returns the notifications; 1 INSERT whatever the number of users."""
    notes = Notification.objects.bulk_create(
        [Notification(recipient=u, title=title, body=body, url=url) for u in users]
    )
    if notes:
        from .tasks import deliver_notifications_task

        enqueue_on_commit(deliver_notifications_task, [n.pk for n in notes])
    return notes


def unit_contacts(unit, roles=(Role.LIAISON,)):
    """Active users of `unit` in `roles`: who is told about the unit's work."""
    return User.objects.filter(unit=unit, role__in=roles, is_active=True)
