"""Benchmarks of the mock assessment rounds (issue #15), run by `make bench` through one line
of bench/run.py:

* rounds.draw: drawing a round (`round_draw`: every fixed point, 30 % of the others,
  stratified by street, the sample inserted) over the office's district topped up to 5,000
  active points (target 1 s);
* rounds.score: the round's scores (`round_scores`: per category, district, street and
  unit, the field score and its bootstrap spread, the previous rounds beside) of a round of
  1,000 inspected points drawn from those, two earlier rounds of 1,000 beside (target 1 s).

The points, the rounds and the inspections are bulk-created inside the benchmark and rolled
back; the data set stays as generated.
"""

import itertools
import random
import statistics
from decimal import Decimal

from bench.run import SEED, captured, replay, rolled_back, timed

DRAW_POINTS = 5_000
SCORED_POINTS = 1_000


def run(b, office):
    if not (b.wanted("rounds.draw") or b.wanted("rounds.score")):
        return
    print("Mock assessment rounds", flush=True)
    with rolled_back():
        region, points = _district_points(office)
        bench_draw(b, office, region, points)
        bench_score(b, office, region)


def _district_points(office):
    """The office's district and how many active points it had before it was topped up to
    DRAW_POINTS (bulk)."""
    from accounts.models import Unit
    from points.models import Point, PointCategory

    region = Unit.objects.get(pk=office.unit.parent_id)
    active = Point.objects.filter(is_active=True, territorial_unit__path__startswith=region.path)
    have = active.count()
    units = list(Unit.objects.filter(path__startswith=region.path, kind__in=[
        Unit.Kind.STREET, Unit.Kind.COMMUNITY]).order_by("pk"))
    categories = list(PointCategory.objects.order_by("pk"))
    rng = random.Random(SEED)
    Point.objects.bulk_create([
        Point(name=f"测评点位{n}", category=categories[n % len(categories)],
              territorial_unit=units[rng.randrange(len(units))],
              kind=Point.Kind.FIXED if n % 10 == 0 else Point.Kind.RANDOM,
              latitude=Decimal("38.93") + Decimal(rng.randint(-8000, 8000)) / 100000,
              longitude=Decimal("100.45") + Decimal(rng.randint(-10000, 10000)) / 100000)
        for n in range(max(DRAW_POINTS - have, 0))], batch_size=2000)
    return region, have


def _round(office, region, name, starts):
    from points.models import Framework
    from rounds.models import Round
    from rounds.services import current_framework

    framework = current_framework() or Framework.objects.create(
        name="全国文明城市测评体系", edition="2022年版", year=2022, is_current=True)
    return Round.objects.create(name=name, region=region, framework=framework, starts=starts,
                                ends=starts, created_by=office)


def bench_draw(b, office, region, had):
    import datetime as dt

    from points.models import Point
    from rounds.models import Round
    from rounds.services import round_draw

    name = "rounds.draw"
    if not b.wanted(name):
        return
    # After the scored rounds, so it is not one of their previous rounds.
    round = _round(office, region, "抽样基准轮次", dt.date(2026, 6, 1))
    active = Point.objects.filter(is_active=True, territorial_unit__path__startswith=region.path)
    rules = {pk: (True, 30) for pk in active.values_list("category_id", flat=True).distinct()}
    seeds = itertools.count(SEED)
    times = timed(lambda: round_draw(round=round, rules=rules, by=office, seed=next(seeds)),
                  b.args.runs, warmup=1)
    _r, statements = captured(lambda: round_draw(round=round, rules=rules, by=office,
                                                 seed=next(seeds)))
    sql_ms = statistics.median(_replay_draw(round, statements, max(b.args.runs // 3, 3)))
    sampled = Round.objects.get(pk=round.pk).samples.count()
    b.add(name, times, floor_ms=sql_ms, target_ms=1000, queries=len(statements), notes=(
        f"round_draw over {active.count():,} active points of one district ({had:,} "
        f"generated, the rest added for the benchmark, a tenth of those fixed) in "
        f"{len(rules)} categories: every fixed point plus 30 % of the others stratified by "
        f"street, {sampled:,} sampled points inserted and the previous draw deleted; a new "
        f"seed each run; floor = its SQL replayed raw, without the sample's rows (written by "
        f"COPY on PostgreSQL, which is not replayed)"))


def _replay_draw(round, statements, runs):
    """Wall times of the draw's SQL replayed raw, each run after the sample it inserted is
    removed again (outside the time), rolled back."""
    import time

    from django.db import transaction

    times = []
    for _ in range(runs):
        with transaction.atomic():
            round.samples.all().delete()
            round.rules.all().delete()
            started = time.perf_counter()
            replay(statements)
            times.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    return times


def bench_score(b, office, region):
    import datetime as dt

    from points.models import Inspection, Point
    from rounds.models import RoundSample
    from rounds.selectors import round_scores
    from rounds.services import round_draw

    name = "rounds.score"
    if not b.wanted(name):
        return
    rng = random.Random(SEED + 1)
    categories = set(Point.objects.filter(
        is_active=True, territorial_unit__path__startswith=region.path).values_list(
        "category_id", flat=True))
    rounds = []
    for n, starts in enumerate([dt.date(2025, 9, 1), dt.date(2026, 1, 1), dt.date(2026, 4, 1)]):
        round = _round(office, region, f"计分基准轮次{n + 1}", starts)
        round_draw(round=round, rules={pk: (True, 40) for pk in categories}, by=office,
                   seed=SEED + n)
        samples = rng.sample(list(round.samples.order_by("pk")), SCORED_POINTS)
        round.samples.exclude(pk__in=[s.pk for s in samples]).delete()
        inspections = Inspection.objects.bulk_create([
            Inspection(point_id=s.point_id, inspector=office, max_score=Decimal(10),
                       score=Decimal(rng.choice([10, 10, 10, 9, 8, 7, 6, 4, 0])), passed=True)
            for s in samples], batch_size=2000)
        for sample, inspection in zip(samples, inspections, strict=True):
            sample.inspection = inspection
        RoundSample.objects.bulk_update(samples, ["inspection"], batch_size=2000)
        rounds.append(round)
    latest = rounds[-1]
    scores, statements = captured(lambda: round_scores(latest))
    times = timed(lambda: round_scores(latest), b.args.runs, warmup=1)
    sql_ms = statistics.median(timed(lambda: replay(statements), b.args.runs, warmup=1))
    spread = (f"{len(scores.by_category)} categories, {len(scores.by_street)} streets, "
              f"{len(scores.by_unit)} units")
    b.add(name, times, floor_ms=sql_ms, target_ms=1000, queries=len(statements),
          notes=f"round_scores of a round of {scores.points:,} inspected points ({spread}) "
                f"with the 200-resample bootstrap spread, the {len(scores.previous)} previous "
                f"rounds of 1,000 points scored beside; floor = its SQL replayed raw")
