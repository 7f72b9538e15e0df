"""Thin Celery tasks: a job id in, the runner inside."""

from celery import shared_task
from django.db import OperationalError


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True,
             retry_jitter=True, max_retries=5)
def run_job_task(self, job_id):
    """Run one job; a message for a job already claimed does nothing, unless it is the
    message that claimed it, redelivered because its worker was lost."""
    from .services import job_run

    delivery = self.request.delivery_info or {}
    job_run(job_id=job_id, task_id=self.request.id or "",
            redelivered=bool(delivery.get("redelivered")))


@shared_task
def sweep_jobs_task():
    """Beat: re-send jobs stuck in the queue (the broker was down when they were made)."""
    from .services import job_sweep

    job_sweep()


@shared_task
def clean_job_uploads_task():
    """Beat: delete import files no longer needed (jobs.services.job_uploads_clean)."""
    from .services import job_uploads_clean

    job_uploads_clean()
