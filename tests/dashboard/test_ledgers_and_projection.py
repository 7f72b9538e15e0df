import datetime as dt

from dashboard import figures
from dashboard.models import NegativeListEvent, RankingWeights
from ledgers.models import LedgerRequirement, LedgerSubmission
from points.models import Framework, FrameworkItem

from .factories import at


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
    yet approved (完成 0: only 审核通过 counts; 通过 no data). The office's floor here is 2
    scored items (住建局: its open issue and the task)."""
    RankingWeights.objects.create(region=city.units.a, min_items=2)
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
    # 住建局: (20·100 + 10·100 + 5·50) / 35
    assert zj["score"] == round((2000 + 1000 + 250) / 35, 1)


def test_projection_uses_method_and_year_weights(city, week):
    RankingWeights.objects.create(region=city.units.a, cycle_start_year=2026)
    data = figures.projection(city.users.leader, today=dt.date(2026, 11, 18))
    first = data["years"][0]
    # 2026: 1 pass in 3 inspections (33.3); no ledger review, no survey → field alone.
    assert first["estimates"] == {"online": None, "field": 33.3, "survey": None}
    assert first["score"] == 33.3
    assert [y["estimated"] for y in data["years"]] == [False, True, True]
    assert data["cycle"] == 33.3


def test_a_veto_zeroes_the_projection_and_deductions_lower_the_year(city, week):
    RankingWeights.objects.create(region=city.units.a, cycle_start_year=2026)
    NegativeListEvent.objects.create(unit=city.units.zj, item="重大安全事故", deduction=3,
                                     date=dt.date(2026, 5, 1))
    data = figures.projection(city.users.leader, today=dt.date(2026, 11, 18))
    assert data["years"][0]["score"] == 30.3 and data["cycle"] != 0
    NegativeListEvent.objects.create(unit=city.units.zj, item="食品安全事件", is_veto=True,
                                     date=dt.date(2026, 6, 1))
    assert figures.projection(city.users.leader, today=dt.date(2026, 11, 18))["cycle"] == 0


def test_other_districts_negative_events_do_not_count(city, week):
    NegativeListEvent.objects.create(unit=city.units.b_dept, item="一票否决事项", is_veto=True,
                                     date=dt.date(2026, 6, 1))
    assert figures.projection(city.users.leader, today=dt.date(2026, 11, 18))["cycle"] != 0
