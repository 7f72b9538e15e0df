"""Writes of rounds: saving a round, the draw, swapping a drawn point, teams and their
routes, and a round's inspection (the points inspection flow, linked to the round and filing
its findings as issues tagged with the round)."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import NotInScope, Role, Unit, User
from accounts.scoping import may_write
from issues.models import Source
from jobs.bulk import insert_rows
from points.models import Framework, Point, PointCategory
from points.services import inspection_create

from .models import Round, RoundFinding, RoundSample, RoundTeam, SampleSwap, SamplingRule
from .sampling import Candidate, draw, nearest_neighbour_route, replacement, split_among_teams

# The source an issue found in a round is filed under.
ISSUE_SOURCE = {
    Round.Kind.SELF: Source.DAILY,
    Round.Kind.MOCK: Source.MOCK,
    Round.Kind.UNDERCOVER: Source.UNDERCOVER,
    Round.Kind.PROVINCIAL: Source.PROVINCIAL,
    Round.Kind.NATIONAL: Source.NATIONAL,
}
MAX_SEED = 2**53  # what a spreadsheet and a browser show without rounding


def _check_office(user):
    if not may_write(user, {Role.OFFICE}):
        raise PermissionDenied("只有创城办工作人员可以安排测评轮次。")


def _lock_round(round, by):
    return Round.objects.visible_to(by).fetch(round.pk, lock=True)


def _not_inspected(round):
    if round.samples.filter(inspection__isnull=False).exists():
        raise ValidationError({"__all__": "本轮已有测评记录，不能再重新抽样。"})


@transaction.atomic
def round_save(*, round, by):
    """Create or update a round (office staff). The region must be the caller's district or
    city (or one inside it); once drawn, region and stratification stay as drawn. Raises
    PermissionDenied, ValidationError (field keys), NotInScope (404) for another region's
    round."""
    _check_office(by)
    before = _lock_round(round, by) if round.pk else None
    errors = {}
    regions = Unit.objects.visible_to(by).filter(kind__in=Unit.REGION_KINDS)
    if round.region_id and not regions.filter(pk=round.region_id).exists():
        errors["region"] = "测评范围须为您管辖的区县或城市。"
    if round.starts and round.ends and round.ends < round.starts:
        errors["ends"] = "结束日期不能早于开始日期。"
    if before is not None and before.is_drawn and (
            before.region_id != round.region_id or before.strata != round.strata):
        errors["region"] = "已抽样的轮次不能再改测评范围或分层方式（可重新抽样前修改）。"
    if errors:
        raise ValidationError(errors)
    if round.pk is None:
        round.created_by = by
    round.full_clean()
    round.save()
    return round


def default_rules(round):
    """{category: (include_fixed, share)} for the draw form: the round's own rules, else the
    round's default share for every category with active points in the region."""
    rules = {r.category_id: (r.include_fixed, r.random_share) for r in round.rules.all()}
    out = {}
    present = set(Point.objects.filter(
        is_active=True, territorial_unit__path__startswith=round.region.path
    ).values_list("category_id", flat=True).distinct())
    for category in PointCategory.objects.filter(pk__in=present | set(rules)):
        out[category] = rules.get(category.pk, (True, round.random_share))
    return out


def _areas(region):
    """{unit id: (district id, street id)} of every unit under the region: one query."""
    units = list(Unit.objects.filter(path__startswith=region.path).values_list(
        "pk", "kind", "path"))
    kinds = {pk: kind for pk, kind, _ in units}
    out = {}
    for pk, _, path in units:
        ids = [int(p) for p in path.strip("/").split("/") if p]
        district = next((i for i in ids if kinds.get(i) == Unit.Kind.DISTRICT), None)
        street = next((i for i in ids if kinds.get(i) == Unit.Kind.STREET), None)
        out[pk] = (district, street)
    return out


def _stratum(round, district, street):
    return district if round.strata == Round.Strata.DISTRICT else (street or district)


@transaction.atomic
def round_draw(*, round, rules, by, seed=None):
    """Draw the round's sample (`sampling.draw`) from the active points of its region with
    `rules` {category id: (include_fixed, share %)} and `seed` (a new random one when None),
    replacing any earlier draw and its swaps and team assignments. Locks the round; refused
    (ValidationError) once a sample point was inspected. Queries: a constant handful plus a
    bulk insert, whatever the number of points."""
    _check_office(by)
    round = _lock_round(round, by)
    _not_inspected(round)
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    if not 0 <= seed < MAX_SEED:
        raise ValidationError({"seed": "随机种子须为0到9007199254740991之间的整数。"})
    errors = {}
    if any(not 0 <= share <= 100 for _, share in rules.values()):
        errors["rules"] = "随机抽取比例须在0到100之间。"
    if not rules:
        errors["rules"] = "请至少为一个点位类别设置抽样规则。"
    if errors:
        raise ValidationError(errors)
    _clear_draw(round)
    SamplingRule.objects.bulk_create([
        SamplingRule(round=round, category_id=cid, include_fixed=fixed, random_share=share)
        for cid, (fixed, share) in rules.items()])
    areas = _areas(round.region)
    rows = list(Point.objects.filter(
        is_active=True, territorial_unit__path__startswith=round.region.path,
        category_id__in=list(rules)).values_list("pk", "category_id", "kind",
                                                 "territorial_unit_id"))
    candidates = [Candidate(pk, cat, kind == Point.Kind.FIXED,
                            _stratum(round, *areas.get(unit, (None, None))))
                  for pk, cat, kind, unit in rows]
    info = {pk: (cat, unit) for pk, cat, _, unit in rows}
    picked = draw(candidates, rules, seed)
    # Thousands of rows: plain values, not model instances (jobs.bulk).
    insert_rows(RoundSample, ["round_id", "point_id", "category_id", "is_fixed", "district_id",
                              "street_id"],
                ((round.pk, pk, info[pk][0], fixed, *areas.get(info[pk][1], (None, None)))
                 for pk, fixed in picked))
    round.seed = seed
    round.drawn_at = timezone.now()
    round.drawn_by = by
    round.save(update_fields=["seed", "drawn_at", "drawn_by"])
    return round


def _clear_draw(round):
    """The earlier draw out: its swaps, rules and samples, a statement each. Nothing else
    hangs off a sample before it is inspected (refused above), so the samples go by one
    DELETE rather than through the ORM's collector, which would load all of them first."""
    round.swaps.all().delete()
    round.rules.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(RoundSample._meta.db_table)} "
                       "WHERE round_id = %s", [round.pk])


def swap_candidates(sample):
    """Points that may replace a drawn one: active, same category and stratum, not in the
    sample (the whole region when the stratum has none left)."""
    round = sample.round
    taken = round.samples.values("point_id")
    pool = Point.objects.filter(is_active=True, category_id=sample.category_id,
                                territorial_unit__path__startswith=round.region.path
                                ).exclude(pk__in=taken)
    if sample.is_fixed:
        pool = pool.filter(kind=Point.Kind.FIXED)
    else:
        pool = pool.exclude(kind=Point.Kind.FIXED) if round.rules.filter(
            category_id=sample.category_id, include_fixed=True).exists() else pool
    area = sample.district if round.strata == Round.Strata.DISTRICT else (
        sample.street or sample.district)
    if area is not None and pool.filter(territorial_unit__path__startswith=area.path).exists():
        pool = pool.filter(territorial_unit__path__startswith=area.path)
    return pool


@transaction.atomic
def sample_swap(*, sample, reason, by, new_point=None):
    """Replace a drawn point (office staff) by `new_point`, or by one drawn from
    `swap_candidates` with the round's seed, and record who, when, why (SampleSwap). Refused
    once the point was inspected or without a reason. Returns the SampleSwap."""
    _check_office(by)
    sample = RoundSample.objects.visible_to(by).select_for_update(of=("self",)).select_related(
        "round__region", "district", "street").get(pk=sample.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写替换原因（如：点位已拆除、正在施工）。"})
    if sample.inspection_id:
        raise ValidationError({"__all__": "该点位已测评，不能替换。"})
    pool = swap_candidates(sample)
    if new_point is not None:
        if not pool.filter(pk=new_point.pk).exists():
            raise ValidationError({"new_point": "替换点位须为同类别、未被抽中的在用点位。"})
    else:
        pk = replacement(pool.values_list("pk", flat=True), sample.round.seed,
                         f"{sample.pk}:{sample.swaps.count()}")
        if pk is None:
            raise ValidationError({"new_point": "没有可替换的同类别点位。"})
        new_point = Point.objects.get(pk=pk)
    swap = SampleSwap.objects.create(round=sample.round, sample=sample,
                                     old_point_id=sample.point_id, new_point=new_point,
                                     reason=reason[:200], by=by)
    areas = _areas(sample.round.region)
    sample.point = new_point
    sample.district_id, sample.street_id = areas.get(new_point.territorial_unit_id,
                                                     (None, None))
    sample.save(update_fields=["point", "district", "street"])
    return swap


def team_members_choices(round):
    """Who may walk in a round's team: active inspectors and office staff of its region."""
    return User.objects.filter(is_active=True, role__in=[Role.INSPECTOR, Role.OFFICE],
                               unit__region_path__startswith=round.region.path)


@transaction.atomic
def team_save(*, team, members, by):
    """Create or update a team of the round (office staff); members must be inspectors or
    office staff of the round's region."""
    _check_office(by)
    _lock_round(team.round, by)
    if team.pk:
        RoundTeam.objects.visible_to(by).filter(round=team.round).get(pk=team.pk)
    allowed = set(team_members_choices(team.round).values_list("pk", flat=True))
    if not members:
        raise ValidationError({"members": "请至少选择一名组员。"})
    if any(m.pk not in allowed for m in members):
        raise ValidationError({"members": "组员须为本测评范围内的督查员或创城办工作人员。"})
    if (team.start_latitude is None) != (team.start_longitude is None):
        raise ValidationError({"start_latitude": "出发地的经度和纬度需同时填写。"})
    team.full_clean()
    team.save()
    team.members.set(members)
    return team


@transaction.atomic
def teams_assign(*, round, by):
    """Split the sample among the round's teams by area (`split_among_teams`) and order each
    team's stops by nearest neighbour from its start point. Points already inspected keep
    their team. Queries: a constant handful and one bulk update."""
    _check_office(by)
    round = _lock_round(round, by)
    teams = list(round.teams.order_by("name", "pk"))
    if not teams:
        raise ValidationError({"__all__": "请先添加督查组。"})
    samples = list(round.samples.select_related("point"))
    if not samples:
        raise ValidationError({"__all__": "请先抽取点位。"})
    free = [s for s in samples if not s.inspection_id or s.team_id is None]
    plan = split_among_teams(
        [(s.pk, _stratum(round, s.district_id, s.street_id)) for s in free],
        [t.pk for t in teams])
    for s in free:
        s.team_id = plan[s.pk]
    by_team = {t.pk: [] for t in teams}
    for s in samples:
        by_team[s.team_id].append(s)
    for team in teams:
        stops = [(s.pk, s.point.latitude, s.point.longitude, s.point.name)
                 for s in by_team[team.pk]]
        start = (team.start_latitude, team.start_longitude) if team.has_start else None
        order = {pk: i for i, pk in enumerate(nearest_neighbour_route(stops, start), start=1)}
        for s in by_team[team.pk]:
            s.route_order = order[s.pk]
    RoundSample.objects.bulk_update(samples, ["team", "route_order"], batch_size=1000)
    return round


@transaction.atomic
def sample_inspect(*, sample, by, results, notes=""):
    """Inspect a sampled point for its round: the points inspection (`inspection_create`,
    scored the assessors' way) by a member of the point's team or office staff, linked to
    the sample; every failed item is filed as an issue (source from the round's kind, the
    round's name in front) and recorded as a RoundFinding. Locks the sample; raises
    NotInScope (404) outside the rounds `by` sees, PermissionDenied (403) for an inspector
    of another team, ValidationError when the point was already inspected in this round."""
    # The round first, as a redraw locks it: a draw cannot delete the sample while it is
    # being inspected, nor an inspection land on a sample a draw is replacing.
    list(Round.objects.select_for_update().filter(pk=sample.round_id).values_list("pk"))
    try:
        # Among the samples of the rounds `by` sees, so another team's stop is refused (403)
        # rather than missing.
        sample = RoundSample.objects.filter(round__in=Round.objects.visible_to(by)).select_for_update(
            of=("self",)).select_related("round", "point").get(pk=sample.pk)
    except RoundSample.DoesNotExist:
        raise NotInScope("该测评点位不存在或不在您的范围内。") from None
    if not may_write(by, {Role.OFFICE, Role.INSPECTOR}):
        raise PermissionDenied("只有督查员和创城办工作人员可以录入测评。")
    if by.role == Role.INSPECTOR and not by.is_superuser and not (
            sample.team_id and sample.team.members.filter(pk=by.pk).exists()):
        raise PermissionDenied("该点位不在您所在督查组的路线上。")
    if sample.inspection_id:
        raise ValidationError({"results": ["该点位本轮已测评，不能重复录入。"]})
    round = sample.round
    inspection = inspection_create(point=sample.point, by=by, results=results, notes=notes,
                                   source=ISSUE_SOURCE[round.kind], label=round.name)
    sample.inspection = inspection
    sample.save(update_fields=["inspection"])
    RoundFinding.objects.bulk_create([
        RoundFinding(round=round, sample=sample, result=result, issue=issue)
        for result, issue in inspection.filed_issues])
    return inspection


def inspection_saved_message(inspection, filed):
    """What the inspector reads once a round inspection is saved (page and API alike)."""
    return (f"本轮测评已保存：得分 {inspection.score}/{inspection.max_score}"
            f"{f'，{filed} 个问题已转为整改问题' if filed else ''}。")


def current_framework():
    return Framework.objects.filter(is_current=True).first() or Framework.objects.first()
