"""Drill-down (穿透): the records behind each number of a unit's ranking row.

Each column reads the records with the very filters `dashboard.figures` counts them with, over
the unit's subtree, the same period and the same moment (the period's end, or now), so the
list's length is the number on the ranking:

* received 收到问题: issues filed in the period whose responsible unit is in the subtree;
* closed 销号 / closed_on_time 按期销号: approval events in the period crediting a unit of the
  subtree (on time: no later than the deadline the event records);
* relapsed 反弹: reopen events in the period, and findings filed in the period that relapse an
  issue a unit of the subtree had closed (`Issue.relapse_of`);
* rectifying 在办 / overdue 逾期 (and overdue_7, overdue_30, the lateness steps): the issues
  the subtree held (整改中) at that moment, past their deadline in force then;
* inspections 督查 / inspections_passed 达标: inspections in the period at points of which a
  unit of the subtree is the territorial unit or the supervising department;
* ledgers_due 应报台账 (one row per task and unit required), ledgers_approved 审核通过,
  ledgers_returned 退回;
* survey_answered 满意度作答 / survey_satisfied 满意: answers to satisfaction questions of
  valid, in-frame responses collected in the period in the subtree's communities.

A period that is over shows the figures kept when it was counted; its list is read from the
records now, so a record changed since (a ledger approved late) can make them differ: the page
says so.
"""

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse

from issues import deadlines
from issues.models import RECTIFYING, Issue, IssueEvent
from ledgers.models import LedgerRequirement, LedgerSubmission
from points.models import Inspection
from surveys.models import Answer, Indicator, Question

from . import figures, scoring

COLUMNS = {
    "received": "收到问题", "closed": "销号", "closed_on_time": "按期销号",
    "relapsed": "反弹", "rectifying": "在办问题", "overdue": "逾期问题",
    "overdue_7": "逾期超过 5 个工作日", "overdue_30": "逾期超过 20 个工作日",
    "inspections": "督查次数", "inspections_passed": "督查达标",
    "ledgers_due": "应报台账", "ledgers_approved": "台账审核通过", "ledgers_returned": "台账退回",
    "survey_answered": "满意度题作答（题次）", "survey_satisfied": "满意的作答（题次）",
}
# The column a sub-score's link opens: its denominator (the list marks the numerator).
SUBSCORE_COLUMN = {
    "ontime": "closed", "overdue": "overdue", "relapse": "relapsed",
    "ledger_completion": "ledgers_due", "ledger_approval": "ledgers_approved",
    "point_pass": "inspections", "satisfaction": "survey_answered",
}
HEADERS = ["编号", "事项", "单位", "时间", "说明"]


def _fmt(moment):
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        return f"{moment.astimezone(figures.local_tz()):%Y-%m-%d %H:%M}"
    return f"{moment:%Y-%m-%d}"


def _issue_row(issue, when, note, unit=None):
    return {"number": f"#{issue.pk}", "url": issue.get_absolute_url(),
            "title": f"{issue.category.name} · {issue.location_display}",
            "unit": (unit or issue.responsible_unit).name
            if (unit or issue.responsible_unit) else "", "when": _fmt(when), "note": note}


def _event_rows(events, note):
    return [_issue_row(e.issue, e.created, note(e), e.unit) for e in events]


def _deadline_note(deadline, prefix="期限", *, as_of=None, calendar=None):
    """期限 2026-11-09 23:59, and when it had passed at `as_of` how late in whole working days
    (as the overdue weights count them): 逾期 6 个工作日."""
    if not deadline:
        return "无期限"
    note = f"{prefix} {_fmt(deadline)}"
    if as_of is not None and deadline < as_of:
        days = deadlines.working_days_late(deadline, as_of, calendar)
        note += f"，逾期 {days} 个工作日" if days else "，已过期限（不足 1 个工作日）"
    return note


def figure_and_records(unit, column, period, *, now):
    """(the number on `unit`'s ranking row for `column`, the records behind it): what the
    drill-down page and its API show."""
    row, rows = figures_and_records(unit, column, period, now=now)
    return row[column], rows


def figures_and_records(unit, column, period, *, now):
    """(`unit`'s figures row over `period`, the records behind `column`)."""
    (row,), = figures.unit_figures_many(unit.__class__.objects.filter(pk=unit.pk), [period],
                                        now=now)
    return row, records(unit, column, period, now=now)


# How each sub-score is taken from the counts, in words: (numerator, denominator).
RATE_WORDS = {
    "ontime": ("按期销号", "销号"),
    "overdue": ("期末未逾期", "本期办结和期末在办"),
    "relapse": ("未反弹", "销号"),
    "ledger_completion": ("审核通过", "应报台账"),
    "ledger_approval": ("审核通过", "审核通过和退回"),
    "point_pass": ("达标", "督查次数"),
    "satisfaction": ("满意的作答", "满意度题作答"),
}


def rate_sentences(row, labels):
    """Each sub-score of a figures row as a sum a clerk can check, {key: 群众满意率 = 满意的作答
    113 ÷ 满意度题作答 144 = 78.5%}; None for a kind the unit had no items of. `labels`:
    {key: label}."""
    scores = row.get("scores") or scoring.subscores(row)
    sentences = {}
    for key, (good, items) in scoring.rate_counts(row).items():
        top, bottom = RATE_WORDS[key]
        sentences[key] = None if scores[key] is None else \
            f"{labels[key]} = {top} {good} ÷ {bottom} {items}{RATE_NOTES.get(key, '')} " \
            f"= {scores[key]}%"
    return sentences


# Where a rate's items are not a plain count of the list.
RATE_NOTES = {
    "overdue": "（逾期问题按逾期工作日计 1、2 或 4 件）",
    "relapse": "（反弹多于销号时按反弹数计）",
}


def records(unit, column, period, *, now):
    """The rows behind `column` of `unit`'s figures over `period`: [{number, url, title, unit,
    when, note}]. A handful of queries whatever the number of rows."""
    ids = list(unit.__class__.objects.filter(path__startswith=unit.path)
               .values_list("pk", flat=True))
    end = min(period.end, now)
    in_period = {"created__gte": period.start, "created__lt": period.end}
    if column in ("received",):
        issues = Issue.objects.filter(responsible_unit_id__in=ids, **in_period) \
            .select_related("category", "point", "responsible_unit").order_by("created", "pk")
        return [_issue_row(i, i.created, i.get_status_display()) for i in issues]
    if column in ("closed", "closed_on_time"):
        events = IssueEvent.objects.filter(unit_id__in=ids, kind=IssueEvent.Kind.APPROVE,
                                           **in_period)
        if column == "closed_on_time":
            events = events.filter(Q(deadline__isnull=True) | Q(deadline__gte=F("created")))
        events = events.select_related("issue__category", "issue__point", "unit") \
            .order_by("created", "pk")
        return _event_rows(events, lambda e: (
            "按期" if e.deadline is None or e.deadline >= e.created else "超期")
            + "，" + _deadline_note(e.deadline))
    if column == "relapsed":
        reopens = IssueEvent.objects.filter(unit_id__in=ids, kind=IssueEvent.Kind.REOPEN,
                                            **in_period) \
            .select_related("issue__category", "issue__point", "unit").order_by("created", "pk")
        rows = _event_rows(reopens, lambda e: "销号后重开" + (f"：{e.reason}" if e.reason else ""))
        findings = Issue.objects.filter(relapse_of__responsible_unit_id__in=ids, **in_period) \
            .select_related("category", "point", "relapse_of__responsible_unit") \
            .order_by("created", "pk")
        rows += [_issue_row(i, i.created, f"同点位同类问题复发（原问题 #{i.relapse_of_id}，"
                                          f"{_fmt(i.relapse_of.closed_at)} 销号）",
                            i.relapse_of.responsible_unit) for i in findings]
        return rows
    if column in ("rectifying", "overdue", "overdue_7", "overdue_30"):
        return _held(ids, column, end, now)
    if column in ("inspections", "inspections_passed"):
        inspections = Inspection.objects.filter(
            Q(point__territorial_unit_id__in=ids) | Q(point__supervising_unit_id__in=ids),
            **in_period)
        if column == "inspections_passed":
            inspections = inspections.filter(passed=True)
        inspections = inspections.select_related(
            "point", "point__territorial_unit").order_by("created", "pk")
        return [{"number": f"督查 {i.pk}",
                 "url": reverse("points:inspection-detail", args=[i.pk]),
                 "title": i.point.name, "unit": i.point.territorial_unit.name
                 if i.point.territorial_unit_id else "",
                 "when": _fmt(i.created), "note": "达标" if i.passed else "未达标"}
                for i in inspections]
    if column == "ledgers_due":
        return _ledgers_due(ids, period)
    if column in ("ledgers_approved", "ledgers_returned"):
        S = LedgerSubmission.Status
        subs = LedgerSubmission.objects.filter(
            unit_id__in=ids, requirement__deadline__gte=period.start,
            requirement__deadline__lt=period.end)
        subs = subs.filter(is_current=True, status=S.APPROVED) \
            if column == "ledgers_approved" else subs.filter(status=S.RETURNED)
        subs = subs.select_related("requirement", "unit").order_by("requirement__deadline", "pk")
        return [{"number": f"第 {s.version} 版",
                 "url": reverse("ledgers:submission-detail", args=[s.pk]),
                 "title": s.requirement.title, "unit": s.unit.name,
                 "when": _fmt(s.reviewed_at or s.created), "note": s.get_status_display()}
                for s in subs]
    if column in ("survey_answered", "survey_satisfied"):
        return _answers(unit, column, period)
    raise KeyError(column)


def _held(ids, column, as_of, now):
    calendar = deadlines.WorkCalendar.load(
        start=deadlines.local_date(as_of) - dt.timedelta(days=figures.CALENDAR_REACH),
        end=deadlines.local_date(as_of))
    week, month = figures._late_cutoffs(as_of, calendar)
    limit = {"rectifying": None, "overdue": as_of, "overdue_7": week,
             "overdue_30": month}[column]
    if as_of >= now:
        issues = Issue.objects.filter(responsible_unit_id__in=ids, status__in=RECTIFYING)
        if limit is not None:
            issues = issues.filter(deadline__lt=limit)
        issues = list(issues.select_related("category", "point", "responsible_unit")
                      .order_by("deadline", "pk"))
        calendar = _reaching(calendar, [i.deadline for i in issues], as_of)
        return [_issue_row(i, i.created, _deadline_note(i.deadline, as_of=now,
                                                        calendar=calendar)) for i in issues]
    held = figures.held_at(as_of, ids)
    if limit is not None:
        held = held.filter(deadline__lt=limit)
    held = list(held.select_related("issue__category", "issue__point", "unit")
                .order_by("deadline", "pk"))
    calendar = _reaching(calendar, [e.deadline for e in held], as_of)
    return [_issue_row(e.issue, e.issue.created,
                       _deadline_note(e.deadline, "当时期限", as_of=as_of, calendar=calendar),
                       e.unit)
            for e in held]


def _reaching(calendar, deadlines_listed, as_of):
    """`calendar` (CALENDAR_REACH days back from `as_of`), or one read from the earliest of
    `deadlines_listed` when that lies further back: the days late of an old deadline count
    the holidays of its own months (one more query, only then)."""
    earliest = min((d for d in deadlines_listed if d), default=None)
    start = deadlines.local_date(as_of) - dt.timedelta(days=figures.CALENDAR_REACH)
    if earliest is None or deadlines.local_date(earliest) >= start:
        return calendar
    return deadlines.WorkCalendar.load(start=deadlines.local_date(earliest),
                                       end=deadlines.local_date(as_of))


def _ledgers_due(ids, period):
    due_in = {"deadline__gte": period.start, "deadline__lt": period.end}
    rows = [(r, r.lead_unit, "牵头") for r in LedgerRequirement.objects.filter(
        lead_unit_id__in=ids, **due_in).select_related("lead_unit")]
    through = LedgerRequirement.contributing_units.through.objects.filter(
        unit_id__in=ids, ledgerrequirement__deadline__gte=period.start,
        ledgerrequirement__deadline__lt=period.end,
    ).exclude(unit_id=F("ledgerrequirement__lead_unit_id")).select_related(
        "ledgerrequirement", "unit")
    rows += [(t.ledgerrequirement, t.unit, "配合") for t in through]
    rows.sort(key=lambda r: (r[0].deadline, r[0].pk, r[1].pk))
    return [{"number": f"任务 {r.pk}", "url": reverse("ledgers:requirement-detail", args=[r.pk]),
             "title": r.title, "unit": u.name, "when": _fmt(r.deadline),
             "note": f"{role}，截止时间"} for r, u, role in rows]


def _answers(unit, column, period):
    satisfied = Indicator.SATISFACTION
    answers = Answer.objects.filter(
        response__community__path__startswith=unit.path,
        response__voided=False, response__in_frame=True,
        response__created__gte=period.start, response__created__lt=period.end,
        question__indicator=satisfied)
    multi = Exists(Answer.choices.through.objects.filter(
        answer=OuterRef("pk"), option__indicator=satisfied))
    hit = Q(option__indicator=satisfied) | (Q(question__kind=Question.Kind.MULTIPLE) & multi)
    if column == "survey_satisfied":
        answers = answers.filter(hit)
    answers = answers.annotate(is_hit=Exists(Answer.objects.filter(hit, pk=OuterRef("pk")))) \
        .select_related("response__community", "question").order_by("response__created", "pk")
    return [{"number": f"答卷 {a.response_id}", "url": "", "title": a.question.text,
             "unit": a.response.community.name, "when": _fmt(a.response.created),
             "note": "满意" if a.is_hit else "不满意"} for a in answers]
