"""What the dashboard counts per responsible unit (its figures), the ranking built on
them and its history. How the counts become scores: `dashboard.scoring`.

Which units are ranked
----------------------
The responsible units directly under a district or the city: departments (部门), streets and
towns (街道/镇) and enterprises. Each is measured over its whole subtree (a bureau with its
teams, a street with its communities), because the head of the unit answers for all of it
(谁主管谁负责). `kind=street` ranks the streets alone.

Overdue at the end of a period
------------------------------
A period's overdue figures describe one moment T: the end of the period, or now when the
period is not over. An issue is overdue for a unit at T when, as the issue stood at T,

1. it was 整改中 (assigned): the unit owed the rectification. An issue not yet dispatched,
   submitted and waiting for review (待复核), disputed or closed was not overdue, whatever
   happened to it later;
2. its responsible unit lay in the unit's subtree (after a reassignment the issue counts for
   the unit that held it at T);
3. the deadline in force at T was before T (an extension granted after T does not excuse the
   issue at T; one granted before T does).

Its lateness is T − that deadline (the weights above). "Received" issues also count only
when filed before T; `rectifying` (在办) is condition 1 and 2 without 3.

For T = now the issue rows are read directly (status, responsible unit, deadline), exactly
the issue list's "逾期" filter, so the drill-down shows the same issues. For a past T the
state is rebuilt from the issue's trail: each IssueEvent records the status, unit and
deadline the issue had right after it, so the state at T is the one recorded by the issue's
last event before T (ties broken by id). Events that record no status, and requests for an
extension (whose deadline is the one asked for, not the one in force), are not states.
Every way of filing an issue writes its first event, so every issue filed before T has a
state at T.

Periods that are over
---------------------
A week, month, quarter or year whose end has passed is counted once and its per-unit figures
kept (UnitFigures): by the beat after midnight (`services.snapshot_past_periods`) or by the
first ranking that reads the period. The trend's past weeks and the previous period of a
period that is over are read from there; the current period, custom periods and the first
part of the previous period that a running period is compared with (较上期 like for like,
`Period.compared_with`: never kept, it is not the period's figures) are counted from the
records. The
figures are kept as they stood when counted: a record changed afterwards inside a period that
is over (a ledger approved late, a survey response voided) does not rewrite the published
figures of that period; a custom period over the same days counts it.

Query budget: `ranking()` costs the weights, the snapshots (or the past states of the
previous period's first part) and about ten queries however
many units, issues or inspections there are, and `trend()` as many for its eight weeks: each
source is read with GROUP BY unit, the periods' queries of a source joined by UNION ALL into
one, and the counts summed up the unit tree in Python (`unit_figures_many`). Correlated
per-unit subqueries were far slower at the city scale (bench/REMARKS.md, "Ranking").
"""

import datetime as dt
import hashlib
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Value
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit
from issues import deadlines
from issues.models import RECTIFYING, Issue, IssueEvent
from ledgers.models import LedgerRequirement, LedgerSubmission
from points.models import Inspection
from surveys.models import Answer, Indicator, Question

from . import scoring
from .models import SUBSCORES, RankingWeights, UnitFigures

RANKED_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.STREET, Unit.Kind.ENTERPRISE)


def local_tz():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Period:
    """[start, end) in local time; `kind` is week, month, quarter, year or custom.

    `whole` is False for the first part of a period only (`compared_with`): such a span is
    counted from the records, never kept as the period's figures."""

    kind: str
    start: dt.datetime
    end: dt.datetime
    whole: bool = True

    KINDS = {"week": "本周", "month": "本月", "quarter": "本季度", "year": "本年",
             "custom": "自定义"}

    @property
    def first_day(self):
        return self.start.astimezone(local_tz()).date()

    @property
    def last_day(self):
        """The last day inside the period (inclusive)."""
        return (self.end.astimezone(local_tz()) - dt.timedelta(microseconds=1)).date()

    @property
    def label(self):
        return f"{self.first_day:%Y-%m-%d} 至 {self.last_day:%Y-%m-%d}"

    @property
    def query(self):
        """The query string that asks for this period again (the drill-down keeps it)."""
        if self.kind == "custom":
            return urlencode({"period": "custom", "start": self.first_day.isoformat(),
                              "end": self.last_day.isoformat()})
        return urlencode({"period": self.kind})

    def previous(self):
        """The period of the same length just before this one."""
        if self.kind == "month":
            return month_period(self.first_day - dt.timedelta(days=1))
        if self.kind == "quarter":
            return quarter_period(self.first_day - dt.timedelta(days=1))
        if self.kind == "year":
            return year_period(self.first_day.year - 1)
        length = self.end - self.start
        return Period(self.kind, self.start - length, self.start)

    def compared_with(self, now):
        """What 较上期 compares this period with at `now`: the previous period whole once this
        one is over (or not begun); while it runs, the previous period up to the same point,
        the same time after its start (Wednesday noon of this week: last week up to Wednesday
        noon; the 3rd of a month at noon: the previous month up to its 3rd at noon). A month,
        quarter or year longer than the previous one compares its last days with the previous
        one whole: on 30 March, February up to its end."""
        previous = self.previous()
        if not self.start < now < self.end:
            return previous
        until = previous.start + (now - self.start)
        if until >= previous.end:
            return previous
        # To the hour: one first part serves an hour of rankings (kept, `unit_figures_many`);
        # in a period's first hour, to the minute.
        hour = until.astimezone(local_tz()).replace(minute=0, second=0, microsecond=0)
        if hour <= previous.start:
            hour = until.replace(second=0, microsecond=0)
        return Period(previous.kind, previous.start, hour, whole=False)

    @property
    def span_label(self):
        """The label, with the hour where the span ends inside a day (a first part)."""
        end = self.end.astimezone(local_tz())
        if end.time() == dt.time.min:
            return self.label
        return f"{self.first_day:%Y-%m-%d} 0:00 至 {end:%Y-%m-%d %H:%M}"


def _midnight(day):
    return dt.datetime.combine(day, dt.time.min, tzinfo=local_tz())


def day_end(day):
    """The first moment after the local date `day` (an `until` that includes the day)."""
    return _midnight(day + dt.timedelta(days=1))


def week_period(day):
    monday = day - dt.timedelta(days=day.weekday())
    return Period("week", _midnight(monday), _midnight(monday + dt.timedelta(days=7)))


def month_period(day):
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return Period("month", _midnight(first), _midnight(nxt))


def quarter_period(day):
    first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    nxt = (first + dt.timedelta(days=93)).replace(day=1)
    return Period("quarter", _midnight(first), _midnight(nxt))


def year_period(year):
    return Period("year", _midnight(dt.date(year, 1, 1)), _midnight(dt.date(year + 1, 1, 1)))


def custom_period(first_day, last_day):
    return Period("custom", _midnight(first_day), _midnight(last_day + dt.timedelta(days=1)))


def period_from_params(params, *, today=None):
    """The period asked for by `?period=week|month|quarter|year|custom&start=&end=`.

    Raises ValidationError naming the field on bad input."""
    today = today or timezone.localdate()
    kind = params.get("period") or "week"
    if kind == "week":
        return week_period(today)
    if kind == "month":
        return month_period(today)
    if kind == "quarter":
        return quarter_period(today)
    if kind == "year":
        return year_period(today.year)
    if kind != "custom":
        raise ValidationError({"period": "统计周期须为 week、month、quarter、year 或 custom。"})
    days = {}
    for name in ("start", "end"):
        try:
            days[name] = dt.date.fromisoformat(params.get(name) or "")
        except ValueError:
            raise ValidationError({name: "请填写日期，格式如 2026-01-31。"}) from None
    if days["end"] < days["start"]:
        raise ValidationError({"end": "截止日期不能早于起始日期。"})
    if (days["end"] - days["start"]).days > 366 * 3:
        raise ValidationError({"end": "自定义周期不能超过三年。"})
    return custom_period(days["start"], days["end"])


def ranked_units(user):
    """The units ranked for `user`: responsible units directly under a region, in scope (all
    kinds: a list of one kind is filtered after scoring, `score_rows_many`)."""
    return Unit.objects.visible_to(user).filter(
        kind__in=RANKED_KINDS, is_active=True, parent__kind__in=Unit.REGION_KINDS)


def weights_for(user):
    """The region's RankingWeights (unsaved defaults when the office never changed them).
    One query."""
    path = user.scope_path
    found = RankingWeights.objects.filter(region__path=path).first() if path else None
    return found or RankingWeights()


def weights_stamp(user):
    """(id, last saved) of the region's RankingWeights, None for the defaults: what a kept
    ranking is known by. One query, no model built."""
    path = user.scope_path
    if not path:
        return None
    return RankingWeights.objects.filter(region__path=path).order_by("pk").values_list(
        "pk", "updated").first()


def _grouped(queryset, key, **counts):
    """(key, GROUP BY queryset with a filtered COUNT per name): evaluated later, for all the
    periods at once (`unit_figures_many` joins the periods' querysets with UNION ALL)."""
    return key, queryset.order_by().values(key).annotate(
        **{name: Count("pk", filter=q) for name, q in counts.items()})


# Calendar days before a period's end read from the holiday calendar: enough for the
# longest lateness step (20 working days) across the longest holidays.
CALENDAR_REACH = 90
NOTHING = Q(pk__isnull=True)  # a filter no row matches: a count that is always 0


def held_at(as_of, unit_ids):
    """The state events that were each issue's last before the past moment `as_of` and left
    it being rectified (整改中) by one of `unit_ids`: what those units held then (module
    docstring). The ranking counts these rows and the drill-down lists them."""
    states = IssueEvent.objects.exclude(to_status="").exclude(
        kind=IssueEvent.Kind.EXTENSION_REQUEST)
    superseded = states.filter(issue_id=OuterRef("issue_id"), created__lt=as_of).filter(
        Q(created__gt=OuterRef("created")) | Q(created=OuterRef("created"),
                                              pk__gt=OuterRef("pk")))
    return states.filter(created__lt=as_of, to_status__in=RECTIFYING,
                         unit_id__in=unit_ids).exclude(Exists(superseded))


def _late_cutoffs(as_of, calendar):
    """The deadlines before which an issue is late more than each of LATE_STEPS whole working
    days at `as_of` (the reminder ladder's measure)."""
    return [deadlines.late_cutoff(as_of, n + 1, calendar) for n in scoring.LATE_STEPS]


def _issue_counts(unit_ids, period, as_of, now, calendar):
    """Issue figures per responsible unit (the unit the issue has, or had at a past `as_of`):
    {source: (key, queryset)}."""
    in_scope = {"responsible_unit_id__in": unit_ids}
    received = Q(created__gte=period.start, created__lt=period.end)
    APPROVE, REOPEN = IssueEvent.Kind.APPROVE, IssueEvent.Kind.REOPEN
    # Each approval as it was recorded: the unit it credits and the deadline then in force
    # (a later reopen with a new deadline changes neither).
    sources = {"issue_events": _grouped(
        IssueEvent.objects.filter(unit_id__in=unit_ids,
                                  created__gte=period.start, created__lt=period.end,
                                  kind__in=[APPROVE, REOPEN]),
        "unit_id",
        closed=Q(kind=APPROVE),
        closed_on_time=Q(kind=APPROVE) & (Q(deadline__isnull=True)
                                          | Q(deadline__gte=F("created"))),
        relapsed=Q(kind=REOPEN))}
    # 反弹 also: new findings filed in the period that relapse an issue the unit closed
    # (`Issue.relapse_of`, linked at filing), counted for the unit that closed it.
    sources["relapse_findings"] = _grouped(
        Issue.objects.filter(received, relapse_of__responsible_unit_id__in=unit_ids),
        "relapse_of__responsible_unit_id", relapsed=Q())
    week, month = _late_cutoffs(min(as_of, now), calendar)
    if as_of >= now:
        # Now: exactly what the issue list's "逾期" filter shows, so drill-down matches.
        as_of = now
        holding = Q(status__in=RECTIFYING)
        sources["issues"] = _grouped(
            Issue.objects.filter(received | holding, **in_scope), "responsible_unit_id",
            received=received, rectifying=holding,
            overdue=holding & Q(deadline__lt=as_of),
            overdue_7=holding & Q(deadline__lt=week), overdue_30=holding & Q(deadline__lt=month))
        return sources
    holding = held_at(as_of, unit_ids)
    # The same columns as "now", so the periods' queries can be joined.
    sources["issues"] = _grouped(
        Issue.objects.filter(received, **in_scope), "responsible_unit_id", received=Q(),
        rectifying=NOTHING, overdue=NOTHING, overdue_7=NOTHING, overdue_30=NOTHING)
    sources["past_states"] = _grouped(
        holding, "unit_id", rectifying=Q(),
        overdue=Q(deadline__lt=as_of), overdue_7=Q(deadline__lt=week),
        overdue_30=Q(deadline__lt=month))
    return sources


def _inspection_counts(unit_ids, period):
    """Inspections per (territorial unit, supervising department) pair of their point."""
    inspections = Inspection.objects.filter(
        Q(point__territorial_unit_id__in=unit_ids) | Q(point__supervising_unit_id__in=unit_ids),
        created__gte=period.start, created__lt=period.end)
    return {"inspections": (INSPECTION_KEY, inspections.order_by().values(
        *INSPECTION_KEY).annotate(
        inspections=Count("pk"), inspections_passed=Count("pk", filter=Q(passed=True))))}


INSPECTION_KEY = ("point__territorial_unit_id", "point__supervising_unit_id")


def _ledger_counts(unit_ids, period):
    """Ledger tasks due in the period per unit (as lead or contributing unit) and the state of
    its current submissions for them; returned versions stay as history."""
    due_in = {"deadline__gte": period.start, "deadline__lt": period.end}
    contributor = LedgerRequirement.contributing_units.through.objects.filter(
        unit_id__in=unit_ids,
        ledgerrequirement__deadline__gte=period.start,
        ledgerrequirement__deadline__lt=period.end,
    ).exclude(unit_id=F("ledgerrequirement__lead_unit_id"))
    S = LedgerSubmission.Status
    submissions = LedgerSubmission.objects.filter(
        unit_id__in=unit_ids, requirement__deadline__gte=period.start,
        requirement__deadline__lt=period.end)
    return {
        "ledgers_lead": _grouped(
            LedgerRequirement.objects.filter(lead_unit_id__in=unit_ids, **due_in),
            "lead_unit_id", ledgers_lead=Q()),
        "ledgers_contributing": _grouped(contributor, "unit_id", ledgers_contributing=Q()),
        "ledger_submissions": _grouped(
            submissions, "unit_id",
            ledgers_approved=Q(is_current=True, status=S.APPROVED),
            ledgers_returned=Q(status=S.RETURNED)),
    }


def _satisfaction_counts(scope, period):
    satisfied = Indicator.SATISFACTION
    answers = Answer.objects.filter(
        response__community__path__startswith=scope,
        response__voided=False, response__in_frame=True,
        response__created__gte=period.start, response__created__lt=period.end,
        question__indicator=satisfied)
    multi = Exists(Answer.choices.through.objects.filter(
        answer=OuterRef("pk"), option__indicator=satisfied))
    hit = Q(option__indicator=satisfied) | (Q(question__kind=Question.Kind.MULTIPLE) & multi)
    return {"satisfaction": _grouped(answers, "response__community_id", survey_answered=Q(),
                                     survey_satisfied=hit)}


FIGURES = ("received", "closed", "closed_on_time", "relapsed", "rectifying", "overdue",
           "overdue_7", "overdue_30", "ledgers_lead", "ledgers_contributing", "ledgers_approved", "ledgers_returned", "inspections", "inspections_passed",
           "survey_answered", "survey_satisfied")
# What a unit's row holds once counted (the two ledger counts summed into ledgers_due).
SNAPSHOT_FIGURES = tuple(f for f in FIGURES if f not in ("ledgers_lead", "ledgers_contributing")) \
    + ("ledgers_due",)


def _common_path(paths):
    """The longest path prefix (whole segments) shared by `paths`: the subtree to read."""
    parts = [p.strip("/").split("/") for p in paths]
    common = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    return "/" + "".join(f"{s}/" for s in common) if common else "/"


def unit_figures(units, period, *, now=None):
    """[{id, name, kind, path, parent_id, <counts>}] for `units` over `period`."""
    return unit_figures_many(units, [period], now=now)[0]


SNAPSHOT_KINDS = ("week", "month", "quarter", "year")


def is_snapshotted(period, now):
    """A whole calendar period that is over: its figures are read from (and kept in)
    UnitFigures. The first part of a period (`Period.compared_with`) is always counted."""
    return period.kind in SNAPSHOT_KINDS and period.whole and period.end <= now


def unit_figures_many(units, periods, *, now=None):
    """For each of `periods`, [{id, name, kind, path, parent_id, <counts>}] for `units`.

    Periods that are over (`is_snapshotted`) come from the UnitFigures snapshots, one query
    for all of them; a period with a unit missing is counted (`live_figures_many`, with the
    live periods) and its snapshots written once. So the trend's past weeks and the previous
    period cost one query, and only the current period is counted."""
    now = now or timezone.now()
    base = list(units.order_by().values("id", "name", "kind", "path", "parent_id"))
    if not base:
        return [[] for _period in periods]
    done = {number: period for number, period in enumerate(periods)
            if is_snapshotted(period, now)}
    stored = {}
    if done:
        wanted = Q()
        for period in {(p.kind, p.first_day) for p in done.values()}:
            wanted |= Q(kind=period[0], start=period[1])
        for unit_id, kind, start, figures in UnitFigures.objects.filter(
                wanted, unit_id__in=[r["id"] for r in base]).values_list(
                "unit_id", "kind", "start", "figures"):
            stored[(unit_id, kind, start)] = figures
    results = [None] * len(periods)
    for number, period in done.items():
        found = [stored.get((r["id"], period.kind, period.first_day)) for r in base]
        if all(f is not None for f in found):
            results[number] = [dict(r, **{k: f.get(k, 0) for k in SNAPSHOT_FIGURES})
                               for r, f in zip(base, found, strict=True)]
    parts = {number: _part_key(base, period) for number, period in enumerate(periods)
             if results[number] is None and not period.whole and period.end <= now}
    for number, key in parts.items():
        results[number] = _kept_part(key, base)
    missing = [number for number, rows in enumerate(results) if rows is None]
    if missing:
        counted = _live_figures(base, [periods[n] for n in missing], now)
        snapshots = []
        for number, rows in zip(missing, counted, strict=True):
            period = periods[number]
            if number in done:
                for i, row in enumerate(rows):
                    kept = stored.get((row["id"], period.kind, period.first_day))
                    if kept is not None:  # what was published stays
                        rows[i] = dict(base[i], **{k: kept.get(k, 0) for k in SNAPSHOT_FIGURES})
                    else:
                        snapshots.append(UnitFigures(
                            unit_id=row["id"], kind=period.kind, start=period.first_day,
                            figures={k: row[k] for k in SNAPSHOT_FIGURES}))
            results[number] = rows
            if number in parts:
                _keep_part(parts[number], rows)
        if snapshots:  # a concurrent writer's rows are kept: the counts are the same
            UnitFigures.objects.bulk_create(snapshots, ignore_conflicts=True)
    return results


def _part_key(base, period):
    ids = ",".join(str(pk) for pk in sorted(r["id"] for r in base))
    digest = hashlib.blake2b(ids.encode(), digest_size=12).hexdigest()
    return f"dashboard:part:{period.kind}:{period.start.isoformat()}:{period.end.isoformat()}:{digest}"


def _kept_part(key, base):
    """The kept figures of a past first part (`Period.compared_with`) for `base`, or None.

    A first part lies wholly in the past, so like a snapshot its figures stand as counted;
    unlike a snapshot they are not the period's and live only in the cache, for
    RANKING_PART_CACHE_SECONDS (an hour: `compared_with` moves by whole hours)."""
    if not settings.RANKING_PART_CACHE_SECONDS:
        return None
    try:
        kept = cache.get(key)
    except Exception:  # noqa: BLE001 — no cache: counted every time
        return None
    if kept is None:
        return None
    return [dict(r, **kept[str(r["id"])]) for r in base] \
        if all(str(r["id"]) in kept for r in base) else None


def _keep_part(key, rows):
    if not settings.RANKING_PART_CACHE_SECONDS:
        return
    try:
        cache.set(key, {str(r["id"]): {k: r[k] for k in SNAPSHOT_FIGURES} for r in rows},
                  timeout=settings.RANKING_PART_CACHE_SECONDS)
    except Exception:  # noqa: BLE001, S110
        pass


def live_figures_many(units, periods, *, now=None):
    """`unit_figures_many` counted from the records, snapshots neither read nor written."""
    now = now or timezone.now()
    base = list(units.order_by().values("id", "name", "kind", "path", "parent_id"))
    if not base:
        return [[] for _period in periods]
    return _live_figures(base, periods, now)


def _live_figures(base, periods, now):
    """For each of `periods`, [{id, name, kind, path, parent_id, <counts>}] for `base`.

    Set-based: each source (issues, their events, past states, ledgers, inspections, survey
    answers) is read with GROUP BY the unit it belongs to, within the subtree that holds
    every ranked unit, the periods' queries of a source joined by UNION ALL into one; the
    per-unit counts are then summed up each ranked unit's subtree by walking the unit's
    path. About ten queries whatever the number of periods, units or records."""
    scope = _common_path([r["path"] for r in base])
    paths = dict(Unit.objects.filter(path__startswith=scope).values_list("id", "path"))
    results, index = [], []
    for _period in periods:
        rows = [dict(r, **dict.fromkeys(FIGURES, 0)) for r in base]
        results.append(rows)
        index.append({row["path"]: row for row in rows})

    def ranked_ancestors(by_path, unit_id):
        """The ranked rows whose subtree holds the unit (itself included)."""
        path = paths.get(unit_id)
        if not path:
            return []
        parts = path.strip("/").split("/")
        found = []
        for i in range(1, len(parts) + 1):
            row = by_path.get("/" + "".join(f"{p}/" for p in parts[:i]))
            if row is not None:
                found.append(row)
        return found

    moments = [min(period.end, now) for period in periods]
    calendar = deadlines.WorkCalendar.load(
        start=deadlines.local_date(min(moments)) - dt.timedelta(days=CALENDAR_REACH),
        end=deadlines.local_date(max(moments)))
    sources = {}  # source → (key, [(period number, queryset)])
    for number, period in enumerate(periods):
        # The subtree's unit ids rather than a join on their paths: the planner then reads
        # only the scope's rows by index instead of hashing every issue. Not for the survey
        # answers: there the path join keeps the nested loop from the week's responses to
        # their answers, where a list of ids makes the planner scan every answer (timings:
        # bench/REMARKS.md, "Ranking figures").
        ids = list(paths)
        built = {**_issue_counts(ids, period, min(period.end, now), now, calendar),
                 **_ledger_counts(ids, period), **_satisfaction_counts(scope, period),
                 **_inspection_counts(ids, period)}
        for name, (key, qs) in built.items():
            sources.setdefault(name, (key, []))[1].append(
                (number, qs.annotate(_period=Value(number, output_field=IntegerField()))))
    for name, (key, parts) in sources.items():
        querysets = [qs for _number, qs in parts]
        joined = querysets[0].union(*querysets[1:], all=True).order_by() \
            if len(querysets) > 1 else querysets[0]
        for row in joined:
            by_path = index[row.pop("_period")]
            if name == "inspections":
                # Counted once for a unit that is both territorial unit and supervisor.
                territorial, supervising = (row.pop(k) for k in INSPECTION_KEY)
                targets = {id(r): r for r in ranked_ancestors(by_path, territorial)
                           + ranked_ancestors(by_path, supervising)}.values()
            else:
                targets = ranked_ancestors(by_path, row.pop(key))
            for target in targets:
                for figure, n in row.items():
                    target[figure] += n
    for rows in results:
        for row in rows:
            row["ledgers_due"] = row.pop("ledgers_lead") + row.pop("ledgers_contributing")
    return results


def score_rows(units, period, weights, *, floor=scoring.DEFAULT_FLOOR, now=None):
    """Ranked rows of `units` for `period` with figures, sub-scores, coverage and score."""
    return score_rows_many(units, [period], weights, floor=floor, now=now)[0]


def score_figures(rows, weights, *, floor=scoring.DEFAULT_FLOOR):
    """Sub-scores, coverage and score on each of `rows`, one period's figures of units
    (`unit_figures_many`), each unit's rates drawn toward its own region's: the units
    directly under the same region, all kinds pooled. Returns `rows`."""
    by_region = {}
    for row in rows:
        by_region.setdefault(row["parent_id"], []).append(row)
    for pooled in by_region.values():
        region = scoring.region_rates(pooled)
        for row in pooled:
            scoring.score(row, weights, floor, region)
    return rows


def score_rows_many(units, periods, weights, *, floor=scoring.DEFAULT_FLOOR, now=None,
                    kind=None):
    """`score_rows` for each of `periods`, in the queries of one period. Each unit's rates are
    drawn toward its own region's (`score_figures`), so a unit's index is the same in the
    district's ranking, the city's and the streets-only list; `kind` keeps only the units of
    that kind, ranked among themselves."""
    results = unit_figures_many(units, periods, now=now)
    for number, rows in enumerate(results):
        score_figures(rows, weights, floor=floor)
        if kind:
            rows = results[number] = [r for r in rows if r["kind"] == kind]
        scoring.assign_ranks(rows)
    return results


def ranking(user, period, *, kind=None, now=None):
    """The ranking the dashboard, the API and the reports show: the weights and the queries of
    one period. The previous period (`compared`, `Period.compared_with`): while this one runs,
    its first part up to the same point, counted in the same queries as this period (joined
    by UNION ALL, plus the past states at its end); once this one is over, the whole previous
    period read from its snapshots (counted and kept on first read).

    Each row: rank, id, name, kind, score, scores {key: value}, change (score minus the
    compared span's, None when either is missing), previous_rank and the raw counts."""
    now = now or timezone.now()
    weights_obj = weights_for(user)
    weights = weights_obj.weights()
    units = ranked_units(user)
    compared = period.compared_with(now)
    rows, previous = score_rows_many(units, [period, compared], weights,
                                     floor=weights_obj.floor(), now=now, kind=kind)
    before = {r["id"]: r for r in previous}
    for row in rows:
        old = before.get(row["id"])
        row["previous_score"] = old["score"] if old else None
        row["previous_rank"] = old["rank"] if old else None
        row["change"] = round(row["score"] - old["score"], 1) \
            if old and row["score"] is not None and old["score"] is not None else None
    return {"period": period, "compared": compared, "weights": weights_obj, "rows": rows,
            "top_n": weights_obj.top_n}


def compared_note(compared):
    """What 较上期 compares with, in the words the ranking page, its workbook, the report's
    PDF and the API all give."""
    if compared.whole:
        return f"较上期为与上一周期（{compared.label}）综合指数之差"
    return (f"较上期为与上一周期同一时段（{compared.span_label}，与本期已过的时间相同）"
            "综合指数之差，本期结束后改为与上一周期整期相比")


def trend(user, *, weeks=8, kind=None, now=None, names=None, this_week=None):
    """Weekly composite index of the last `weeks` weeks: {"labels": [...], "series":
    [{"name", "data"}]} for the units whose id is in `names` (all when None) and the average.
    The past weeks come from their snapshots (one query), this week is counted live: the
    queries of one period, however many weeks. `this_week`: the rows of this week's
    `ranking()` for the same user and kind when the caller has them (then not recounted)."""
    now = now or timezone.now()
    weights_obj = weights_for(user)
    weights, floor = weights_obj.weights(), weights_obj.floor()
    units = ranked_units(user)
    current = week_period(timezone.localdate(now))
    periods = []
    for _i in range(weeks):
        periods.insert(0, current)
        current = current.previous()
    if this_week is not None:
        scored = score_rows_many(units, periods[:-1], weights, floor=floor, now=now,
                                 kind=kind) + [this_week]
    else:
        scored = score_rows_many(units, periods, weights, floor=floor, now=now, kind=kind)
    labels, per_unit, average = [], {}, []
    for period, rows in zip(periods, scored, strict=True):
        labels.append(f"{period.first_day:%m-%d}")
        scored = [r["score"] for r in rows if r["score"] is not None]
        average.append(round(sum(scored) / len(scored), 1) if scored else None)
        for row in rows:
            if names is None or row["id"] in names:
                per_unit.setdefault(row["id"], {"name": row["name"], "data": []})
                per_unit[row["id"]]["data"].append(row["score"])
    series = list(per_unit.values()) + [{"name": "平均", "data": average}]
    return {"labels": labels, "series": series}


def overdue_issue_points(user, *, now=None, limit=500, region=None):
    """Overdue issues in the user's scope (of one district, `region`) with a location, for
    the map. One query, plain rows: model instances with their point, unit and category
    cost more than the query (bench/REMARKS.md, "Ranking figures")."""
    now = now or timezone.now()
    issues = Issue.objects.visible_to(user).overdue(now)
    if region is not None:
        issues = issues.filter(region=region)
    rows = (issues.order_by("deadline")
            .values_list("pk", "latitude", "longitude", "address", "point_id", "point__name",
                         "point__latitude", "point__longitude", "responsible_unit__name",
                         "category__name", "deadline")[:limit])
    marker = 987654321
    url = reverse("issues:issue-detail", args=[marker])
    points = []
    for pk, lat, lng, address, point_id, point_name, p_lat, p_lng, unit, category, deadline \
            in rows:
        # as Issue.coordinates() and Issue.location_display
        if lat is None or lng is None:
            lat, lng = (p_lat, p_lng) if point_id else (None, None)
        if lat is None or lng is None:
            continue
        points.append({
            "id": pk, "lat": float(lat), "lng": float(lng), "title": category,
            "place": point_name if point_id else (address or "（未填地址）"),
            "unit": unit or "", "days": (now - deadline).days,
            "url": url.replace(str(marker), str(pk)),
        })
    return points


def overdue_issues(user, *, now=None):
    """The 通报 list: overdue issues in scope, the latest deadline last. One query."""
    now = now or timezone.now()
    return (Issue.objects.visible_to(user).overdue(now)
            .select_related("point", "responsible_unit", "category").order_by("deadline", "pk"))


SUBSCORE_LABELS = dict(SUBSCORES)
