"""Thin Celery tasks: ids in, service inside, retried on transient failure."""

from celery import shared_task
from django.db import OperationalError

from config.celery import sweep_each
from evidence.processing import process_image_by_id

from .models import LedgerPhoto, LedgerSubmission


@shared_task(autoretry_for=(OSError, OperationalError), retry_backoff=True, retry_jitter=True,
             max_retries=5)
def process_ledger_photo_task(photo_id):
    """Thumbnail, hash, EXIF and watermark of one photo, then its honesty flags."""
    process_ledger_photo(photo_id)


def process_ledger_photo(photo_id):
    """Process one photo and set its honesty flags; nothing if the photo is gone."""
    from .services import ledger_photo_check

    photo = process_image_by_id(LedgerPhoto, photo_id)
    if photo is not None:
        ledger_photo_check(photo=LedgerPhoto.objects.select_related(
            "submission__requirement").get(pk=photo_id))


@shared_task
def sweep_unprocessed_ledger_photos():
    """Process photos whose task was lost (broker down at upload time); beat, every 10 min."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(minutes=5)
    ids = list(LedgerPhoto.objects.filter(processed_at__isnull=True, created__lt=cutoff)
               .values_list("pk", flat=True)[:200])
    return len(sweep_each(ids, process_ledger_photo, "ledger photo"))


@shared_task
def purge_removed_ledger_files_task():
    """Delete the draft files whose undo window has passed (beat, every 10 min)."""
    from django.utils import timezone

    from .services import ledger_removed_files_purge

    return ledger_removed_files_purge(now=timezone.now())


@shared_task
def send_ledger_reminders_task():
    """Deadline reminders of ledger tasks (beat, hourly); each sent once."""
    from django.utils import timezone

    from .reminders import send_ledger_reminders

    return send_ledger_reminders(now=timezone.now())


@shared_task(autoretry_for=(OSError, OperationalError), retry_backoff=True, retry_jitter=True,
             max_retries=5)
def check_report_text_task(submission_id):
    """The copied-report check of one signed report (ledgers.copycheck); idempotent."""
    check_report_text(submission_id)


def check_report_text(submission_id):
    """Check one report; nothing if the submission is gone."""
    from .copycheck import ledger_report_check

    submission = LedgerSubmission.objects.filter(pk=submission_id).first()
    if submission is not None:
        ledger_report_check(submission=submission)


@shared_task
def sweep_unchecked_reports():
    """Check signed reports whose check was lost (broker down at signing); beat, every
    10 min, at most 200 a run."""
    from datetime import timedelta

    from django.utils import timezone

    from .copycheck import unchecked_submissions

    cutoff = timezone.now() - timedelta(minutes=5)
    ids = list(unchecked_submissions().filter(signed_at__lt=cutoff)
               .values_list("pk", flat=True)[:200])
    for pk in ids:
        check_report_text(pk)
    return len(ids)
