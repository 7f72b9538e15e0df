"""The reports made before the reports became jobs keep everything on their new job: the
status, the XLSX and PDF files (the same stored files), the error messages, who asked."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Role, Unit
from dashboard.models import Report
from jobs.models import Job
from tests.factories import UnitFactory, UserFactory

BEFORE = [("dashboard", "0005_ranking_coverage_floor")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_reports_are_carried_over_to_their_jobs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "reports" / "2026").mkdir(parents=True)
    (tmp_path / "reports" / "2026" / "w.xlsx").write_bytes(b"PK\x05\x06")
    (tmp_path / "reports" / "2026" / "w.pdf").write_bytes(b"%PDF-1.7\n")
    region = UnitFactory(name="城关区", kind=Unit.Kind.DISTRICT)
    office = UserFactory(unit=region, role=Role.OFFICE)
    finished = dt.datetime(2026, 11, 23, 8, 5, tzinfo=dt.UTC)

    # given: the reports as the old rows held them
    old = _migrate(BEFORE).get_model("dashboard", "Report")
    week = {"region_id": region.pk, "kind": "weekly"}
    complete = old.objects.create(**week, period_start=dt.date(2026, 11, 16),
                                  period_end=dt.date(2026, 11, 22), status="done",
                                  file="reports/2026/w.xlsx", pdf="reports/2026/w.pdf",
                                  created_by_id=office.pk, finished=finished, progress=100)
    no_font = old.objects.create(**week, period_start=dt.date(2026, 11, 9),
                                 period_end=dt.date(2026, 11, 15), status="done",
                                 file="reports/2026/w.xlsx", pdf_error="服务器未安装中文字体",
                                 finished=finished)
    failed = old.objects.create(**week, period_start=dt.date(2026, 11, 2),
                                period_end=dt.date(2026, 11, 8), status="failed",
                                error="ValueError: 磁盘已满")
    waiting = old.objects.create(**week, period_start=dt.date(2026, 10, 26),
                                 period_end=dt.date(2026, 11, 1), status="running")

    # when
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    # then
    job = Report.objects.get(pk=complete.pk).job
    assert (job.kind, job.status, job.created_by_id, job.unit_id, job.params) == (
        Job.Kind.REPORT, Job.Status.DONE, office.pk, region.pk, {"report": complete.pk})
    assert job.result.read() == b"PK\x05\x06" and job.pdf.read() == b"%PDF-1.7\n"
    assert (job.result_name, job.pdf_name) == ("城关区周报_20261116-20261122.xlsx",
                                               "城关区周报_20261116-20261122.pdf")
    assert job.finished == finished
    job = Report.objects.get(pk=no_font.pk).job
    assert job.status == Job.Status.DONE and job.result and not job.pdf
    assert job.message == "已生成 Excel 版；PDF 版未生成：服务器未安装中文字体"
    assert Report.objects.get(pk=no_font.pk).may_retry
    job = Report.objects.get(pk=failed.pk).job
    assert (job.status, job.message) == (Job.Status.FAILED, "ValueError: 磁盘已满")
    # The old task is gone: a report being made becomes a queued job the sweeper sends.
    job = Report.objects.get(pk=waiting.pk).job
    assert job.status == Job.Status.QUEUED and job.finished is None
