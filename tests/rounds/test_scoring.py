"""Scoring the assessors' way, with worked examples computed by hand."""

from decimal import Decimal

import pytest

from points.models import assessed_score
from rounds.models import RoundFinding, RoundSample, RoundTeam
from rounds.scoring import PointScore, bootstrap_spread, field_score
from rounds.selectors import findings_summary, latest_field_score, round_scores
from rounds.services import round_draw, sample_inspect, team_save, teams_assign

from .conftest import verdicts

pytestmark = pytest.mark.django_db


def test_assessed_score_worked_examples():
    # weights 3, 2, 1: 合格, 不合格, 不适用 → the 1 leaves the full marks: 3 of 5.
    assert assessed_score([(3, "pass", "multiple", 2), (2, "fail", "multiple", 2),
                           (1, "na", "multiple", 2)]) == (Decimal(3), Decimal(5))
    # 严重不合格 of the 3 at twice its weight: 6 − 6 = 0 of 6.
    assert assessed_score([(3, "severe", "multiple", 2), (2, "pass", "multiple", 2),
                           (1, "pass", "multiple", 2)]) == (Decimal(0), Decimal(6))
    # …at 1.5 times: 6 − 4.5 = 1.5 of 6.
    assert assessed_score([(3, "severe", "multiple", Decimal("1.5")), (2, "pass", "multiple", 2),
                           (1, "pass", "multiple", 2)]) == (Decimal("1.5"), Decimal(6))
    # A severe failure whose standard zeroes the point: 0 whatever passed.
    assert assessed_score([(4, "severe", "zero", 2), (1, "pass", "multiple", 2)]) == (
        Decimal(0), Decimal(5))
    # Everything 不适用: nothing to score.
    assert assessed_score([(4, "na", "zero", 2)]) == (Decimal(0), Decimal(0))


def test_round_scores_by_hand(city, district, walked):
    scores = round_scores(walked)
    # 农贸市场 (60 + 0 + 100) / 3 = 53.33; 背街小巷 (0 + 80) / 2 = 40; city: their mean.
    by_category = {line.name: (round(line.score, 2), line.points) for line in scores.by_category}
    assert by_category == {"农贸市场": (53.33, 3), "背街小巷": (40.0, 2)}
    assert round(scores.score, 2) == round((160 / 3 + 40) / 2, 2) == 46.67
    assert scores.points == 5 and scores.sampled == 6  # one market not walked yet
    assert scores.spread > 0
    streets = {line.pk: line.points for line in scores.by_street}
    assert sum(streets.values()) == 5 and set(streets) <= {s.pk for s in district.streets}


def test_a_point_with_every_item_not_applicable_is_not_scored(city, district, walked):
    last = walked.samples.filter(category=district.market, inspection__isnull=True).get()
    sample_inspect(sample=last, by=city.users.inspector,
                   results=verdicts(district, "market", ["na", "na", "na"]))
    assert round_scores(walked).points == 5


def test_every_failed_item_became_an_issue_tagged_with_the_round(city, district, walked):
    findings = RoundFinding.objects.filter(round=walked).select_related("issue")
    # fail, severe, severe, fail: four failed items.
    assert findings.count() == 4
    for finding in findings:
        assert finding.issue.source == "mock"
        assert finding.issue.description.startswith("【2026年第一轮模拟测评】模拟测评")
        assert finding.issue.point_id == finding.sample.point_id
    assert {f.issue.severity for f in findings if f.result.verdict == "severe"} == {"severe"}
    summary = findings_summary(walked)
    assert (summary.total, summary.closed, summary.rate) == (4, 0, 0.0)


def test_a_round_without_inspections_has_no_score(city, district, round_):
    round_draw(round=round_, rules={district.market.pk: (True, 10)}, seed=1,
               by=city.users.office)
    scores = round_scores(round_)
    assert scores.score is None and not scores.has_data and scores.points == 0
    assert latest_field_score(district.region) is None
    assert findings_summary(round_).rate is None


def test_latest_field_score_takes_the_latest_scored_round(city, district, walked):
    from rounds.models import Round

    latest = latest_field_score(district.region)
    assert latest.round == walked and round(latest.score, 2) == 46.67 and latest.points == 5
    assert latest.spread == round_scores(walked).spread
    assert "2026年第一轮模拟测评" in latest.source
    # A later round not walked yet does not hide it; before the round it is not there.
    Round.objects.create(name="第二轮", region=district.region, framework=district.framework,
                         starts="2026-05-01", ends="2026-05-03", drawn_at="2026-05-01T00:00Z")
    assert latest_field_score(district.region).round == walked
    assert latest_field_score(district.region, until=__import__("datetime").date(2026, 2, 1)) \
        is None
    # Another district has no sampled point of its own.
    assert latest_field_score(city.units.b) is None


def test_relapses_are_found_in_the_next_round(city, district, walked):
    from rounds.models import Round

    second = Round.objects.create(name="第二轮", region=district.region,
                                  framework=district.framework, starts="2026-06-01",
                                  ends="2026-06-05")
    round_draw(round=second, rules={district.alley.pk: (True, 0)}, seed=2, by=city.users.office)
    team_save(team=RoundTeam(round=second, name="一组"), members=[city.users.inspector],
              by=city.users.office)
    teams_assign(round=second, by=city.users.office)
    # The alley that lost 路灯完好 in the first round loses it again.
    first_alleys = RoundSample.objects.filter(round=walked, category=district.alley).order_by("pk")
    again = second.samples.get(point=first_alleys[1].point)
    sample_inspect(sample=again, by=city.users.inspector,
                   results=verdicts(district, "alley", ["pass", "fail"]))
    assert findings_summary(walked).relapsed == 1
    assert findings_summary(walked).next_round == second
    assert findings_summary(second).repeated_from_previous == 1


def test_bootstrap_spread_is_zero_for_one_point_and_shrinks_with_more():
    one = [PointScore(1, 1, None, None, None, 50.0)]
    assert bootstrap_spread(one) == 0.0 and field_score(one) == 50.0
    few = [PointScore(i, 1, None, None, None, r) for i, r in enumerate([0, 100, 50, 80])]
    many = [PointScore(i, 1, None, None, None, r) for i, r in
            enumerate([0, 100, 50, 80] * 25)]
    assert bootstrap_spread(many) < bootstrap_spread(few)
    assert field_score([]) is None
