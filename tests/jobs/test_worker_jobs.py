"""A real Celery worker process runs an import job from the real broker: upload in the request,
rows checked and written by the worker, progress and result on the job row."""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook

from jobs.models import Job
from points.models import Point, PointCategory

from ..test_worker import _database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_runs_a_points_import(api, city):
    from config.celery import app

    app.control.purge()
    PointCategory.objects.create(name="农贸市场")
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "类别", "地址", "经度", "纬度", "属地单位", "主管部门", "点位长", "类型"])
    for n in range(300):
        sheet.append([f"市场{n}", "农贸市场", "", "", "", "东街街道", "", "", "固定"])
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "points.xlsx"
    response = api.as_user(city.users.office).post("/api/v1/points/import/", {"file": upload},
                                                   format="multipart")
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0",
           "SECRET_KEY": settings.SECRET_KEY, "VAR_DIR": str(settings.VAR_DIR),
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "DATABASE_URL": _database_url(),
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if Job.objects.get(pk=job_id).is_finished:
                break
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.5)
        else:
            pytest.fail("the worker did not finish the job within 90 s")
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    job = Job.objects.get(pk=job_id)
    assert job.status == Job.Status.DONE, (job.message, output[-2000:])
    assert (job.result_count, job.progress_done, job.progress_total) == (300, 300, 300)
    assert Point.objects.filter(name__startswith="市场").count() == 300
    assert "run_job_task" in output
