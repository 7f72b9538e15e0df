"""How a unit's counts (a figures row of `dashboard.figures`) become its sub-scores, its
composite index (综合指数) and its place in the ranking: pure functions, no database.

Sub-scores (each 0–100, None when the unit had no work of that kind in the period)
--------------------------------------------------------------------------------
* ontime 按期整改率: issues closed (复核通过) in the period whose closing came before the
  deadline, over all issues closed in the period.
* overdue 逾期情况: 100 − 10 × weighted overdue issues at the end of the period (`dashboard.figures`),
  floored at 0; an issue late up to 7 days weighs 1, 8–30 days 2, more than 30 days 4. None
  when the unit received, closed and holds no issue.
* relapse 反弹控制: 100 × (1 − reopenings / max(closed, reopenings)) over the period.
* point_pass 点位达标率: inspections in the period that passed, over inspections, at points
  where the unit (or its subtree) is the territorial unit or the supervising department.
* satisfaction 群众满意率: satisfied answers over answered satisfaction questions of valid,
  in-frame survey responses collected in the period in the unit's communities.
* ledger_completion 台账完成率: ledger tasks due in the period (the unit as lead or
  contributing unit) whose current submission is signed or approved, over tasks due.
* ledger_approval 台账通过率: approved current submissions over approved plus returned
  versions, for the tasks due in the period.

The composite index is Σ weight × sub-score / Σ weight over the sub-scores that are present,
so a unit is neither punished nor rewarded for work it does not have.
"""

OVERDUE_PENALTY = 10  # points per weighted overdue issue


def pct(num, den):
    return round(100.0 * num / den, 1) if den else None


def subscores(row):
    """{key: 0–100 or None} from one unit's counts."""
    weighted = row["overdue"] + row["overdue_7"] + 2 * row["overdue_30"]
    has_issues = row["received"] or row["closed"] or row["rectifying"]
    relapse_base = max(row["closed"], row["relapsed"])
    return {
        "ontime": pct(row["closed_on_time"], row["closed"]),
        "overdue": max(0.0, 100.0 - OVERDUE_PENALTY * weighted) if has_issues else None,
        "relapse": round(100.0 - 100.0 * row["relapsed"] / relapse_base, 1)
        if relapse_base else None,
        "ledger_completion": pct(min(row["ledgers_done"], row["ledgers_due"]),
                                 row["ledgers_due"]),
        "ledger_approval": pct(row["ledgers_approved"],
                               row["ledgers_approved"] + row["ledgers_returned"]),
        "point_pass": pct(row["inspections_passed"], row["inspections"]),
        "satisfaction": pct(row["survey_satisfied"], row["survey_answered"]),
    }


def composite(scores, weights):
    """Σ w·s / Σ w over the sub-scores present; None when none is."""
    present = [(weights[k], s) for k, s in scores.items() if s is not None and weights[k]]
    total = sum(w for w, _s in present)
    if not total:
        return None
    return round(sum(w * s for w, s in present) / total, 1)


def assign_ranks(rows):
    """Competition ranking (1, 2, 2, 4) by score; units without a score last, unranked."""
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["name"]))
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
    """红榜 (first N ranked) and 黑榜 (last N ranked, worst first), never overlapping."""
    ranked = [r for r in rows if r["rank"] is not None]
    n = min(top_n, len(ranked) // 2)
    return ranked[:n], list(reversed(ranked[len(ranked) - n:])) if n else []
