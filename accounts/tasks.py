from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .delivery import deliver_notifications, send_digests
from .models import Notification


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def deliver_notifications_task(ids):
    return deliver_notifications(ids)


@shared_task
def sweep_undelivered_notifications():
    """Deliver what was left when the broker was down: older than a minute, not delivered."""
    cutoff = timezone.now() - timedelta(minutes=1)
    ids = list(
        Notification.objects.undelivered().filter(created__lt=cutoff).values_list("pk", flat=True)[:1000]
    )
    if ids:
        deliver_notifications(ids)
    return len(ids)


@shared_task
def send_digests_task():
    return send_digests()
