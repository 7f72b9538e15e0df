from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from config.celery import sweep_each
from evidence.processing import process_image_by_id

from .models import ReportPhoto
from .services import phones_erase_expired


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def process_report_photo_task(photo_id):
    """Thumbnail, display copy and EXIF of one report photo; nothing if it is gone."""
    process_image_by_id(ReportPhoto, photo_id)


@shared_task
def sweep_unprocessed_report_photos():
    """Process report photos whose task was lost (broker down when they came in)."""
    cutoff = timezone.now() - timedelta(minutes=5)
    ids = list(ReportPhoto.objects.filter(processed_at__isnull=True, created__lt=cutoff)
               .values_list("pk", flat=True)[:200])
    return len(sweep_each(ids, lambda pk: process_image_by_id(ReportPhoto, pk), "report photo"))


@shared_task
def erase_expired_phones_task():
    """Reporters' numbers past their district's retention period (beat, daily)."""
    return phones_erase_expired(now=timezone.now())
