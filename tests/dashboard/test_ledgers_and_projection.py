"""Ledger sub-scores of the ranking and the projection (测评得分预估), each worked out by
hand from the rules in `dashboard.projection`'s docstring."""

import datetime as dt
from decimal import Decimal

from dashboard import figures
from dashboard.models import NegativeListEvent, RankingWeights
from dashboard.projection import field_part, online_part, projection, survey_part, survey_weights
from ledgers.models import LedgerRequirement, LedgerSubmission
from points.models import Framework, FrameworkItem, Inspection
from surveys.models import Survey
from surveys.services import response_submit

from ..surveys.factories import SurveyFactory, opt, question
from .factories import at, make_point

TODAY = dt.date(2026, 11, 18)
A = LedgerSubmission.Status.APPROVED


def _requirement(city, *, lead, deadline, contributors=()):
    framework = Framework.objects.create(name="测评体系")
    standard = FrameworkItem.objects.create(framework=framework, level="standard", code="1.1",
                                            title="公益广告")
    requirement = LedgerRequirement.objects.create(
        region=city.units.a, year=2026, standard=standard, title="公益广告台账", lead_unit=lead,
        deadline=deadline, material_start=dt.date(2026, 1, 1), material_end=dt.date(2026, 11, 1))
    requirement.contributing_units.set(contributors)
    return requirement


def test_ledger_subscores_count_tasks_due_in_the_period(city, week):
    """住建局 leads a task due this week, 城管局 contributes: 住建局's current version is
    approved after one return (完成 100, 通过 1/2 = 50); 城管局's version is signed but not
    yet approved (完成 0: only 审核通过 counts; 通过 no data). The office's floor here is 1
    scored item (住建局: the task; its open issue is not due yet, so it settled nothing)."""
    RankingWeights.objects.create(region=city.units.a, min_items=1)
    requirement = _requirement(city, lead=city.units.zj, deadline=at(11, 19),
                               contributors=[city.units.cg])
    S = LedgerSubmission.Status
    LedgerSubmission.objects.create(requirement=requirement, unit=city.units.zj, version=1,
                                    is_current=False, status=S.RETURNED)
    LedgerSubmission.objects.create(requirement=requirement, unit=city.units.zj, version=2,
                                    status=S.APPROVED)
    LedgerSubmission.objects.create(requirement=requirement, unit=city.units.cg, version=1,
                                    status=S.SIGNED)
    rows = {r["name"]: r for r in
            figures.ranking(city.users.office, week.period, now=week.now)["rows"]}
    zj, cg = rows["区住建局"], rows["区城管局"]
    assert (zj["ledgers_due"], zj["ledgers_approved"], zj["ledgers_returned"]) == (1, 1, 1)
    assert zj["scores"]["ledger_completion"] == 100.0
    assert zj["scores"]["ledger_approval"] == 50.0
    assert cg["ledgers_due"] == 1 and cg["scores"]["ledger_completion"] == 0.0
    assert cg["scores"]["ledger_approval"] is None
    # The index (rates drawn toward the region's with 5 items, see tests/dashboard/conftest):
    # region 完成 1/2, 通过 1/2, 按期 1/2, 逾期 4/6, 反弹 2/3, 达标 1/2. 住建局: 完成
    # (1 + 2.5)/6 = 58.3, 通过 (1 + 2.5)/7 = 50.0, 逾期 (1 + 3.33)/6 = 72.2; no work of the
    # other kinds → the region's 按期 50.0, 反弹 66.7, 达标 50.0 →
    # (25·50 + 20·72.2 + 10·66.7 + 10·58.3 + 5·50 + 20·50) / 90 = 5194 / 90 = 57.7.
    assert zj["adjusted"]["ledger_completion"] == 58.3
    assert zj["score"] == 57.7


def _standard(code, score, framework=None):
    framework = framework or Framework.objects.get_or_create(name="测评体系")[0]
    return FrameworkItem.objects.create(framework=framework, level="standard", code=code,
                                        title=f"标准{code}", score=score)


def _task(city, standard, lead, *, year=2026, contributors=()):
    task = LedgerRequirement.objects.create(
        region=city.units.a, year=year, standard=standard, title=f"{standard.code}台账",
        lead_unit=lead, deadline=at(11, 30), material_start=dt.date(year, 1, 1),
        material_end=dt.date(year, 11, 1))
    task.contributing_units.set(contributors)
    return task


def test_one_approved_out_of_300_required_projects_almost_nothing(city):
    """300 tasks of one standard (分值 2), each required of 区住建局; one approved:
    2 × 1/300 ÷ 2 = 0.33 % → 0.3 % of the 40, i.e. 0.1 point (approved ÷ (approved +
    returned) would have said 100 %)."""
    standard = _standard("1.1", 2)
    tasks = LedgerRequirement.objects.bulk_create([LedgerRequirement(
        region=city.units.a, year=2026, standard=standard, title=f"台账{n}",
        lead_unit=city.units.zj, deadline=at(11, 30), material_start=dt.date(2026, 1, 1),
        material_end=dt.date(2026, 11, 1)) for n in range(300)])
    LedgerSubmission.objects.create(requirement=tasks[0], unit=city.units.zj, status=A)
    part = online_part(city.units.a.path, 2026)
    assert (part["value"], part["required"], part["approved"]) == (0.3, 300, 1)
    year = projection(city.users.leader, today=TODAY)["years"][2]
    assert year["parts"]["online"]["points"] == 0.1


def test_online_part_weighs_each_standard_by_its_score(city):
    """Standard 1.1 (分值 3): one task required of 住建局 and 城管局, 住建局 approved,
    城管局's version returned → share 1/2. Standard 1.2 (分值 1): 城管局 approved → 1.
    (3 × 1/2 + 1 × 1) ÷ (3 + 1) = 62.5 %. A task of another year or district counts not."""
    s1, s2 = _standard("1.1", 3), _standard("1.2", 1)
    t1 = _task(city, s1, city.units.zj, contributors=[city.units.cg])
    t2 = _task(city, s2, city.units.cg)
    LedgerSubmission.objects.create(requirement=t1, unit=city.units.zj, status=A)
    LedgerSubmission.objects.create(requirement=t1, unit=city.units.cg,
                                    status=LedgerSubmission.Status.RETURNED)
    LedgerSubmission.objects.create(requirement=t2, unit=city.units.cg, status=A)
    LedgerSubmission.objects.create(requirement=_task(city, s1, city.units.zj, year=2025),
                                    unit=city.units.zj, status=A)
    part = online_part(city.units.a.path, 2026)
    assert (part["value"], part["required"], part["approved"]) == (62.5, 3, 2)
    # The count the 工作台's 完成率 takes (2 of 3 = 66.7) is named beside it, so the two
    # figures of the same material are not read as a contradiction.
    assert part["detail"] == ("2 项标准，应报 3 份，审核通过 2 份；按各标准分值加权"
                              "（按份数计的完成率为 66.7%）")
    assert online_part(city.units.b.path, 2026)["value"] is None


def _inspect(point, score, max_score, when):
    inspection = Inspection.objects.create(point=point, score=score, max_score=max_score,
                                           passed=score >= Decimal("0.85") * max_score)
    Inspection.objects.filter(pk=inspection.pk).update(created=when)


def test_a_region_at_84_percent_projects_84_percent_of_the_40(city):
    """Two inspections, each 84 of 100 and so below the 85 % pass mark: Σ 168 ÷ Σ 200 =
    84 % → 33.6 of the 40 (the pass rate would have said 0). Another district's and last
    year's inspections count not."""
    point = make_point(territorial=city.units.community)
    _inspect(point, 84, 100, at(3, 1))
    _inspect(point, 42, 50, at(6, 1))
    _inspect(point, 10, 100, dt.datetime(2025, 6, 1, tzinfo=at(1, 1).tzinfo))
    _inspect(make_point(territorial=city.units.b_dept), 0, 100, at(6, 1))
    part = field_part(city.units.a, 2026)
    assert part["value"] == 84.0
    RankingWeights.objects.create(region=city.units.a, cycle_start_year=2026)
    year = projection(city.users.leader, today=TODAY)["years"][0]
    assert year["parts"]["field"]["points"] == 33.6


def _round(city, kind, starts_on, answers):
    """A round with an awareness and a satisfaction question; `answers` lists
    (知道?, 满意?) per respondent in 幸福社区."""
    survey = SurveyFactory(region=city.units.a, round_kind=kind, starts_on=starts_on)
    aware = question(survey, "您知道本市正在创建全国文明城市吗", indicator="awareness",
                     options=[("知道", "awareness"), ("不知道", "")])
    sat = question(survey, "您对创建工作满意吗", indicator="satisfaction",
                   options=[("满意", "satisfaction"), ("不满意", "")])
    for knows, satisfied in answers:
        response_submit(survey=survey, community=city.units.community, channel="household",
                        answers={aware.pk: opt(aware, "知道" if knows else "不知道"),
                                 sat.pk: opt(sat, "满意" if satisfied else "不满意")})
    return survey


def test_survey_part_takes_the_latest_real_round_weighted_by_the_framework(city):
    """The framework's survey standards: 知晓率 2 points, 满意率 6 points. The latest real
    round (September): 知晓 3 of 4 = 75 %, 满意 1 of 4 = 25 % → (2 × 75 + 6 × 25) ÷ 8 =
    37.5 % (the plain mean would be 50). The earlier real round (all no) is replaced; the
    later mock round (all yes, 100 %) is shown beside it and not counted."""
    framework = Framework.objects.create(name="全国文明城市测评体系", is_current=True)
    for code, title, score in [("9.1", "群众对创建工作的知晓率", 2),
                               ("9.2", "群众对创建工作的满意率", 6)]:
        FrameworkItem.objects.create(framework=framework, level="standard", code=code,
                                     title=title, score=score, method_survey=True)
    real = Survey.RoundKind.REAL
    _round(city, real, dt.date(2026, 3, 1), [(False, False)] * 2)
    latest = _round(city, real, dt.date(2026, 9, 1),
                    [(True, True), (True, False), (True, False), (False, False)])
    _round(city, Survey.RoundKind.MOCK, dt.date(2026, 10, 1), [(True, True)] * 3)
    weights = survey_weights()
    assert weights == ({"awareness": 2.0, "support": 0.0, "participation": 0.0,
                        "satisfaction": 6.0}, True)
    part = survey_part(city.units.a, 2026, today=TODAY, weights=weights)
    assert part["value"] == 37.5 and part["source"] == latest.title
    assert [m["value"] for m in part["mocks"]] == [100.0]


def test_a_year_without_a_real_round_has_no_survey_part(city):
    _round(city, Survey.RoundKind.MOCK, dt.date(2026, 10, 1), [(True, True)])
    part = survey_part(city.units.a, 2026, today=TODAY, weights=survey_weights())
    assert part["value"] is None and part["state"].startswith("无数据")
    assert [m["value"] for m in part["mocks"]] == [100.0]  # the rates measured, equally: 100


def _full_year(city):
    """2026 with every part: 网上申报 50 % (one of two required approved), 实地考察 80 %
    (80 of 100), 问卷调查 75 % (the two rates measured, equally; 知晓 1 of 2 → 50, 满意 2 of 2 → 100)."""
    standard = _standard("1.1", 2)
    task = _task(city, standard, city.units.zj, contributors=[city.units.cg])
    LedgerSubmission.objects.create(requirement=task, unit=city.units.zj, status=A)
    _inspect(make_point(territorial=city.units.community), 80, 100, at(5, 1))
    _round(city, Survey.RoundKind.REAL, dt.date(2026, 9, 1), [(True, True), (False, True)])


def test_a_full_cycle_has_a_total_weighted_by_method_and_year(city):
    """Every part present in 2026, the cycle's first year; 2027 and 2028 take 2026's parts.
    Year: 0.4 × 50 + 0.4 × 80 + 0.2 × 75 = 20 + 32 + 15 = 67; a deduction of 3 in 2026 →
    64. Cycle: 0.15 × 64 + 0.25 × 67 + 0.6 × 67 = 9.6 + 16.75 + 40.2 = 66.55 → 66.5 or
    66.6 by rounding; a veto then zeroes it."""
    RankingWeights.objects.create(region=city.units.a, cycle_start_year=2026)
    _full_year(city)
    NegativeListEvent.objects.create(unit=city.units.zj, item="重大安全事故", deduction=3,
                                     date=dt.date(2026, 5, 1))
    data = projection(city.users.leader, today=TODAY)
    first = data["years"][0]
    assert {k: p["value"] for k, p in first["parts"].items()} == {
        "online": 50.0, "field": 80.0, "survey": 75.0}
    assert (first["base"], first["score"]) == (67.0, 64.0)
    assert [(y["estimated"], y["score"]) for y in data["years"][1:]] == [(True, 67.0),
                                                                         (True, 67.0)]
    assert data["cycle"] in (66.5, 66.6) and data["missing"] == []
    NegativeListEvent.objects.create(unit=city.units.zj, item="食品安全事件", is_veto=True,
                                     date=dt.date(2026, 6, 1))
    assert projection(city.users.leader, today=TODAY)["cycle"] == 0


def test_a_cycle_with_a_missing_year_shows_no_total(city, client):
    """Cycle 2025–2027: 2026 is complete (67) but 2025 has nothing → no cycle total, the
    page says what is missing (the old rule re-weighted over the years present: 67)."""
    RankingWeights.objects.create(region=city.units.a, cycle_start_year=2025)
    _full_year(city)
    data = projection(city.users.leader, today=TODAY)
    assert [y["score"] for y in data["years"]] == [None, 67.0, 67.0]
    assert data["cycle"] is None
    assert data["missing"] == ["2025年网上申报、实地考察、问卷调查"]
    client.force_login(city.users.leader)
    page = client.get("/dashboard/projection/").content.decode()
    assert "尚缺：2025年网上申报、实地考察、问卷调查" in page
    assert "Σ（测评标准分值 × 该标准应报台账中审核通过的比例）" in page  # the footnote


def test_a_year_missing_one_part_has_no_score(city):
    """2026 with inspections only: 实地考察 80 %, but no ledger task and no real round →
    the year has no score (not 80 re-weighted), and says which parts are missing."""
    RankingWeights.objects.create(region=city.units.a, cycle_start_year=2026)
    _inspect(make_point(territorial=city.units.community), 80, 100, at(5, 1))
    first = projection(city.users.leader, today=TODAY)["years"][0]
    assert first["parts"]["field"]["value"] == 80.0 and first["score"] is None
    assert first["missing"] == ["网上申报", "问卷调查"]


def test_other_districts_negative_events_do_not_count(city):
    RankingWeights.objects.create(region=city.units.a, cycle_start_year=2026)
    _full_year(city)
    NegativeListEvent.objects.create(unit=city.units.b_dept, item="一票否决事项", is_veto=True,
                                     date=dt.date(2026, 6, 1))
    assert projection(city.users.leader, today=TODAY)["cycle"] == 67.0
