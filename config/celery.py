"""The Celery app. Settings are the CELERY_* names in config/settings.py; the beat schedule
lives here, in code, so it is reviewed with the tasks it runs."""

import logging
import os
from importlib import import_module

from celery import Celery
from celery.schedules import crontab
from django.db import transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("chuangcheng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

app.conf.beat_schedule = {
    # Mondays at 08:00: last week's accountability report (周通报) of every district.
    "dashboard-weekly-reports": {
        "task": "dashboard.tasks.schedule_reports_task",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
        "args": ("weekly",),
    },
    # The 1st of each month at 08:00: last month's report (月通报).
    "dashboard-monthly-reports": {
        "task": "dashboard.tasks.schedule_reports_task",
        "schedule": crontab(minute=0, hour=8, day_of_month="1"),
        "args": ("monthly",),
    },
    # Daily at 00:10: keep each ranked unit's figures of the week/month/quarter/year that
    # just ended (dashboard.UnitFigures), read by the ranking's trend and previous period.
    "dashboard-snapshot-ranking-figures": {
        "task": "dashboard.tasks.snapshot_ranking_figures_task",
        "schedule": crontab(minute=10, hour=0),
    },
    # Every 5 minutes: re-send notifications whose delivery was never enqueued or failed
    # (broker down at the time of the change).
    "sweep-undelivered-notifications": {
        "task": "accounts.tasks.sweep_undelivered_notifications",
        "schedule": crontab(minute="*/5"),
    },
    # Sundays at 03:00: retrain each city's issue category suggestion model on its closed
    # issues (issues.suggest; a new version, the old ones kept).
    "issues-train-category-models": {
        "task": "issues.tasks.train_category_models_task",
        "schedule": crontab(minute=0, hour=3, day_of_week="sun"),
    },
    # Daily at 18:00: the digest of the day's messages to those who chose it.
    "accounts-send-digests": {
        "task": "accounts.tasks.send_digests_task",
        "schedule": crontab(minute=0, hour=18),
    },
    # Every 15 minutes: deadline reminders and the overdue ladder (issues.reminders).
    "issues-send-reminders": {
        "task": "issues.tasks.send_reminders_task",
        "schedule": crontab(minute="*/15"),
    },
    # Hourly at :05: ledger tasks' reminders 7 and 1 days before and at the deadline, to units
    # that have not handed in (ledgers.reminders; each once).
    "ledgers-send-reminders": {
        "task": "ledgers.tasks.send_ledger_reminders_task",
        "schedule": crontab(minute=5),
    },
    # Every 10 minutes: process issue photos whose task was lost.
    "issues-sweep-unprocessed-photos": {
        "task": "issues.tasks.sweep_unprocessed_photos",
        "schedule": crontab(minute="*/10"),
    },
    # Every 10 minutes: process ledger photos whose task was lost.
    "ledgers-sweep-unprocessed-photos": {
        "task": "ledgers.tasks.sweep_unprocessed_ledger_photos",
        "schedule": crontab(minute="*/10"),
    },
    # Every 10 minutes: delete for good the draft ledger files removed more than 10 minutes
    # ago (until then the liaison who removed one may undo it).
    "ledgers-purge-removed-files": {
        "task": "ledgers.tasks.purge_removed_ledger_files_task",
        "schedule": crontab(minute="*/10"),
    },
    # Every 10 minutes: process 随手拍 photos whose task was lost.
    "civic-sweep-unprocessed-photos": {
        "task": "civic.tasks.sweep_unprocessed_report_photos",
        "schedule": crontab(minute="*/10"),
    },
    # Daily at 03:20: erase reporters' phone numbers once their case ended and the district's
    # retention period passed.
    "civic-erase-expired-phones": {
        "task": "civic.tasks.erase_expired_phones_task",
        "schedule": crontab(minute=20, hour=3),
    },
    # Every 10 minutes: the copied-report check of signed reports whose task was lost.
    "ledgers-sweep-unchecked-reports": {
        "task": "ledgers.tasks.sweep_unchecked_reports",
        "schedule": crontab(minute="*/10"),
    },
    # Every 5 minutes: import/export and report jobs stuck in the queue (broker down when they
    # were made) or whose worker went silent.
    "jobs-sweep-queued": {
        "task": "jobs.tasks.sweep_jobs_task",
        "schedule": crontab(minute="*/5"),
    },
    # Daily at 03:40: delete uploaded import files a week after their job finished.
    "jobs-clean-uploads": {
        "task": "jobs.tasks.clean_job_uploads_task",
        "schedule": crontab(minute=40, hour=3),
    },
}


def task_named(name):
    """The app's task called `name`. Services send their app's tasks by name, so a services
    module never imports the tasks module that calls it (tasks → services, one way); the
    module is loaded on first use, as a worker's autodiscovery would."""
    if name not in app.tasks:
        import_module(name.rsplit(".", 1)[0])
    return app.tasks[name]


def enqueue_on_commit(task, *args):
    """Send `task` (a task or its name) with JSON-safe `args` once the current transaction
    commits.

    A broker outage must not undo the user's change: the error is logged and the work stays
    pending in the database, where a beat sweeper finds it again.
    """

    if isinstance(task, str):
        task = task_named(task)

    def send():
        try:
            task.delay(*args)
        except OperationalError:
            logger.warning("Broker unavailable; %s%r left for the sweeper", task.name, args)

    transaction.on_commit(send)


def sweep_each(ids, work, what):
    """A sweeper's loop: `work(id)` for each id, one failing item logged and skipped so that
    the rest are still done (the bad one is tried again next round). A broker that is still
    down stops the loop: every later send would fail the same way. Returns the ids done."""
    done = []
    for pk in ids:
        try:
            work(pk)
        except OperationalError:
            logger.warning("Broker unavailable; %s of %s left for the next sweep",
                           len(ids) - len(done), what)
            break
        except Exception:
            logger.exception("Sweeping %s %s failed; skipped", what, pk)
        else:
            done.append(pk)
    return done
