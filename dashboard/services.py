"""Accountability reports, negative-list entries and escalation decisions."""

import datetime as dt
import io
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, Scope, Unit, User
from accounts.services import notify
from config.celery import enqueue_on_commit, sweep_each, task_named
from issues.models import Issue

from . import figures, pdf, projection, scoring
from .models import SUBSCORES, Escalation, EscalationDocument, NegativeListEvent, Report
from .xlsx import write_report

logger = logging.getLogger(__name__)


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
    and period, enforced by the database); asking again for a report that failed, or whose
    PDF failed, queues that work again. Returns (report, queued).

    Raises PermissionDenied for anyone but the office, ValidationError on a bad period."""
    if by is not None and region is not None:
        region = Unit.objects.get_visible(by, region.pk)
    if by is not None and not (by.is_superuser or by.role == Role.OFFICE):
        raise PermissionDenied("只有创城办可以生成通报报告。")
    if kind not in Report.Kind.values:
        raise ValidationError({"kind": "未知的报告类型。"})
    region = region or _region_of(by)
    first, last = report_period(kind, today=today or timezone.localdate(), start=start, end=end)
    lookup = {"region": region, "kind": kind, "period_start": first, "period_end": last}
    existing = Report.objects.filter(**lookup).first()
    if existing is not None:
        return existing, report_retry(report=existing)
    try:
        with transaction.atomic():
            report = Report.objects.create(created_by=by, **lookup)
    except IntegrityError:  # a concurrent request created it first
        return Report.objects.get(**lookup), False
    enqueue_on_commit("dashboard.tasks.generate_report_task", report.pk)
    return report, True


@transaction.atomic
def report_retry(*, report, by=None):
    """Queue again what failed: the whole report when its job failed, only the PDF when the
    report is done but its PDF failed (e.g. the CJK font was installed since). Returns
    whether something was queued; a report in progress or complete is left alone."""
    if by is None:  # the requesting service or the worker: no scope to apply
        report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
    else:
        report = Report.objects.in_region_of(by).fetch(report.pk, lock=True)
        if not (by.is_superuser or by.role == Role.OFFICE):
            raise PermissionDenied("只有创城办可以重新生成通报报告。")
    if report.status == Report.Status.FAILED:
        report.status, report.progress, report.error = Report.Status.PENDING, 0, ""
        report.save(update_fields=["status", "progress", "error"])
        enqueue_on_commit("dashboard.tasks.generate_report_task", report.pk)
        return True
    if report.status == Report.Status.DONE and not report.pdf and report.pdf_error:
        report.pdf_error = ""
        report.save(update_fields=["pdf_error"])
        enqueue_on_commit("dashboard.tasks.generate_report_pdf_task", report.pk)
        return True
    return False


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
            enqueue_on_commit("dashboard.tasks.generate_report_pdf_task", report.pk)
    except Exception as exc:
        logger.exception("Report %s failed", report_id)
        _failed(report_id, exc)
        raise
    return report


# A pending report older than this never reached the broker; a running one older than
# STALE_AFTER lost its worker; a report done this long ago without PDF or PDF error lost
# the PDF task. The sweeper sends them again (the tasks are idempotent).
QUEUED_GRACE = dt.timedelta(minutes=2)
STALE_AFTER = dt.timedelta(minutes=30)


def report_sweep(*, now=None, limit=100):
    """Send again what the broker lost: the reports still pending (or running with a silent
    worker) and the PDFs of done reports that have neither PDF nor PDF error. One failing
    report is skipped, not the rest. Returns the ids sent, XLSX first, then PDF."""
    now = now or timezone.now()
    S = Report.Status
    lost = list(Report.objects.filter(
        Q(status=S.PENDING, created__lt=now - QUEUED_GRACE)
        | Q(status=S.RUNNING, created__lt=now - STALE_AFTER))
        .order_by("created").values_list("pk", flat=True)[:limit])
    no_pdf = list(Report.objects.filter(status=S.DONE, pdf="", pdf_error="",
                                        finished__lt=now - QUEUED_GRACE)
                  .order_by("finished").values_list("pk", flat=True)[:limit])
    xlsx = task_named("dashboard.tasks.generate_report_task")
    pdf_task = task_named("dashboard.tasks.generate_report_pdf_task")
    return (sweep_each(lost, xlsx.delay, "report")
            + sweep_each(no_pdf, pdf_task.delay, "report PDF"))


def interview_candidates(rows, top_n):
    """约谈 candidates: the units on this period's 黑榜 that were also among the last
    `top_n` of the previous period. "Among the last" goes by rank, so units that shared
    one rank (all at 100, say) were not last because of the order of their names: with P
    units ranked before, a previous rank above P − N is in the last N."""
    _red, black = scoring.red_black(rows, top_n)
    ranked_before = sum(1 for r in rows if r["previous_rank"] is not None)
    n = min(top_n, ranked_before // 2)
    if not n:
        return []
    return [r for r in black
            if r["previous_rank"] is not None and r["previous_rank"] > ranked_before - n]


def report_data(report, *, now=None):
    """Everything a report shows: ranking rows, overdue issues and 约谈 candidates."""
    viewer = Scope.for_region(report.region)
    period = figures.custom_period(report.period_start, report.period_end)
    data = figures.ranking(viewer, period, now=now)
    rows = data["rows"]
    _red, black = scoring.red_black(rows, data["top_n"])
    data["black"] = black
    data["interview"] = interview_candidates(rows, data["top_n"])
    data["overdue"] = list(figures.overdue_issues(viewer, now=now))
    data["now"] = now or timezone.now()
    return data


def build_report(report, *, now=None):
    buffer = io.BytesIO()
    write_report(buffer, report, report_data(report, now=now))
    return buffer.getvalue()


def report_pdf_context(report, data):
    """What the PDF template shows (see templates/dashboard/report_pdf.html)."""
    viewer = Scope.for_region(report.region)
    rows = data["rows"]
    for row in rows:
        row["score_values"] = [row["scores"][key] for key, _label in SUBSCORES]
    red, black = scoring.red_black(rows, data["top_n"])
    now = data["now"]
    overdue = data["overdue"]
    per_unit = {}
    for issue in overdue:
        name = issue.responsible_unit.name if issue.responsible_unit else "未指定单位"
        per_unit[name] = per_unit.get(name, 0) + 1
    # Days late by the calendar date (a deadline of yesterday 23:59 is 1 day late today);
    # 0 means late since earlier today (shown as 不足1天).
    today = timezone.localdate(now)
    listed = [{"issue": i, "days": (today - timezone.localdate(i.deadline)).days,
               "unit": i.responsible_unit.name if i.responsible_unit else ""}
              for i in overdue[:pdf.PDF_OVERDUE_LIMIT]]
    scored = [r["score"] for r in rows if r["score"] is not None]
    events = (NegativeListEvent.objects.visible_to(viewer).select_related("unit")
              .filter(date__gte=report.period_start, date__lte=report.period_end)
              .order_by("date", "pk"))
    return {
        "report": report, "region": report.region, "now": timezone.localtime(now),
        "rows": rows, "subscore_labels": [label for _key, label in SUBSCORES],
        "red": red, "black": black, "interview": data["interview"], "top_n": data["top_n"],
        "compared_note": figures.compared_note(data["compared"]),
        "summary": {
            "units": len(rows), "ranked": len(scored),
            "average": round(sum(scored) / len(scored), 1) if scored else None,
            "received": sum(r["received"] for r in rows),
            "closed": sum(r["closed"] for r in rows),
            "overdue_end": sum(r["overdue"] for r in rows),
            "overdue_now": len(overdue),
        },
        "overdue_by_unit": sorted(per_unit.items(), key=lambda kv: (-kv[1], kv[0])),
        "overdue_listed": listed, "overdue_total": len(overdue),
        "overdue_cut": len(overdue) > len(listed),
        "events": list(events),
        "projection": projection.projection(viewer, today=report.period_end),
    }


def report_pdf_generate(*, report_id, now=None):
    """Write the PDF of a finished report (its own job, queued when the XLSX is done).
    Idempotent: a report that has its PDF, or is not done, is left alone. When the PDF
    cannot be made (no CJK font, no pango) or fails, the reason is stored in Chinese on
    `pdf_error` and the exception re-raised so the job shows as failed."""
    report = Report.objects.select_related("region").filter(pk=report_id).first()
    if report is None or report.status != Report.Status.DONE or report.pdf:
        return report
    try:
        data = report_data(report, now=now or report.finished)
        content = pdf.render_report_pdf(report_pdf_context(report, data))
    except pdf.PdfUnavailable as exc:
        Report.objects.filter(pk=report_id).update(pdf_error=str(exc))
        raise
    except Exception as exc:
        logger.exception("PDF of report %s failed", report_id)
        Report.objects.filter(pk=report_id).update(
            pdf_error=f"PDF 生成失败，请稍后重试或联系管理员（{type(exc).__name__}: {exc}）")
        raise
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("region") \
            .get(pk=report_id)
        if not report.pdf:  # a concurrent delivery may have written it meanwhile
            report.pdf.save(report.pdf_download_name, ContentFile(content), save=False)
            report.pdf_error = ""
            report.save(update_fields=["pdf", "pdf_error"])
    return report


def _announce(report):
    users = User.objects.filter(role__in=[Role.LEADER, Role.OFFICE], is_active=True,
                                unit__region_path=report.region.path)
    notify(users=users, title=f"{report} 已生成",
           body="请查看各单位排名、逾期问题通报和约谈建议名单。",
           url=reverse("dashboard:report-list"))


@transaction.atomic
def negative_event_record(*, by, unit, item, is_veto, date, deduction=0, note=""):
    """Register a negative-list entry (office only) against a unit in the caller's scope
    (NotInScope → 404 otherwise)."""
    unit = Unit.objects.get_visible(by, unit.pk)
    if not (by.is_superuser or by.role == Role.OFFICE):
        raise PermissionDenied("只有创城办可以登记负面清单。")
    event = NegativeListEvent(unit=unit, item=item, is_veto=is_veto, date=date,
                              deduction=deduction, note=note, created_by=by)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def escalation_record(*, by, unit, kind, decided_on, reason, report=None, issues=(),
                      document=None):
    """Record a 通报/约谈/问责 decision against `unit` and tell its leaders (office only).

    Evidence: `report` (a report of the office's region), `issues` (issues the office sees)
    and `document`, an upload with its `evidence.validators.validate_document` result as
    (file, info). A unit outside the caller's scope does not exist for it (NotInScope)."""
    unit = Unit.objects.get_visible(by, unit.pk)
    if not (by.is_superuser or by.role == Role.OFFICE):
        raise PermissionDenied("只有创城办可以登记问责记录。")
    issues = list(issues)
    visible = set(Issue.objects.visible_to(by).filter(pk__in=[i.pk for i in issues])
                  .values_list("pk", flat=True))
    outside = [f"#{i.pk}" for i in issues if i.pk not in visible]
    if outside:
        raise ValidationError({"issue_numbers": f"问题 {'、'.join(outside)} 不在您的管辖范围内。"})
    if report is not None and not Report.objects.visible_to(by).filter(pk=report.pk).exists():
        raise ValidationError({"report": "所选报告不在您的管辖范围内。"})
    escalation = Escalation(unit=unit, kind=kind, decided_on=decided_on, reason=reason,
                            report=report, created_by=by)
    escalation.full_clean()
    escalation.save()
    escalation.issues.set(issues)
    if document is not None:
        uploaded, info = document
        doc = EscalationDocument(escalation=escalation, uploaded_by=by)
        doc.attach(uploaded, info)
        doc.save()
    notify(users=User.objects.filter(unit=unit, role__in=[Role.UNIT_LEADER, Role.LIAISON],
                                     is_active=True),
           title=f"{unit.name}被{escalation.get_kind_display()}",
           body=reason, url=reverse("dashboard:unit-history", args=[unit.pk]))
    return escalation


def snapshot_past_periods(*, now=None):
    """Keep the figures of every ranked unit for the week, month, quarter and year that ended
    last (UnitFigures): the beat runs it after midnight, so the trend and the previous-period
    comparison read them instead of recounting. Idempotent: figures already kept are left
    as they are and a second run writes nothing. Returns the number of snapshots written."""
    from .models import UnitFigures

    now = now or timezone.now()
    today = timezone.localdate(now)
    periods = [figures.week_period(today).previous(), figures.month_period(today).previous(),
               figures.quarter_period(today).previous(),
               figures.year_period(today.year).previous()]
    units = Unit.objects.filter(kind__in=figures.RANKED_KINDS, is_active=True,
                                parent__kind__in=Unit.REGION_KINDS)
    before = UnitFigures.objects.count()
    figures.unit_figures_many(units, periods, now=now)
    return UnitFigures.objects.count() - before
