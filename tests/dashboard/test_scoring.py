"""The scoring rules (dashboard.scoring), each next to its worked example: the numbers are
worked out by hand from the rule, not read from what the code returns."""

from dashboard import scoring
from dashboard.models import RankingWeights

WEIGHTS = RankingWeights().weights()  # 25, 20, 10, 10, 5, 20, 10
FLOOR = {"items": 3, "subscores": 1}


def _row(**counts):
    row = dict.fromkeys(
        ("received", "closed", "closed_on_time", "relapsed", "rectifying", "overdue",
         "overdue_7", "overdue_30", "ledgers_due", "ledgers_approved", "ledgers_returned",
         "inspections", "inspections_passed", "survey_answered", "survey_satisfied"), 0)
    row.update(name=counts.pop("name", "单位"), **counts)
    return row


def test_one_passed_inspection_is_not_enough_to_rank():
    """区卫健局: one inspection, passed → 达标 100 and nothing else: 1 scored item < 3.
    区城管局: 5 closed, 4 on time (按期 80), nothing held (逾期 100), no relapse (反弹 100):
    5 items, index (25·80 + 20·100 + 10·100) / 55 = 90.9, first."""
    health = scoring.score(_row(name="区卫健局", inspections=1, inspections_passed=1),
                           WEIGHTS, FLOOR)
    assert health["scores"]["point_pass"] == 100.0
    assert health["coverage"] == {"items": 1, "subscores": 1}
    assert (health["ranked"], health["score"]) == (False, None)
    cg = scoring.score(_row(name="区城管局", received=5, closed=5, closed_on_time=4),
                       WEIGHTS, FLOOR)
    assert cg["coverage"] == {"items": 5, "subscores": 3}
    assert (cg["ranked"], cg["score"]) == (True, 90.9)
    rows = scoring.assign_ranks([health, cg])
    assert [(r["name"], r["rank"]) for r in rows] == [("区城管局", 1), ("区卫健局", None)]
    red, black = scoring.red_black(rows, 3)
    assert (red, black) == ([], [])  # one ranked unit: nobody to compare with


def test_only_settled_work_counts_toward_the_floor():
    """区市场监管局 holds 3 fresh issues (not due) and closed none: 逾期 3/3 = 100, but its
    period settled nothing → 0 scored items, 数据不足. 西关街道 holds 3 issues, all ≤ 5
    working days late: 逾期 0/3 = 0 on 3 settled items → ranked. 区住建局 closed 1 and had 2
    relapses this week: the relapse rate's items max(1, 2) = 2, plus 1 passed inspection →
    3 items, ranked."""
    fresh = scoring.score(_row(name="区市场监管局", rectifying=3), WEIGHTS, FLOOR)
    assert fresh["scores"]["overdue"] == 100.0
    assert fresh["coverage"] == {"items": 0, "subscores": 1}
    assert (fresh["ranked"], fresh["score"]) == (False, None)
    late = scoring.score(_row(name="西关街道", rectifying=3, overdue=3), WEIGHTS, FLOOR)
    assert late["scores"]["overdue"] == 0.0
    assert late["coverage"] == {"items": 3, "subscores": 1} and late["ranked"] is True
    zj = scoring.score(_row(name="区住建局", closed=1, closed_on_time=1, relapsed=2,
                            inspections=1, inspections_passed=1), WEIGHTS, FLOOR)
    assert zj["coverage"] == {"items": 3, "subscores": 4} and zj["ranked"] is True


def test_the_office_raises_the_floor_of_sub_scores():
    """3 passed inspections: 3 items but one sub-score; with a floor of 2 sub-scores the
    unit is not ranked, with the default 1 it is (达标 100)."""
    row = _row(inspections=3, inspections_passed=3)
    assert scoring.score(dict(row), WEIGHTS, {"items": 3, "subscores": 2})["ranked"] is False
    assert scoring.score(dict(row), WEIGHTS, FLOOR)["score"] == 100.0


def test_a_sub_score_without_weight_does_not_count_as_coverage():
    weights = dict(WEIGHTS, point_pass=0)
    row = scoring.score(_row(inspections=4, inspections_passed=4), weights, FLOOR)
    assert row["coverage"] == {"items": 4, "subscores": 0} and row["ranked"] is False


def test_overdue_weights_by_working_days_late():
    """5 held, 3 of them overdue: one ≤ 5 working days late (1), one 6–20 (2), one > 20 (4);
    the counts are cumulative (overdue 3, beyond 5: 2, beyond 20: 1) → weighted 3 + 2 + 2·1
    = 7 late of 2 + 7 = 9 handled → 逾期 2 / 9 = 22.2. Unweighted it would be 2 / 5 = 40."""
    row = _row(rectifying=5, overdue=3, overdue_7=2, overdue_30=1)
    assert scoring.subscores(row)["overdue"] == 22.2


def test_an_overdue_rate_on_more_issues_counts_for_more():
    """逾期 is a share of the issues handled: 1 overdue (≤ 5 days) of 20 handled is 95, 1 of
    2 is 50, where a fixed 10 points per overdue issue would score both 90."""
    assert scoring.subscores(_row(closed=15, rectifying=5, overdue=1))["overdue"] == 95.0
    assert scoring.subscores(_row(closed=1, rectifying=1, overdue=1))["overdue"] == 50.0


def test_few_items_are_drawn_toward_the_region_in_the_index():
    """Region: 区市场监管局 closed 2, both on time; 区城管局 closed 23, 21 on time → pooled
    23 / 25 = 0.92. Adjusted with 5 items at 0.92: 市场监管局 (2 + 4.6) / 7 = 94.3, 城管局
    (21 + 4.6) / 28 = 91.4 — their own rates are 100 and 91.3. 区文旅局 closed none: it
    takes the region's 92.0, neither punished nor rewarded. The pages keep the own rates."""
    sj = _row(name="区市场监管局", closed=2, closed_on_time=2, inspections=1,
              inspections_passed=1)
    cg = _row(name="区城管局", closed=23, closed_on_time=21)
    wl = _row(name="区文旅局", inspections=3, inspections_passed=3)
    region = scoring.region_rates([sj, cg, wl])
    assert region["ontime"] == 23 / 25
    assert region["ledger_completion"] is None  # nobody had a ledger task due
    for row in (sj, cg, wl):
        scoring.score(row, WEIGHTS, FLOOR, region)
    assert (sj["scores"]["ontime"], sj["adjusted"]["ontime"]) == (100.0, 94.3)
    assert (cg["scores"]["ontime"], cg["adjusted"]["ontime"]) == (91.3, 91.4)
    assert (wl["scores"]["ontime"], wl["adjusted"]["ontime"]) == (None, 92.0)
    assert wl["adjusted"]["ledger_completion"] is None


def test_ledger_completion_is_approved_over_required():
    """4 tasks due, 1 approved, 2 returned (history): 完成 25, 通过 1 / (1 + 2) = 33.3."""
    scores = scoring.subscores(_row(ledgers_due=4, ledgers_approved=1, ledgers_returned=2))
    assert (scores["ledger_completion"], scores["ledger_approval"]) == (25.0, 33.3)


def test_ties_share_a_rank_and_the_next_rank_skips():
    rows = [dict(name=n, score=s) for n, s in (("甲", 80.0), ("乙", 80.0), ("丙", 70.0))]
    assert [r["rank"] for r in scoring.assign_ranks(rows)] == [1, 1, 3]


def test_units_tied_at_the_cut_share_the_red_and_black_lists():
    """Scores 90, 90, 90, 70, 60, 60 (ranks 1, 1, 1, 4, 5, 5), N = 2: the three tied at the
    top are all 红榜; the two tied last are both 黑榜 (worst first); 70 is on neither."""
    rows = scoring.assign_ranks([dict(name=n, score=s) for n, s in (
        ("甲", 90.0), ("乙", 90.0), ("丙", 90.0), ("丁", 70.0), ("戊", 60.0), ("己", 60.0))])
    red, black = scoring.red_black(rows, 2)
    assert sorted(r["name"] for r in red) == ["丙", "乙", "甲"]
    assert sorted(r["name"] for r in black) == ["己", "戊"]
    assert "丁" not in [r["name"] for r in red + black]
