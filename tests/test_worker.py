"""A real Celery worker process consumes a task from the real broker (the filesystem broker
by default, Redis when REDIS_URL is set) and writes to the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Notification
from accounts.services import notify

ROOT = Path(__file__).resolve().parents[1]


def _database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_delivers_a_notification(city):
    # Earlier tests of the run left messages for rows that no longer exist: drop them, so the
    # worker's first message is this test's.
    from config.celery import app

    app.control.purge()
    note = notify(users=[city.users.liaison], title="真实队列测试")[0]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0",
           "SECRET_KEY": settings.SECRET_KEY, "VAR_DIR": str(settings.VAR_DIR),
           "DATABASE_URL": _database_url(),
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if Notification.objects.filter(pk=note.pk, delivered_at__isnull=False).exists():
                break
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.5)
        else:
            pytest.fail("the worker did not deliver the notification within 90 s")
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "deliver_notifications_task" in output
