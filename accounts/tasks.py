import json
import logging
import smtplib
import urllib.request
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


def _post_webhook(url, text):
    """WeCom and DingTalk group robots both take {"msgtype": "text", "text": {"content"}}."""
    payload = json.dumps({"msgtype": "text", "text": {"content": text}}).encode()
    req = urllib.request.Request(url, data=payload, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5):  # noqa: S310 - URL set by the office
        pass


def deliver_notifications(ids):
    """Send each undelivered notification by e-mail (when the person has an address) and to
    the unit's group robot (once per unit and title), then mark them delivered. Notifications
    already delivered are skipped, so a re-run sends nothing twice."""
    notes = list(
        Notification.objects.filter(pk__in=ids, delivered_at__isnull=True)
        .select_related("recipient__unit")
    )
    robots = {}
    for note in notes:
        user = note.recipient
        if user.email:
            try:
                send_mail(note.title, f"{note.body}\n\n{note.url}".strip(),
                          settings.DEFAULT_FROM_EMAIL, [user.email])
            except (OSError, smtplib.SMTPException):
                # The inbox is the record; a mail server that is down must not hold it back.
                logger.warning("Mail to %s failed for notification %s", user.email, note.pk)
        unit = user.unit
        if unit is not None and unit.webhook_url:
            robots.setdefault((unit.webhook_url, note.title), f"【{unit.name}】{note.title}\n{note.body}")
    for (url, _title), text in robots.items():
        try:
            _post_webhook(url, text)
        except OSError:
            logger.warning("Group robot %s did not answer", url)
    Notification.objects.filter(pk__in=[n.pk for n in notes]).update(delivered_at=timezone.now())
    return len(notes)


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
