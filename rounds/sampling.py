"""The draw and the route, as plain functions of plain data (no queries), so the same seed
gives the same points wherever it runs and tests can state the rules directly.

The draw, per point category:
- every 固定点位 is in the sample (when the category's rule says so);
- of the other points, ⌈share × their number⌉ are drawn at random;
- that random part is spread over the strata (districts or streets): every stratum with
  points gets one first (when there are enough to give), the rest in proportion to what each
  stratum still has (largest remainder), and each stratum's points are drawn with a random
  generator seeded by (seed, category, stratum) — so a point's chance never depends on the
  order other categories or strata were drawn in.

The route: nearest neighbour from the team's start point (or, without one, from the
northernmost point): always walk to the closest point not yet visited. Points without
coordinates come last, by name.
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass

from points.services import haversine_m


@dataclass(frozen=True)
class Candidate:
    pk: int
    category_id: int
    is_fixed: bool
    stratum: int | None


def random_count(share, available):
    """How many of `available` points a share in % draws: ⌈share × available / 100⌉."""
    return min(available, math.ceil(share * available / 100))


def allocate(total, sizes):
    """Split `total` draws over strata of `sizes` {stratum: size}: one each first when total
    allows, then in proportion to what each has left (largest remainder, ties by stratum)."""
    keys = sorted(sizes, key=lambda k: (k is None, k or 0))
    share = {k: 0 for k in keys}
    total = min(total, sum(sizes.values()))
    if total <= 0 or not keys:
        return share
    if total < len(keys):
        # Fewer draws than areas: the areas that get one are drawn too (by the caller's rng).
        return share
    for k in keys:
        share[k] = 1
    left = total - len(keys)
    room = {k: sizes[k] - 1 for k in keys}
    capacity = sum(room.values())
    if left and capacity:
        exact = {k: left * room[k] / capacity for k in keys}
        floors = {k: math.floor(exact[k]) for k in keys}
        rest = left - sum(floors.values())
        order = sorted(keys, key=lambda k: (-(exact[k] - floors[k]), keys.index(k)))
        for k in order[:rest]:
            floors[k] += 1
        for k in keys:
            share[k] += floors[k]
    return share


def draw(candidates, rules, seed):
    """[(pk, is_fixed)] of the sample. `candidates` are Candidate rows, `rules`
    {category_id: (include_fixed, share %)}; categories without a rule are not sampled."""
    by_category = defaultdict(list)
    for c in candidates:
        by_category[c.category_id].append(c)
    chosen = []
    for category_id in sorted(by_category):
        if category_id not in rules:
            continue
        include_fixed, share = rules[category_id]
        rows = sorted(by_category[category_id], key=lambda c: c.pk)
        if include_fixed:
            chosen.extend((c.pk, True) for c in rows if c.is_fixed)
            rows = [c for c in rows if not c.is_fixed]
        strata = defaultdict(list)
        for c in rows:
            strata[c.stratum].append(c.pk)
        total = random_count(share, len(rows))
        counts = allocate(total, {k: len(v) for k, v in strata.items()})
        if 0 < total < len(strata):
            picked = random.Random(f"{seed}:{category_id}:areas").sample(
                sorted(strata, key=lambda k: (k is None, k or 0)), total)
            counts = {k: 1 if k in picked else 0 for k in strata}
        for stratum in sorted(strata, key=lambda k: (k is None, k or 0)):
            rng = random.Random(f"{seed}:{category_id}:{stratum}")
            chosen.extend((pk, False) for pk in sorted(rng.sample(strata[stratum],
                                                                  counts[stratum])))
    return chosen


def replacement(candidates, seed, salt):
    """One of `candidates` (pks) for a swapped point, repeatable for the same seed and salt."""
    pool = sorted(candidates)
    if not pool:
        return None
    return random.Random(f"{seed}:swap:{salt}").choice(pool)


def split_among_teams(samples, team_ids):
    """{sample pk: team id}: whole strata go to one team each, the largest stratum first to
    the team with the fewest points so far, so every team gets compact areas of similar size.
    `samples` are (pk, stratum) pairs."""
    if not team_ids:
        return {}
    strata = defaultdict(list)
    for pk, stratum in samples:
        strata[stratum].append(pk)
    load = {t: 0 for t in team_ids}
    out = {}
    for stratum in sorted(strata, key=lambda k: (-len(strata[k]), k is None, k or 0)):
        team = min(team_ids, key=lambda t: (load[t], team_ids.index(t)))
        for pk in strata[stratum]:
            out[pk] = team
        load[team] += len(strata[stratum])
    return out


def nearest_neighbour_route(stops, start=None):
    """Stop pks in walking order. `stops` are (pk, lat, lng, name) with lat/lng possibly None;
    `start` a (lat, lng) or None (then the northernmost stop is the first)."""
    located = [s for s in stops if s[1] is not None and s[2] is not None]
    unlocated = sorted((s for s in stops if s[1] is None or s[2] is None),
                       key=lambda s: (s[3], s[0]))
    order = []
    left = sorted(located, key=lambda s: s[0])
    if start is None and left:
        first = max(left, key=lambda s: (float(s[1]), -s[0]))
        order.append(first)
        left.remove(first)
    here = (order[-1][1], order[-1][2]) if order else start
    while left:
        nxt = min(left, key=lambda s: (haversine_m(here[0], here[1], s[1], s[2]), s[0]))
        order.append(nxt)
        left.remove(nxt)
        here = (nxt[1], nxt[2])
    return [s[0] for s in order + unlocated]
