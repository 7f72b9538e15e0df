"""Accountability reports, negative-list entries and escalation decisions."""

import datetime as dt
import io
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, Scope, Unit, User
from accounts.services import notify
from issues.models import Issue
from jobs.models import Job
from jobs.registry import JobFailed
from jobs.services import job_start, save_result

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


def _report_job_start(report, by):
    """Start the job that builds `report` (locked, or just created) and point it there. A
    report is counted as of its first job: a later job (after a failure, or for a missing
    PDF) counts the same moment, and one that only lacks its PDF keeps the Excel file already
    handed out (the 约谈 records cite it) and draws the PDF from the same figures."""
    earlier = report.job
    params = {"report": report.pk}
    if earlier is not None:
        # (a report kept from before its jobs noted the moment: when its Excel was written)
        as_of = earlier.params.get("as_of") or (
            earlier.finished.isoformat() if earlier.result and earlier.finished else None)
        if as_of:
            params["as_of"] = as_of
    report.job = job_start(kind=Job.Kind.REPORT, by=by, unit=report.region, params=params)
    if earlier is not None and earlier.status == Job.Status.DONE and earlier.result:
        Job.objects.filter(pk=report.job.pk).update(result=earlier.result.name,
                                                    result_name=earlier.result_name)
    report.save(update_fields=["job"])


def _report_rerun(report, by):
    report = Report.objects.select_for_update(of=("self",)).select_related("job").get(
        pk=report.pk)
    if not report.may_retry:
        return False
    _report_job_start(report, by)
    return True


@transaction.atomic
def report_request(*, kind, by=None, region=None, today=None, start=None, end=None):
    """The report of `region` (the requester's region by default) for `kind`'s period:
    created with its job (enqueued after commit) when new, the existing one otherwise
    (idempotent per region, kind and period, enforced by the database); asking again for a
    report whose job failed, or made no PDF, starts a new job. `by=None` is the beat.
    Returns (report, queued).

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
        return existing, _report_rerun(existing, by)
    try:
        with transaction.atomic():
            report = Report.objects.create(**lookup)
    except IntegrityError:  # a concurrent request created it first
        return Report.objects.get(**lookup), False
    _report_job_start(report, by)
    return report, True


@transaction.atomic
def report_retry(*, report, by):
    """The office starts again a report whose job failed or made no PDF (the CJK font was
    installed since, say): a new job, which the report points at from then on. Returns
    whether one was started; a report being built, or complete, is left alone. Locks the
    report; NotInScope for another region's, PermissionDenied for anyone but the office."""
    report = Report.objects.in_region_of(by).fetch(report.pk)
    if not (by.is_superuser or by.role == Role.OFFICE):
        raise PermissionDenied("只有创城办可以重新生成通报报告。")
    return _report_rerun(report, by)


# The report job's steps, as its page names them while each runs.
REPORT_STEPS = ("正在统计各单位数据", "正在生成 Excel 版", "正在生成 PDF 版")


def report_job_subject(job):
    """The report a job of kind report makes, as its page names it, and the reports page."""
    report = Report.objects.select_related("region").filter(
        pk=job.params.get("report")).first()
    back = reverse("dashboard:report-list")
    if report is None:
        return "（这份通报报告已被删除）", back
    return (f"{report.region.name}{report.get_kind_display()}（{report.period_start:%Y-%m-%d} 至 "
            f"{report.period_end:%Y-%m-%d}）"), back


def report_job(job, progress):
    """The job of kind report (registered in DashboardConfig.ready): the figures of report
    `job.params["report"]` counted once, written as the XLSX, then as the PDF; the region's
    leaders and office are told. When the PDF cannot be made (no CJK font, no pango) or
    fails, the job is done with the XLSX alone and its message says why in Chinese."""
    report = Report.objects.select_related("region").filter(
        pk=job.params.get("report")).first()
    if report is None:
        raise JobFailed("这份通报报告已被删除。")
    if job.params.get("as_of"):
        now = dt.datetime.fromisoformat(job.params["as_of"])
    else:  # the report's first job: the moment every later job of it counts
        now = timezone.now()
        job.params["as_of"] = now.isoformat()
        Job.objects.filter(pk=job.pk).update(params=job.params)
    progress(0, len(REPORT_STEPS), step=True)
    data = report_data(report, now=now)
    progress(1, step=True)
    if job.result:  # the Excel file of an earlier job of this report, kept as handed out
        message = "已生成 PDF 版（Excel 版不变）。"
    else:
        buffer = io.BytesIO()
        write_report(buffer, report, data)
        save_result(job, buffer, report.download_name)
        message = "已生成 Excel 版和 PDF 版。"
    progress(2, step=True)
    try:
        content = pdf.render_report_pdf(report_pdf_context(report, data))
    except pdf.PdfUnavailable as exc:
        message = f"已生成 Excel 版；PDF 版未生成：{exc}"
    except Exception:  # the Excel version stands; the office may ask for the PDF again
        logger.exception("PDF of report %s failed", report.pk)
        message = "已生成 Excel 版；PDF 版生成失败，请稍后在通报报告页点“重新生成 PDF”。"
    else:
        save_result(job, io.BytesIO(content), report.pdf_download_name, field="pdf")
    progress(3)
    _announce(report)
    return message


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
