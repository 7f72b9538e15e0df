"""Reads of rounds too big for a queryset method: the scores, the findings' progress and the
latest field score the dashboard's projection takes."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from accounts.models import Unit
from issues.models import Issue
from points.models import PointCategory

from .models import Round, RoundFinding, RoundSample
from .scoring import PointScore, bootstrap_spread, field_score, group_means


def _end_of(day):
    """The last moment of a local date (an `until` given as a date includes that day)."""
    if isinstance(day, datetime.datetime):
        return day
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def point_scores(round_ids, *, until=None, region_path=None):
    """{round id: [PointScore]} of the inspected, scorable samples of the rounds: one query.
    `until` leaves out inspections made after it; `region_path` keeps the points in it."""
    samples = RoundSample.objects.filter(round_id__in=round_ids, inspection__isnull=False,
                                         inspection__max_score__gt=0)
    if until is not None:
        samples = samples.filter(inspection__created__lte=_end_of(until))
    if region_path:
        samples = samples.filter(point__territorial_unit__path__startswith=region_path)
    out = {pk: [] for pk in round_ids}
    for row in samples.values_list("round_id", "pk", "category_id", "district_id", "street_id",
                                   "point__supervising_unit_id", "point__territorial_unit_id",
                                   "inspection__score", "inspection__max_score"):
        rid, pk, cat, district, street, sup, terr, score, full = row
        out[rid].append(PointScore(pk, cat, district, street, sup or terr,
                                   float(score) * 100.0 / float(full)))
    return out


@dataclass
class Line:
    """One row of a score table: a category, an area or a unit, its score and points."""

    name: str
    score: float
    points: int
    pk: int | None = None


@dataclass
class RoundScores:
    """Everything the round page, the exports and the projection say about a round's score.
    `score` is None while no sampled point has been scored (尚无测评数据)."""

    round: Round
    score: float | None
    spread: float
    points: int
    sampled: int
    by_category: list = field(default_factory=list)
    by_district: list = field(default_factory=list)
    by_street: list = field(default_factory=list)
    by_unit: list = field(default_factory=list)
    previous: list = field(default_factory=list)

    @property
    def has_data(self):
        return self.score is not None


def _lines(means, names):
    lines = [Line(names.get(k, "（未归属）"), m, n, k) for k, (m, n) in means.items()]
    return sorted(lines, key=lambda line: (line.score, line.name))


def previous_rounds(round, limit=5):
    """The region's rounds that started before this one (newest first)."""
    return list(Round.objects.filter(region_id=round.region_id).filter(
        Q(starts__lt=round.starts) | Q(starts=round.starts, pk__lt=round.pk)
    ).order_by("-starts", "-pk")[:limit])


def round_scores(round, *, with_previous=True):
    """The round's scores per category, district, street, responsible unit (行业主管部门, else
    属地单位) and the field score with its spread; the previous rounds' field scores beside.
    Queries: samples count, one for the scores (all rounds together), names of categories and
    units, the previous rounds."""
    previous = previous_rounds(round) if with_previous else []
    scores = point_scores([round.pk] + [r.pk for r in previous])
    mine = scores[round.pk]
    result = RoundScores(round=round, score=field_score(mine), spread=0.0, points=len(mine),
                         sampled=round.samples.count())
    result.previous = [(r, field_score(scores[r.pk]), len(scores[r.pk])) for r in previous]
    if not mine:
        return result
    result.spread = bootstrap_spread(mine, seed=round.seed or 0)
    categories = dict(PointCategory.objects.filter(
        pk__in={s.category_id for s in mine}).values_list("pk", "name"))
    unit_ids = {s.district_id for s in mine} | {s.street_id for s in mine} | {
        s.unit_id for s in mine}
    units = dict(Unit.objects.filter(pk__in=unit_ids - {None}).values_list("pk", "name"))
    result.by_category = _lines(group_means(mine, "category_id"), categories)
    result.by_district = _lines(group_means(mine, "district_id"), units)
    result.by_street = _lines(group_means(mine, "street_id"), units)
    result.by_unit = _lines(group_means(mine, "unit_id"), units)
    return result


def round_list_scores(rounds):
    """{round id: (field score or None, points scored)} for a page of rounds: one query."""
    scores = point_scores([r.pk for r in rounds])
    return {pk: (field_score(v), len(v)) for pk, v in scores.items()}


@dataclass
class FieldScore:
    """The latest round's field score in a region (the projection's 实地考察 part)."""

    round: Round
    score: float
    points: int
    spread: float

    @property
    def source(self):
        """Where the figure comes from, in the office's words."""
        r = self.round
        return (f"{r.name}（{r.get_kind_display()}，{r.starts:%Y-%m-%d}至{r.ends:%Y-%m-%d}，"
                f"{self.points}个点位）")


def latest_field_score(region, *, until=None, year=None):
    """The field score of the latest round (by start date; of `year` if given) run over
    `region` or a region above it that has scored inspections (made by `until` if given) of
    points in `region`; None when there is none. A round over the city scores a district
    from the district's sampled points. Queries: the candidate rounds, then one per round
    tried until one has scores (usually the first)."""
    ancestors = region.ancestor_ids() or [region.pk]  # the path holds the unit itself too
    rounds = Round.objects.filter(region_id__in=ancestors, drawn_at__isnull=False).select_related(
        "region").order_by("-starts", "-pk")
    if year is not None:
        rounds = rounds.filter(starts__year=year)
    if until is not None:
        day = until.date() if isinstance(until, datetime.datetime) else until
        rounds = rounds.filter(starts__lte=day)
    path = region.path
    for candidate in rounds[:20]:
        scores = point_scores([candidate.pk], until=until, region_path=path)[candidate.pk]
        if scores:
            return FieldScore(round=candidate, score=field_score(scores), points=len(scores),
                              spread=bootstrap_spread(scores, seed=candidate.seed or 0))
    return None


@dataclass
class FindingsSummary:
    """How the round's findings went on: filed, closed (整改率), overdue, relapsed."""

    total: int = 0
    closed: int = 0
    overdue: int = 0
    next_round: Round | None = None
    relapsed: int = 0
    repeated_from_previous: int = 0

    @property
    def rate(self):
        return self.closed * 100.0 / self.total if self.total else None


def _failed_pairs(round_id):
    return set(RoundFinding.objects.filter(round_id=round_id).values_list(
        "sample__point_id", "result__check_item_id"))


def findings_summary(round, *, now=None):
    """Counts of the round's findings by issue state, and relapses: the same checklist item
    failing again at the same point in the region's next round (反弹), and in this round the
    ones already found in the previous round. A handful of queries."""
    now = now or timezone.now()
    issues = Issue.objects.filter(round_finding__round=round)
    summary = FindingsSummary(
        total=issues.count(), closed=issues.filter(status=Issue.Status.CLOSED).count(),
        overdue=issues.overdue(now).count())
    later = Round.objects.filter(region_id=round.region_id).filter(
        Q(starts__gt=round.starts) | Q(starts=round.starts, pk__gt=round.pk)
    ).order_by("starts", "pk").first()
    mine = _failed_pairs(round.pk) if summary.total else set()
    if later is not None:
        summary.next_round = later
        summary.relapsed = len(mine & _failed_pairs(later.pk)) if mine else 0
    before = previous_rounds(round, limit=1)
    if before and mine:
        summary.repeated_from_previous = len(mine & _failed_pairs(before[0].pk))
    return summary


def relapsed_pairs(round):
    """(point id, check item id) of this round's findings already found in the previous
    round: the findings page marks them 反弹."""
    before = previous_rounds(round, limit=1)
    return _failed_pairs(before[0].pk) if before else set()
