"""How a unit's counts (a figures row of `dashboard.figures`) become its sub-scores, its
composite index (综合指数) and its place in the ranking: pure functions, no database.
Each rule's worked example is in tests/dashboard/test_scoring.py.

Sub-scores (each 0–100, None when the unit had no work of that kind in the period)
--------------------------------------------------------------------------------
Each sub-score is a rate, a count of good items over the items it is taken on:
* ontime 按期整改率: issues closed (复核通过) in the period, each credited to the unit
  recorded on its approval event, whose approval came no later than the deadline in force
  then (the one the event records), over all those closed in the period.
* overdue 逾期情况: the share of the issues the unit handled (closed in the period or held
  at its end) that were not overdue at the end of the period, each overdue issue weighed by
  its lateness, among the overdue and among those handled: up to 5 working days late it
  counts as 1 issue, 6–20 as 2, more than 20 as 4. Lateness counts whole working days after
  the deadline's day on the office's calendar, as the reminder ladder does.
* relapse 反弹控制: closed issues that did not relapse over closed issues (at least the
  relapses); relapses are the reopens recorded in the period plus the new findings filed in
  it that relapse an issue the unit closed (same point and category within 30 days of 销号,
  `Issue.relapse_of`).
* point_pass 点位达标率: inspections in the period that passed, over inspections, at points
  where the unit (or its subtree) is the territorial unit or the supervising department.
* satisfaction 群众满意率: satisfied answers over answered satisfaction questions of valid,
  in-frame survey responses collected in the period in the unit's communities.
* ledger_completion 台账完成率: the platform's one 完成率 (`ledgers.models.completion_rate`):
  ledger tasks due in the period that require the unit (as lead or contributing unit)
  whose current submission is approved (审核通过), over those tasks.
* ledger_approval 台账通过率: approved current submissions over approved plus returned
  versions, for the tasks due in the period.

The composite index (综合指数)
------------------------------
A rate on few items says little: one issue closed on time is 100 %, and would put a unit
that closed one issue above one that closed 23 on time and kept 3 late. So the index takes
each rate as if the unit had PRIOR_ITEMS more items at the region's rate (the items of all
the ranked units directly under the unit's region pooled, whoever looks and whatever kind
is listed): (good + 5 × region rate) ÷ (items + 5), the `adjusted` rates. A unit
with many items keeps nearly its own rate; a unit with one or two is drawn toward the
region's, and gets to the top only with work to show; a unit with no items of a kind (no
ledger task due, say) takes the region's rate for it, so it is neither punished nor
rewarded against the others for work it does not have. A unit scored alone (no region to
compare with) keeps its own rates. The pages show the unit's own rates (`scores`, the same
figures as everywhere else); only the index uses the adjusted ones.

The index is Σ weight × adjusted rate / Σ weight over the sub-scores with a rate (the
kinds of work nobody in the region had drop out).

Who is ranked: the coverage floor
---------------------------------
Re-weighting over what is present would let a unit with one passed inspection and nothing
else score 100 and top the 红榜. A unit is ranked only when its scored items reach the
office's `min_items` and its sub-scores present (with a weight) reach `min_subscores`.
Scored items are those whose outcome the period settled: issues closed or relapsed in it
(the 反弹 rate's items), issues overdue at its end, inspections and ledger tasks due. An
issue still within its deadline has no outcome yet: a unit holding three fresh issues and
nothing else has done no scored work, however clean its 逾期 rate of 100 looks.
The others keep their figures, have no index and no rank, and are listed below the ranked
units as 数据不足; the 红黑榜 takes only ranked units.
"""

from ledgers.models import completion_rate

# Whole working days late beyond which an overdue issue weighs 2, and 4.
LATE_STEPS = (5, 20)
DEFAULT_FLOOR = {"items": 3, "subscores": 1}
# Items at the region's rate added to each unit's own before its rate is taken (module
# docstring).
PRIOR_ITEMS = 5


def pct(num, den):
    return round(100.0 * num / den, 1) if den else None


def rate_counts(row):
    """{sub-score key: (good items, items)} from one unit's counts."""
    # overdue_7 / overdue_30 are the issues late more than LATE_STEPS working days (the
    # names of the kept snapshots' keys).
    weighted = row["overdue"] + row["overdue_7"] + 2 * row["overdue_30"]
    # A late issue counts as 1, 2 or 4 issues, among the late and among those handled.
    handled = row["closed"] + row["rectifying"] + weighted - row["overdue"]
    relapse_base = max(row["closed"], row["relapsed"])
    return {
        "ontime": (row["closed_on_time"], row["closed"]),
        "overdue": (handled - weighted, handled),
        "relapse": (relapse_base - row["relapsed"], relapse_base),
        "ledger_completion": (min(row["ledgers_approved"], row["ledgers_due"]),
                              row["ledgers_due"]),
        "ledger_approval": (row["ledgers_approved"],
                            row["ledgers_approved"] + row["ledgers_returned"]),
        "point_pass": (row["inspections_passed"], row["inspections"]),
        "satisfaction": (row["survey_satisfied"], row["survey_answered"]),
    }


def region_rates(rows):
    """{sub-score key: the pooled rate (0–1) of all `rows`, None without items}: what each
    unit's rate is drawn toward."""
    good, items = {}, {}
    for row in rows:
        for key, (num, den) in rate_counts(row).items():
            good[key] = good.get(key, 0) + num
            items[key] = items.get(key, 0) + den
    return {key: good[key] / items[key] if items[key] else None for key in items}


def subscores(row):
    """{key: 0–100 or None}: the unit's own rates, from its counts."""
    return {key: completion_rate(num, den) if key == "ledger_completion" else pct(num, den)
            for key, (num, den) in rate_counts(row).items()}


def adjusted(row, region=None):
    """{key: 0–100 or None}: the unit's rates drawn toward `region`'s (`region_rates`; the
    unit's own when None), for the index."""
    scores = {}
    for key, (num, den) in rate_counts(row).items():
        prior = (region or {}).get(key)
        if prior is None:
            prior = num / den if den else None
        scores[key] = None if prior is None else \
            round(100.0 * (num + PRIOR_ITEMS * prior) / (den + PRIOR_ITEMS), 1)
    return scores


def coverage(row, scores, weights):
    """How much scored work the unit had: {"items": n, "subscores": k} (sub-scores present
    that carry a weight). Items are the settled outcomes (module docstring): issues closed
    or relapsed, issues overdue at the end, inspections and ledger tasks due."""
    settled_issues = max(row["closed"], row["relapsed"]) + row["overdue"]
    items = settled_issues + row["inspections"] + row["ledgers_due"]
    present = sum(1 for k, s in scores.items() if s is not None and weights[k])
    return {"items": items, "subscores": present}


def is_covered(cover, floor):
    return cover["items"] >= floor["items"] and cover["subscores"] >= floor["subscores"]


def score(row, weights, floor, region=None):
    """Fill in the row's sub-scores, their adjusted rates (drawn toward `region`'s),
    coverage, `ranked` and index (None when unranked)."""
    row["scores"] = subscores(row)
    row["adjusted"] = adjusted(row, region)
    row["coverage"] = coverage(row, row["scores"], weights)
    row["ranked"] = is_covered(row["coverage"], floor)
    row["score"] = composite(row["adjusted"], weights) if row["ranked"] else None
    return row


def composite(scores, weights):
    """Σ w·s / Σ w over the (adjusted) sub-scores present; None when none is."""
    present = [(weights[k], s) for k, s in scores.items() if s is not None and weights[k]]
    total = sum(w for w, _s in present)
    if not total:
        return None
    return round(sum(w * s for w, s in present) / total, 1)


def assign_ranks(rows):
    """Competition ranking (1, 2, 2, 4) by score; units without a score (数据不足) last,
    unranked, the most covered first."""
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0),
                             -r.get("coverage", {}).get("items", 0), r["name"]))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row["score"] is None:
            row["rank"] = None
            continue
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    return rows


def red_black(rows, top_n):
    """红榜 (the first N ranks) and 黑榜 (the last N ranks, worst first), never overlapping.
    Units tied with the N-th unit share its place on the list: three units tied at the top
    with N = 2 are all on the 红榜."""
    ranked = [r for r in rows if r["rank"] is not None]
    n = min(top_n, len(ranked) // 2)
    if not n:
        return [], []
    red = [r for r in ranked if r["rank"] <= ranked[n - 1]["rank"]]
    last = ranked[len(ranked) - n]["rank"]
    black = [r for r in ranked if r["rank"] >= last and r not in red]
    return red, list(reversed(black))
