"""How a unit's counts (a figures row of `dashboard.figures`) become its sub-scores, its
composite index (综合指数) and its place in the ranking: pure functions, no database.
Each rule's worked example is in tests/dashboard/test_scoring.py.

Sub-scores (each 0–100, None when the unit had no work of that kind in the period)
--------------------------------------------------------------------------------
* ontime 按期整改率: issues closed (复核通过) in the period, each credited to the unit
  recorded on its approval event, whose approval came no later than the deadline in force
  then (the one the event records), over all those closed in the period.
* overdue 逾期情况: 100 − 10 × weighted overdue issues at the end of the period, floored at 0;
  lateness counts whole working days after the deadline's day on the office's calendar, as
  the reminder ladder does: up to 5 working days weighs 1, 6–20 weighs 2, more than 20
  weighs 4. None when the unit received, closed and holds no issue.
* relapse 反弹控制: 100 × (1 − relapses / max(closed, relapses)) over the period; relapses are
  the reopens recorded in the period plus the new findings filed in it that relapse an issue
  the unit closed (same point and category within 30 days of 销号, `Issue.relapse_of`).
* point_pass 点位达标率: inspections in the period that passed, over inspections, at points
  where the unit (or its subtree) is the territorial unit or the supervising department.
* satisfaction 群众满意率: satisfied answers over answered satisfaction questions of valid,
  in-frame survey responses collected in the period in the unit's communities.
* ledger_completion 台账完成率: the platform's one 完成率 (`ledgers.models.completion_rate`):
  ledger tasks due in the period that require the unit (as lead or contributing unit)
  whose current submission is approved (审核通过), over those tasks.
* ledger_approval 台账通过率: approved current submissions over approved plus returned
  versions, for the tasks due in the period.

The composite index is Σ weight × sub-score / Σ weight over the sub-scores that are present,
so a unit is neither punished nor rewarded for work it does not have.

Who is ranked: the coverage floor
---------------------------------
Re-weighting over what is present would let a unit with one passed inspection and nothing
else score 100 and top the 红榜. A unit is ranked only when its scored items (issues closed
in the period and issues it holds at the period's end, inspections, ledger tasks due) reach
the office's `min_items` and its sub-scores present (with a weight) reach `min_subscores`.
The others keep their figures, have no index and no rank, and are listed below the ranked
units as 数据不足; the 红黑榜 takes only ranked units.
"""

from ledgers.models import completion_rate

OVERDUE_PENALTY = 10  # points per weighted overdue issue
# Whole working days late beyond which an overdue issue weighs 2, and 4.
LATE_STEPS = (5, 20)
DEFAULT_FLOOR = {"items": 3, "subscores": 1}


def pct(num, den):
    return round(100.0 * num / den, 1) if den else None


def subscores(row):
    """{key: 0–100 or None} from one unit's counts."""
    # overdue_7 / overdue_30 are the issues late more than LATE_STEPS working days (the
    # names of the kept snapshots' keys).
    weighted = row["overdue"] + row["overdue_7"] + 2 * row["overdue_30"]
    has_issues = row["received"] or row["closed"] or row["rectifying"]
    relapse_base = max(row["closed"], row["relapsed"])
    return {
        "ontime": pct(row["closed_on_time"], row["closed"]),
        "overdue": max(0.0, 100.0 - OVERDUE_PENALTY * weighted) if has_issues else None,
        "relapse": round(100.0 - 100.0 * row["relapsed"] / relapse_base, 1)
        if relapse_base else None,
        "ledger_completion": completion_rate(row["ledgers_approved"], row["ledgers_due"]),
        "ledger_approval": pct(row["ledgers_approved"],
                               row["ledgers_approved"] + row["ledgers_returned"]),
        "point_pass": pct(row["inspections_passed"], row["inspections"]),
        "satisfaction": pct(row["survey_satisfied"], row["survey_answered"]),
    }


def coverage(row, scores, weights):
    """How much scored work the unit had: {"items": n, "subscores": k} (sub-scores present
    that carry a weight)."""
    items = row["closed"] + row["rectifying"] + row["inspections"] + row["ledgers_due"]
    present = sum(1 for k, s in scores.items() if s is not None and weights[k])
    return {"items": items, "subscores": present}


def is_covered(cover, floor):
    return cover["items"] >= floor["items"] and cover["subscores"] >= floor["subscores"]


def score(row, weights, floor):
    """Fill in the row's sub-scores, coverage, `ranked` and index (None when unranked)."""
    row["scores"] = subscores(row)
    row["coverage"] = coverage(row, row["scores"], weights)
    row["ranked"] = is_covered(row["coverage"], floor)
    row["score"] = composite(row["scores"], weights) if row["ranked"] else None
    return row


def composite(scores, weights):
    """Σ w·s / Σ w over the sub-scores present; None when none is."""
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
