"""Nothing is lost when the broker is down: with Redis stopped, a liaison still submits an
issue with an after-photo (the answer is 200, the row and the file are stored, the photo waits
unprocessed); once Redis is back, the sweeper that beat runs finds the photo, a real worker
process makes its thumbnail.

The test runs its own throw-away Redis on port 6390 (never the shared one), so it needs the
`redis-server` binary; without it the test is skipped with a message saying so."""

import datetime as dt
import os
import shutil
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.utils import timezone

from issues.models import Issue, IssuePhoto
from ledgers.models import LedgerPhoto, LedgerSubmission

from .evidence.images import jpeg_bytes, upload
from .issues.factories import IssueCategoryFactory
from .ledgers.factories import LedgerRequirementFactory
from .test_worker import ROOT, _database_url

PORT = 6390
URL = f"redis://127.0.0.1:{PORT}/0"


class PrivateRedis:
    def __init__(self, workdir):
        self.exe = shutil.which("redis-server")
        self.workdir = workdir

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=PORT, socket_connect_timeout=1)

    def up(self):
        try:
            return self.client().ping()
        except Exception:  # noqa: BLE001 - any failure means "not answering"
            return False

    def start(self):
        subprocess.run([self.exe, "--port", str(PORT), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--daemonize", "yes", "--dir", str(self.workdir)],
                       check=True, stdout=subprocess.DEVNULL)
        for _ in range(50):
            if self.up():
                return
            time.sleep(0.1)
        raise RuntimeError(f"redis-server on port {PORT} did not start")

    def stop(self):
        import redis

        try:
            self.client().shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # the server closes the connection as it exits
        for _ in range(50):
            if not self.up():
                return
            time.sleep(0.1)
        raise RuntimeError(f"redis-server on port {PORT} did not stop")


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    if server.exe is None:
        pytest.skip("redis-server is not installed: the broker-down test starts its own Redis "
                    "(apt-get install redis-server)")
    if server.up():
        pytest.skip(f"port {PORT} is taken by another Redis; the broker-down test needs it "
                    "for its own server")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(private_redis):
    """Point this process's Celery app at the private Redis, and back afterwards."""
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = URL
    app.conf.broker_transport_options = {"socket_connect_timeout": 1, "socket_timeout": 2,
                                         "visibility_timeout": 3600}
    reset_pools()
    yield app
    app.conf.broker_url, app.conf.broker_transport_options = saved
    reset_pools()


def _worker(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0",
           "SECRET_KEY": settings.SECRET_KEY, "VAR_DIR": str(settings.VAR_DIR),
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "DATABASE_URL": _database_url(),
           "REDIS_URL": URL, "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_for(condition, worker, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.5)
    worker.terminate()
    pytest.fail(f"not done within {seconds} s; worker said:\n{worker.communicate()[0]}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_uploads_survive_a_broker_outage_and_are_processed_when_it_is_back(
        city, api, client, broker, private_redis, tmp_path):
    u = city.units
    issue = Issue.objects.create(category=IssueCategoryFactory(name="垃圾堆放"),
                                 description="路边垃圾堆放", region=u.a, responsible_unit=u.cg,
                                 status=Issue.Status.ASSIGNED,
                                 deadline=timezone.now() + dt.timedelta(days=2))
    requirement = LedgerRequirementFactory(region=u.a, lead_unit=u.cg)

    private_redis.stop()  # the broker goes away mid-run

    client = api.as_user(city.users.liaison)
    started = time.monotonic()
    response = client.post(f"/api/v1/issues/{issue.pk}/submit/",
                           {"note": "已清理", "photos": [upload(jpeg_bytes(seed=3))]},
                           format="multipart")
    assert response.status_code == 200, response.content
    assert time.monotonic() - started < 20  # publishing gives up quickly
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SUBMITTED
    photo = IssuePhoto.objects.get(issue=issue, kind=IssuePhoto.Kind.AFTER)
    assert photo.file.storage.exists(photo.file.name)
    assert photo.processed_at is None and not photo.thumbnail

    # A ledger photo uploaded during the outage is kept the same way.
    response = client.post("/api/v1/ledger-submissions/",
                           {"requirement": requirement.pk,
                            "files": [upload(jpeg_bytes(seed=4))]}, format="multipart")
    assert response.status_code == 201, response.content
    ledger_photo = LedgerPhoto.objects.get(
        submission=LedgerSubmission.objects.get(requirement=requirement))
    assert ledger_photo.file.storage.exists(ledger_photo.file.name)
    assert ledger_photo.processed_at is None

    # Redis is back; some minutes later beat sends the sweepers, a worker runs them.
    private_redis.start()
    earlier = timezone.now() - dt.timedelta(minutes=15)
    IssuePhoto.objects.filter(pk=photo.pk).update(created=earlier)
    LedgerPhoto.objects.filter(pk=ledger_photo.pk).update(created=earlier)
    sweepers = [entry["task"] for entry in broker.conf.beat_schedule.values()
                if "sweep" in entry["task"] and "photo" in entry["task"]]
    assert "issues.tasks.sweep_unprocessed_photos" in sweepers
    assert any(task.startswith("ledgers.") for task in sweepers), sweepers
    for task in sweepers:
        broker.send_task(task)

    worker = _worker(tmp_path)
    try:
        _wait_for(lambda: IssuePhoto.objects.filter(pk=photo.pk, processed_at__isnull=False)
                  .exists() and LedgerPhoto.objects.filter(
                      pk=ledger_photo.pk, processed_at__isnull=False).exists(), worker)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    photo.refresh_from_db()
    ledger_photo.refresh_from_db()
    assert photo.thumbnail and photo.thumbnail.storage.exists(photo.thumbnail.name)
    assert ledger_photo.thumbnail and ledger_photo.thumbnail.storage.exists(
        ledger_photo.thumbnail.name)
    client.force_login(city.users.liaison)
    thumb = client.get(f"/issues/photos/{photo.pk}/thumbnail/")
    assert thumb.status_code == 200
    assert b"".join(thumb.streaming_content)[:4] == b"RIFF"  # a WebP thumbnail


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_report_asked_for_during_a_broker_outage_is_made_when_it_is_back(
        city, broker, private_redis, tmp_path):
    from dashboard.models import Report
    from dashboard.services import report_request
    from jobs.models import Job

    private_redis.stop()
    # A report asked for while the broker is down is kept, its job queued.
    asked, _queued = report_request(kind=Report.Kind.ON_DEMAND, by=city.users.office,
                                    start=dt.date(2026, 1, 5), end=dt.date(2026, 1, 11))
    asked.refresh_from_db()
    assert asked.job.status == Job.Status.QUEUED

    # Redis is back; minutes later beat sends the jobs sweeper and a worker runs it.
    private_redis.start()
    Job.objects.filter(pk=asked.job_id).update(
        created=timezone.now() - dt.timedelta(minutes=15))
    assert "jobs.tasks.sweep_jobs_task" in {
        entry["task"] for entry in broker.conf.beat_schedule.values()}
    broker.send_task("jobs.tasks.sweep_jobs_task")

    def settled():
        return Job.objects.filter(pk=asked.job_id, status=Job.Status.DONE).exists()

    worker = _worker(tmp_path)
    try:
        _wait_for(settled, worker, seconds=180)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    job = Job.objects.get(pk=asked.job_id)
    assert job.result and job.result.storage.exists(job.result.name)
    # Done means the XLSX and then either the PDF or the message saying why there is none.
    assert job.pdf or "PDF 版未生成" in job.message
