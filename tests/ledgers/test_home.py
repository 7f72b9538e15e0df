"""The ledgers panel of the 工作台: units see their tasks due and returned; the office sees
the completion rate and the units at 完成率为0."""

import datetime as dt

import pytest
from django.utils import timezone

from ledgers.home import home_panel
from ledgers.models import LedgerSubmission

from .factories import LedgerRequirementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(city):
    now = timezone.now()
    year = timezone.localdate().year
    make = LedgerRequirementFactory
    t = {
        "due": make(region=city.units.a, lead_unit=city.units.cg, year=year,
                    deadline=now + dt.timedelta(days=3), title="移风易俗台账"),
        "late": make(region=city.units.a, lead_unit=city.units.zj, year=year,
                     deadline=now - dt.timedelta(days=1), title="诚信建设台账",
                     contributing=[city.units.cg]),
        "returned": make(region=city.units.a, lead_unit=city.units.cg, year=year,
                         deadline=now + dt.timedelta(days=9), title="志愿服务台账"),
        "done": make(region=city.units.a, lead_unit=city.units.cg, year=year,
                     deadline=now + dt.timedelta(days=5), title="文明交通台账",
                     contributing=[city.units.street]),
        "other": make(region=city.units.b, lead_unit=city.units.b_dept, year=year,
                      title="高新区的台账"),
        "last_year": make(region=city.units.a, lead_unit=city.units.street, year=year - 1,
                          title="去年的台账"),
    }
    S = LedgerSubmission.Status
    LedgerSubmission.objects.create(requirement=t["returned"], unit=city.units.cg,
                                    status=S.RETURNED)
    LedgerSubmission.objects.create(requirement=t["done"], unit=city.units.cg,
                                    status=S.APPROVED)
    LedgerSubmission.objects.create(requirement=t["due"], unit=city.units.cg, status=S.DRAFT)
    return t


def test_liaison_sees_their_units_tasks_due_and_returned(client, city, tasks):
    panel = home_panel(city.users.liaison)
    c = panel["counts"]
    assert panel["mode"] == "unit"
    assert (c["total"], c["todo"], c["overdue"], c["returned"], c["approved"]) == (4, 2, 1, 1, 1)
    assert c["rate"] == 25
    assert [r.title for r in panel["due_rows"]] == ["诚信建设台账", "移风易俗台账"]
    assert panel["due_rows"][0].is_late and not panel["due_rows"][1].is_late
    assert [r.title for r in panel["returned_rows"]] == ["志愿服务台账"]
    client.force_login(city.users.liaison)
    page = client.get("/").content.decode()
    assert "网上申报台账" in page and "移风易俗台账" in page and "志愿服务台账" in page
    assert "高新区的台账" not in page
    sub = LedgerSubmission.objects.get(requirement=tasks["returned"])
    assert f"/ledgers/submissions/{sub.pk}/" in page


def test_unit_leader_is_told_what_waits_for_signature(client, city, tasks):
    panel = home_panel(city.users.unitleader)
    assert panel["is_leader"] and panel["counts"]["to_sign"] == 1
    client.force_login(city.users.unitleader)
    assert "等待主要领导签字确认" in client.get("/").content.decode()


def test_office_sees_completion_rate_and_units_at_zero(client, city, tasks):
    panel = home_panel(city.users.office)
    assert panel["mode"] == "office"
    # this year in 城关区: 4 tasks, pairs = 4 leads + 2 contributors; 1 approved
    assert (panel["task_count"], panel["pairs"], panel["approved"]) == (4, 6, 1)
    assert panel["rate"] == round(100 / 6, 1)
    assert {u.name for u in panel["zero_units"]} == {"区住建局", "东街街道"}
    assert panel["zero_count"] == 2 and panel["zero_more"] == 0
    client.force_login(city.users.office)
    page = client.get("/").content.decode()
    assert "完成率为0" in page and "区住建局" in page
    assert "高新区城管局" not in page
    assert home_panel(city.users.office_b)["task_count"] == 1
    assert home_panel(city.users.leader)["mode"] == "office"


def test_other_roles_get_no_panel(city):
    assert home_panel(city.users.inspector) is None
    assert home_panel(city.users.pointchief) is None


def test_panel_queries_do_not_grow(client, city, tasks, django_assert_max_num_queries):
    with django_assert_max_num_queries(12) as office_few:
        home_panel(city.users.office)
    with django_assert_max_num_queries(12) as unit_few:
        home_panel(city.users.liaison)
    year = timezone.localdate().year
    for i in range(8):
        LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, year=year,
                                 contributing=[city.units.zj, city.units.street],
                                 deadline=timezone.now() + dt.timedelta(days=i))
    with django_assert_max_num_queries(len(office_few)):
        home_panel(city.users.office)
    with django_assert_max_num_queries(len(unit_few)):
        home_panel(city.users.liaison)
