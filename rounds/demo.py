"""Demo data of the rounds: two finished 模拟测评 rounds over 城关区, some ten weeks apart,
each drawn with a recorded seed, split between two inspector teams with their routes and
every sampled point inspected through the round's inspection service, so failed items are
issues tagged with the round. The earlier round's findings were mostly rectified; two of
them fail again in the later round (反弹)."""

import datetime as dt
import random

from django.utils import timezone

from issues import services as issue_services
from issues.demo import backdate, draw_photo
from issues.models import Issue, IssuePhoto
from issues.tasks import process_issue_photo
from points.demo import tiny_photo
from points.models import Inspection, InspectionResult, PointCategory

from .models import Round, RoundTeam
from .services import current_framework, round_draw, sample_inspect, team_save, teams_assign

# The categories sampled and the share of their non-fixed points drawn at random.
SAMPLED = ["农贸市场", "背街小巷", "公共厕所", "公交站点"]
SHARE = 50
# (days before today it started, days it lasted, recorded seed) of each round, oldest first.
ROUNDS = [(75, 4, 20260301), (12, 4, 20260512)]
TEAMS = [("第一组", "inspector"), ("第二组", "inspector2")]
RELAPSES = 2  # findings of the earlier round that fail again in the later one
Verdict = InspectionResult.Verdict


def _verdict(rng, first):
    roll = rng.random()
    if roll < 0.10:
        return Verdict.FAIL
    if roll < 0.12:
        return Verdict.SEVERE
    if roll < 0.17 and not first:
        return Verdict.NA
    return Verdict.PASS


def _results(sample, rng, earlier, relapses):
    """One verdict per checklist item: random, except that an item failed at this point in
    the earlier round passes now (rectified) unless it is one of the planned relapses."""
    results = []
    for j, item in enumerate(sample.category.check_items.all()):
        verdict = _verdict(rng, j == 0)
        if (sample.point_id, item.pk) in earlier:
            verdict = Verdict.FAIL if relapses else Verdict.PASS
            relapses -= verdict == Verdict.FAIL
        results.append({"check_item": item, "verdict": verdict,
                        "note": "现场抽查" if verdict in InspectionResult.FAILED else "",
                        "photo": tiny_photo() if verdict in InspectionResult.FAILED else None})
    return results, relapses


def _follow_up(city, issues, *, rectified):
    """The findings went on through the workflow: assigned to a bureau, and for the earlier
    round rectified and closed, except those in 西关街道 (the summoned street), which holds
    them still open and long overdue."""
    office = city.users["office"]
    bureaus = [("区城管局", "liaison"), ("区住建局", "liaison2")]
    laggard = city.units["西关街道"]
    for n, (issue, found) in enumerate(issues):
        unit, liaison = city.units[bureaus[n % 2][0]], bureaus[n % 2][1]
        left_open = issue.point.territorial_unit.path.startswith(laggard.path)
        if rectified and left_open:
            unit = laggard
        issue_services.issue_assign(issue=issue, by=office, responsible_unit=unit,
                                    now=found if rectified else None)
        finished = None
        if rectified and not left_open:
            issue_services.issue_submit(
                issue=issue, by=city.users[liaison], note="已按测评要求整改到位。",
                photos=[draw_photo(6000 + issue.pk, after=True, name=f"整改后{n}.jpg")])
            issue_services.issue_approve(issue=issue, by=office, reason="复查合格，予以销号。")
            finished = found + dt.timedelta(days=3)
        elif rectified:  # left open: handed to the street the day it was found
            finished = found + dt.timedelta(hours=12)
        issue.refresh_from_db()
        backdate(issue, found, finished)


def seed(city):
    """Two rounds, their teams, routes, inspections and findings (skipped when the district
    has rounds)."""
    if Round.objects.filter(region=city.district).exists():
        return
    office = city.users["office"]
    categories = PointCategory.objects.filter(name__in=SAMPLED)
    rules = {c.pk: (True, SHARE) for c in categories}
    today = timezone.localdate()
    earlier = set()
    relapses = 0
    for number, (ago, days, seed_value) in enumerate(ROUNDS, start=1):
        starts = today - dt.timedelta(days=ago)
        round = Round.objects.create(
            name=f"{starts.year}年{starts.month}月模拟测评", kind=Round.Kind.MOCK,
            region=city.district, framework=current_framework(), starts=starts,
            ends=starts + dt.timedelta(days=days), created_by=office)
        round_draw(round=round, rules=rules, by=office, seed=seed_value)
        for name, username in TEAMS:
            team_save(team=RoundTeam(round=round, name=name), members=[city.users[username]],
                      by=office)
        teams_assign(round=round, by=office)
        rng = random.Random(seed_value)
        found = []
        samples = round.samples.select_related("point", "category", "team").prefetch_related(
            "team__members", "category__check_items").order_by("team__name", "route_order")
        for n, sample in enumerate(samples):
            results, relapses = _results(sample, rng, earlier, relapses)
            inspection = sample_inspect(sample=sample, by=sample.team.members.all()[0],
                                        results=results, notes=f"{round.name}，{sample.team}")
            # Walked over the round's days, a stop about every half hour.
            when = timezone.make_aware(dt.datetime.combine(starts, dt.time(9))) + dt.timedelta(
                days=n % (days + 1), minutes=30 * (n // (days + 1)))
            Inspection.objects.filter(pk=inspection.pk).update(created=when)
            found.extend((issue, when) for _, issue in inspection.filed_issues)
        _follow_up(city, found, rectified=number < len(ROUNDS))
        earlier = set(round.findings.values_list("sample__point_id", "result__check_item_id"))
        relapses = RELAPSES
    for pk in IssuePhoto.objects.filter(
            processed_at__isnull=True, issue__in=Issue.objects.filter(
                round_finding__round__region=city.district)).values_list("pk", flat=True):
        process_issue_photo(pk)
