"""Accountability reports, negative-list entries and escalation decisions."""

import datetime as dt
import io
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, Unit, User
from accounts.services import notify
from config.celery import enqueue_on_commit

from . import selectors
from .models import Escalation, NegativeListEvent, Report
from .xlsx import write_report

logger = logging.getLogger(__name__)


class RegionViewer:
    """The view the region's office has, for work done without a request (the worker)."""

    role = Role.OFFICE
    is_superuser = False
    is_authenticated = True

    def __init__(self, region):
        self.scope_path = region.path


def report_period(kind, *, today, start=None, end=None):
    """(first day, last day) a report of `kind` covers when asked on `today`: the last full
    week (Monday–Sunday) or month; on demand the given days, else this week so far."""
    if kind == Report.Kind.WEEKLY:
        monday = today - dt.timedelta(days=today.weekday() + 7)
        return monday, monday + dt.timedelta(days=6)
    if kind == Report.Kind.MONTHLY:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    start = start or today - dt.timedelta(days=today.weekday())
    end = end or today
    if end < start:
        raise ValidationError({"period_end": "截止日期不能早于起始日期。"})
    return start, end


def _region_of(user):
    if user.scope_path:
        return Unit.objects.get(path=user.scope_path)
    raise ValidationError({"region": "请指定区域。"})


@transaction.atomic
def report_request(*, kind, by=None, region=None, today=None, start=None, end=None):
    """The report of `region` (the requester's region by default) for `kind`'s period:
    created and enqueued when new, the existing one otherwise (idempotent per region, kind
    and period, enforced by the database). Returns (report, created).

    Raises PermissionDenied for anyone but the office, ValidationError on a bad period."""
    if by is not None and not (by.is_superuser or by.role == Role.OFFICE):
        raise PermissionDenied("只有创城办可以生成通报报告。")
    if kind not in Report.Kind.values:
        raise ValidationError({"kind": "未知的报告类型。"})
    region = region or _region_of(by)
    first, last = report_period(kind, today=today or timezone.localdate(), start=start, end=end)
    lookup = {"region": region, "kind": kind, "period_start": first, "period_end": last}
    existing = Report.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            report = Report.objects.create(created_by=by, **lookup)
    except IntegrityError:  # a concurrent request created it first
        return Report.objects.get(**lookup), False
    from .tasks import generate_report_task

    enqueue_on_commit(generate_report_task, report.pk)
    return report, True


def _failed(report_id, exc):
    Report.objects.filter(pk=report_id).update(
        status=Report.Status.FAILED, error=f"{type(exc).__name__}: {exc}",
        finished=timezone.now())


def report_generate(*, report_id, now=None):
    """Compute the figures of the report, write the XLSX and notify the region's leaders
    and office. Locks the row while running; a finished report is left alone, so a
    re-delivered task does nothing. A failure is stored on the row, then re-raised."""
    now = now or timezone.now()
    with transaction.atomic():
        report = (Report.objects.select_for_update(of=("self",)).select_related("region")
                  .filter(pk=report_id).first())
        if report is None or report.status == Report.Status.DONE:
            return report
        report.status, report.progress, report.error = Report.Status.RUNNING, 10, ""
        report.save(update_fields=["status", "progress", "error"])
    try:
        content = build_report(report, now=now)
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=report_id)
            report.file.save(report.download_name, ContentFile(content), save=False)
            report.status, report.progress = Report.Status.DONE, 100
            report.finished = timezone.now()
            report.save(update_fields=["file", "status", "progress", "finished"])
            _announce(report)
    except Exception as exc:
        logger.exception("Report %s failed", report_id)
        _failed(report_id, exc)
        raise
    return report


def report_data(report, *, now=None):
    """Everything a report shows: ranking rows, overdue issues and 约谈 candidates."""
    viewer = RegionViewer(report.region)
    period = selectors.custom_period(report.period_start, report.period_end)
    data = selectors.ranking(viewer, period, now=now)
    rows = data["rows"]
    _red, black = selectors.red_black(rows, data["top_n"])
    before = sorted((r for r in rows if r["previous_rank"] is not None),
                    key=lambda r: r["previous_rank"])
    n = min(data["top_n"], len(before) // 2)
    black_before = {r["id"] for r in before[len(before) - n:]} if n else set()
    data["black"] = black
    data["interview"] = [r for r in black if r["id"] in black_before]
    data["overdue"] = list(selectors.overdue_issues(viewer, now=now))
    data["now"] = now or timezone.now()
    return data


def build_report(report, *, now=None):
    buffer = io.BytesIO()
    write_report(buffer, report, report_data(report, now=now))
    return buffer.getvalue()


def _announce(report):
    users = User.objects.filter(role__in=[Role.LEADER, Role.OFFICE], is_active=True,
                                unit__region_path=report.region.path)
    notify(users=users, title=f"{report} 已生成",
           body="请查看各单位排名、逾期问题通报和约谈建议名单。",
           url=reverse("dashboard:report-list"))


@transaction.atomic
def negative_event_record(*, by, unit, item, is_veto, date, deduction=0, note=""):
    """Register a negative-list entry (office only)."""
    if not (by.is_superuser or by.role == Role.OFFICE):
        raise PermissionDenied("只有创城办可以登记负面清单。")
    event = NegativeListEvent(unit=unit, item=item, is_veto=is_veto, date=date,
                              deduction=deduction, note=note, created_by=by)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def escalation_record(*, by, unit, kind, decided_on, reason, report=None, evidence_links=""):
    """Record a 通报/约谈/问责 decision against `unit` and tell its leaders (office only)."""
    if not (by.is_superuser or by.role == Role.OFFICE):
        raise PermissionDenied("只有创城办可以登记问责记录。")
    escalation = Escalation(unit=unit, kind=kind, decided_on=decided_on, reason=reason,
                            report=report, evidence_links=evidence_links, created_by=by)
    escalation.full_clean()
    escalation.save()
    notify(users=User.objects.filter(unit=unit, role__in=[Role.UNIT_LEADER, Role.LIAISON],
                                     is_active=True),
           title=f"{unit.name}被{escalation.get_kind_display()}",
           body=reason, url=reverse("dashboard:unit-history", args=[unit.pk]))
    return escalation
