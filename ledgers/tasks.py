"""Thin Celery tasks: ids in, service inside, retried on transient failure."""

from celery import shared_task
from django.db import OperationalError

from evidence.processing import process_image_by_id

from .models import LedgerPhoto


@shared_task(autoretry_for=(OSError, OperationalError), retry_backoff=True, retry_jitter=True,
             max_retries=5)
def process_ledger_photo_task(photo_id):
    """Thumbnail, hash, EXIF and watermark of one photo, then its honesty flags."""
    from .services import ledger_photo_check

    photo = process_image_by_id(LedgerPhoto, photo_id)
    if photo is not None:
        ledger_photo_check(photo=LedgerPhoto.objects.select_related(
            "submission__requirement").get(pk=photo_id))


@shared_task
def send_ledger_reminders_task():
    """Deadline reminders of ledger tasks (beat, hourly); each sent once."""
    from django.utils import timezone

    from .reminders import send_ledger_reminders

    return send_ledger_reminders(now=timezone.now())
