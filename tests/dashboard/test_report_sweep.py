"""Reports the broker lost are sent again by the sweeper: a report requested while Redis was
down does not stay pending, and a report done while the PDF could not be sent does not stay
without PDF and without error. One report that cannot be sent does not stop the others."""

import datetime as dt

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from dashboard import services, tasks
from dashboard.models import Report

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(hours=1)


def _report(city, status, day, **fields):
    report = Report.objects.create(region=city.units.a, kind=Report.Kind.ON_DEMAND, status=status,
                                   period_start=dt.date(2026, 1, day),
                                   period_end=dt.date(2026, 1, day), **fields)
    Report.objects.filter(pk=report.pk).update(created=LONG_AGO)
    return report


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.generate_report_task, "delay", lambda pk: calls.append(("xlsx", pk)))
    monkeypatch.setattr(tasks.generate_report_pdf_task, "delay",
                        lambda pk: calls.append(("pdf", pk)))
    return calls


def test_it_sends_again_pending_reports_and_missing_pdfs(city, sent):
    pending = _report(city, Report.Status.PENDING, 1)
    stale = _report(city, Report.Status.RUNNING, 2)
    no_pdf = _report(city, Report.Status.DONE, 3, finished=LONG_AGO)
    _report(city, Report.Status.DONE, 4, finished=LONG_AGO, pdf_error="没有中文字体")
    _report(city, Report.Status.DONE, 5, finished=LONG_AGO, pdf="reports/x.pdf")
    _report(city, Report.Status.FAILED, 6)
    fresh = Report.objects.create(region=city.units.a, kind=Report.Kind.ON_DEMAND,
                                  period_start=dt.date(2026, 1, 7),
                                  period_end=dt.date(2026, 1, 7))

    ids = services.report_sweep()

    assert sent == [("xlsx", pending.pk), ("xlsx", stale.pk), ("pdf", no_pdf.pk)]
    assert ids == [pending.pk, stale.pk, no_pdf.pk]
    assert fresh.pk not in ids  # still within the grace period: its own task may be on its way


def test_one_report_that_cannot_be_sent_does_not_stop_the_others(city, monkeypatch):
    first = _report(city, Report.Status.PENDING, 1)
    second = _report(city, Report.Status.PENDING, 2)
    calls = []

    def delay(pk):
        calls.append(pk)
        if pk == first.pk:
            raise ValueError("a bad row")

    monkeypatch.setattr(tasks.generate_report_task, "delay", delay)
    assert services.report_sweep() == [second.pk]
    assert calls == [first.pk, second.pk]


def test_a_broker_still_down_leaves_the_rest_for_the_next_sweep(city, monkeypatch):
    _report(city, Report.Status.PENDING, 1)
    _report(city, Report.Status.PENDING, 2)
    calls = []

    def delay(pk):
        calls.append(pk)
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.generate_report_task, "delay", delay)
    monkeypatch.setattr(tasks.generate_report_pdf_task, "delay", delay)
    assert services.report_sweep() == []
    assert len(calls) == 1


def test_the_sweeper_is_on_the_beat_schedule():
    from config.celery import app

    assert "dashboard.tasks.sweep_reports_task" in {
        entry["task"] for entry in app.conf.beat_schedule.values()}
