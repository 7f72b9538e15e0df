"""The round's field score, the assessors' way, from each sampled point's score rate.

A point's rate is its inspection's score over its full marks × 100 (`points.models.
assessed_score`: failed items deduct their weight, severe ones what the standard says,
不适用 items leave the full marks; a point whose items were all 不适用 is not scored).
A category's score is the mean rate of its points; a district's, street's or responsible
unit's the mean rate of its points; the city's is the mean of the category scores (every
category counts the same, as the 测评体系 scores each category of point on its own).

The spread: the same score recomputed on 200 bootstrap resamples (points drawn with
replacement within each category), half the width of the middle 95 %: how much a different
random draw of the same size would likely move the score.
"""

import random
from collections import defaultdict
from dataclasses import dataclass

BOOTSTRAP_REPS = 200


@dataclass(frozen=True)
class PointScore:
    sample_id: int
    category_id: int
    district_id: int | None
    street_id: int | None
    unit_id: int | None
    rate: float


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


def group_means(scores, key):
    """{key value: (mean rate, number of points)}."""
    groups = defaultdict(list)
    for s in scores:
        groups[getattr(s, key)].append(s.rate)
    return {k: (mean(v), len(v)) for k, v in groups.items()}


def field_score(scores):
    """Mean of the category means; None when no point was scored."""
    by_category = defaultdict(list)
    for s in scores:
        by_category[s.category_id].append(s.rate)
    return mean(mean(v) for v in by_category.values())


def bootstrap_spread(scores, *, reps=BOOTSTRAP_REPS, seed=0):
    """Half-width of the middle 95 % of the field score over `reps` resamples within each
    category; 0 with fewer than two points."""
    by_category = defaultdict(list)
    for s in scores:
        by_category[s.category_id].append(s.rate)
    if sum(len(v) for v in by_category.values()) < 2:
        return 0.0
    rng = random.Random(seed)
    groups = [v for _, v in sorted(by_category.items())]
    totals = []
    for _ in range(reps):
        means = [sum(rng.choices(v, k=len(v))) / len(v) for v in groups]
        totals.append(sum(means) / len(means))
    totals.sort()
    low = totals[int(0.025 * (reps - 1))]
    high = totals[int(round(0.975 * (reps - 1)))]
    return (high - low) / 2
