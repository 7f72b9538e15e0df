from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from config.celery import sweep_each
from evidence.processing import process_image

from .models import IssuePhoto
from .reminders import send_reminders


def process_issue_photo(photo_id):
    """Thumbnail, watermark, hash and EXIF of one photo; quietly nothing if it is gone."""
    with transaction.atomic():
        photo = (IssuePhoto.objects.select_for_update(of=("self",)).select_related("issue__point")
                 .filter(pk=photo_id).first())
        if photo is None:
            return []
        return process_image(photo)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def process_issue_photo_task(photo_id):
    return process_issue_photo(photo_id)


@shared_task
def send_reminders_task():
    """Deadline reminders and the overdue ladder (beat, every 15 minutes)."""
    return send_reminders(now=timezone.now())


@shared_task
def sweep_unprocessed_photos():
    """Process photos whose task was lost (broker down at upload time)."""
    cutoff = timezone.now() - timedelta(minutes=5)
    ids = list(IssuePhoto.objects.filter(processed_at__isnull=True, created__lt=cutoff)
               .values_list("pk", flat=True)[:200])
    return len(sweep_each(ids, process_issue_photo, "issue photo"))


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def train_category_models_task():
    """A new version of each city's category suggestion model (beat, weekly)."""
    from .suggest import train_all_category_models

    return [m.pk for m in train_all_category_models()]
