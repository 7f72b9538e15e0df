"""穿透: every number of the ranking opens exactly the records behind it, for the same period
and scope, and the list's count is the number clicked. The week of `conftest.week` ("now"
Wednesday 18 November 2026, noon), its figures worked out by hand there; the ledger tasks of
`test_completion_rate.tasks` for November."""

import io
import re

import pytest
import time_machine
from openpyxl import load_workbook

from dashboard import figures

from .conftest import NOW
from .test_completion_rate import tasks  # noqa: F401 (fixture)

WEEK = "?period=week"
MONTH = "?period=month"

# (unit, column) → the count worked out by hand from the fixture's docstring.
WEEK_COUNTS = [
    ("cg", "received", 2),            # the on-time and the late issue, filed Monday
    ("cg", "closed", 2),              # both approved Tuesday
    ("cg", "closed_on_time", 1),      # 09:00 before a 10:00 deadline; 15:00 after 12:00
    ("cg", "relapsed", 0),
    ("cg", "rectifying", 1),          # its team's issue due 9 November
    ("cg", "overdue", 1),
    ("cg", "overdue_7", 1),           # 6 whole working days late (> 5)
    ("cg", "overdue_30", 0),          # not more than 20
    ("cg", "inspections", 2),         # the point it supervises, Monday and Tuesday
    ("cg", "inspections_passed", 1),
    ("street", "relapsed", 1),        # its community's issue reopened Tuesday
    ("street", "rectifying", 1),
    ("street", "overdue", 0),         # due Friday the 20th
    ("street", "inspections", 2),     # the point lies in its community
    ("zj", "received", 1),
    ("zj", "closed", 0),
    ("zj", "survey_answered", 0),
    ("zj", "survey_satisfied", 0),
]


def _count(html):
    return int(re.search(r'records-count">(\d+)<', html).group(1))


def _figure(html):
    return int(re.search(r"排名表上的数字：<strong[^>]*>(\d+)<", html).group(1))


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("unit", "column", "expected"), WEEK_COUNTS)
def test_each_number_of_the_week_opens_its_records(city, week, client, unit, column, expected):
    client.force_login(city.users.leader)
    pk = getattr(city.units, unit).pk
    response = client.get(f"/dashboard/units/{pk}/records/{column}/{WEEK}")
    assert response.status_code == 200
    html = response.content.decode()
    row = next(r for r in figures.ranking(city.users.leader, week.period)["rows"]
               if r["id"] == pk)
    assert row[column] == expected
    assert _figure(html) == expected
    assert _count(html) == expected
    assert html.count("<tr><td>") == expected or expected == 0


@time_machine.travel(NOW, tick=False)
def test_the_overdue_list_names_the_late_issue(city, week, client):
    client.force_login(city.users.office)
    html = client.get(f"/dashboard/units/{city.units.cg.pk}/records/overdue/{WEEK}") \
        .content.decode()
    assert f"#{week.overdue.pk}" in html and "区城管局" in html
    # Due Monday 9 November: 10–13, 16 and 17 November are over by Wednesday noon.
    assert "期限 2026-11-09 10:00，逾期 6 个工作日" in html


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("unit", "column", "expected"), [
    # 住建局 leads 任务一、二、三; approved in 一 and 三; nothing returned.
    ("zj", "ledgers_due", 3), ("zj", "ledgers_approved", 2), ("zj", "ledgers_returned", 0),
    # 城管局 contributes to 任务一 and is approved there.
    ("cg", "ledgers_due", 1), ("cg", "ledgers_approved", 1),
    # 东街街道 contributes to 任务一, signed only.
    ("street", "ledgers_due", 1), ("street", "ledgers_approved", 0),
])
def test_each_ledger_number_of_the_month_opens_its_tasks(city, tasks, client,  # noqa: F811
                                                         unit, column, expected):
    client.force_login(city.users.office)
    pk = getattr(city.units, unit).pk
    html = client.get(f"/dashboard/units/{pk}/records/{column}/{MONTH}").content.decode()
    assert _figure(html) == expected
    assert _count(html) == expected


@time_machine.travel(NOW, tick=False)
def test_the_ranking_links_each_number_to_its_list(city, week, client):
    client.force_login(city.users.leader)
    html = client.get("/dashboard/" + WEEK).content.decode()
    for column in ("received", "closed", "overdue", "relapsed", "inspections"):
        assert f"/dashboard/units/{city.units.cg.pk}/records/{column}/?period=week" in html


@time_machine.travel(NOW, tick=False)
def test_an_old_deadline_counts_the_holidays_of_its_own_months(city, client):
    """Due Tuesday 20 January, listed Wednesday 18 November: the weekdays of 21 January –
    17 November are 215; the Spring Festival week (16–20 February) is off and Saturday 28
    February worked → 215 − 5 + 1 = 211, though February lies beyond the 90 days the
    ranking's lateness steps read."""
    import datetime as dt

    from issues.models import Holiday

    from .factories import at, make_issue

    for day in range(16, 21):
        Holiday.objects.create(date=dt.date(2026, 2, day), name="春节")
    Holiday.objects.create(date=dt.date(2026, 2, 28), name="春节调休", is_workday=True)
    make_issue(unit=city.units.zj, region=city.units.a, created=at(1, 10),
               deadline=at(1, 20, 18))
    client.force_login(city.users.leader)
    html = client.get(f"/dashboard/units/{city.units.zj.pk}/records/overdue/{WEEK}") \
        .content.decode()
    assert "期限 2026-01-20 18:00，逾期 211 个工作日" in html


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("unit", "rate", "column", "sentence"), [
    # 区城管局: 1 of its 2 closes on time (conftest.week).
    ("cg", "ontime", "closed", "按期整改率 = 按期销号 1 ÷ 销号 2 = 50.0%"),
    # 2 closed + 1 held 6 working days late (weighs 2): 2 of 4 not late.
    ("cg", "overdue", "overdue",
     "逾期情况 = 期末未逾期 2 ÷ 本期办结和期末在办 4（逾期问题按逾期工作日计 1、2 或 4 件） = 50.0%"),
    ("cg", "point_pass", "inspections", "点位达标率 = 达标 1 ÷ 督查次数 2 = 50.0%"),
    # 东街街道: one reopening, nothing closed: 0 of max(0, 1).
    ("street", "relapse", "relapsed", "反弹控制 = 未反弹 0 ÷ 销号 1（反弹多于销号时按反弹数计） = 0.0%"),
])
def test_a_rate_opens_its_list_with_the_sum_behind_it(city, week, client, unit, rate, column,
                                                      sentence):
    client.force_login(city.users.leader)
    pk = getattr(city.units, unit).pk
    ranking = client.get("/dashboard/" + WEEK).content.decode()
    link = f"/dashboard/units/{pk}/records/{column}/?period=week&amp;rate={rate}"
    assert f'href="{link}" title="{sentence}"' in ranking  # the sum on hover, too
    html = client.get(link.replace("&amp;", "&")).content.decode()
    assert f'records-rate">{sentence}</p>' in html
    # The same list without the rate: no sum (a count, not a rate, was clicked).
    plain = client.get(f"/dashboard/units/{pk}/records/{column}/{WEEK}").content.decode()
    assert "records-rate" not in plain


@time_machine.travel(NOW, tick=False)
def test_a_past_period_lists_the_state_at_its_end(city, week, client):
    """The custom week 9–15 November: 区城管局's team held the issue due on the 9th, late at
    the period's end (Monday 16th 00:00) by the 10th–13th: 4 whole working days → overdue 1,
    overdue_7 0."""
    client.force_login(city.users.leader)
    base = f"/dashboard/units/{city.units.cg.pk}/records"
    query = "?period=custom&start=2026-11-09&end=2026-11-15"
    html = client.get(f"{base}/overdue/{query}").content.decode()
    assert _figure(html) == _count(html) == 1
    html = client.get(f"{base}/overdue_7/{query}").content.decode()
    assert _figure(html) == _count(html) == 0


@time_machine.travel(NOW, tick=False)
def test_the_list_exports_to_excel(city, week, client):
    client.force_login(city.users.office)
    response = client.get(f"/dashboard/units/{city.units.cg.pk}/records/closed/{WEEK}"
                          "&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 2
    assert sorted(r[4].split("，")[0] for r in rows) == ["按期", "超期"]


@time_machine.travel(NOW, tick=False)
def test_scoped_another_districts_unit_is_404(city, week, client):
    client.force_login(city.users.office)
    assert client.get(f"/dashboard/units/{city.units.b_dept.pk}/records/received/") \
        .status_code == 404
    assert client.get(f"/dashboard/units/{city.units.cg.pk}/records/nonsense/") \
        .status_code == 404


@pytest.mark.parametrize("who", ["liaison", "unitleader", "inspector"])
def test_roles_without_the_ranking_get_403(city, client, who):
    client.force_login(getattr(city.users, who))
    assert client.get(f"/dashboard/units/{city.units.cg.pk}/records/received/") \
        .status_code == 403


def test_a_bad_period_is_400_naming_the_field(city, client):
    client.force_login(city.users.office)
    response = client.get(f"/dashboard/units/{city.units.cg.pk}/records/received/"
                          "?period=custom&start=2026-11-09&end=bad")
    assert response.status_code == 400
    assert "请填写日期" in response.content.decode()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("unit", "column", "expected"), WEEK_COUNTS)
def test_the_api_ranking_links_each_number_to_its_records(city, week, api, unit, column,
                                                          expected):
    """Each ranking item names, per figure, the API list of the records behind it; following
    the link gives as many records as the figure says."""
    client = api.as_user(city.users.leader)
    items = client.get("/api/v1/dashboard/ranking/", {"period": "week"}).json()["results"]
    pk = getattr(city.units, unit).pk
    item = next(i for i in items if i["unit"]["id"] == pk)
    link = item["records"][column]
    assert link == (f"http://testserver/api/v1/dashboard/ranking/{pk}/records/{column}/"
                    "?period=week")
    body = client.get(link).json()
    assert (body["figure"], body["count"], len(body["results"])) == (expected,) * 3
    assert item["figures"][column] == expected if column in item["figures"] else True


@time_machine.travel(NOW, tick=False)
def test_the_api_records_name_the_late_issue_with_its_page(city, week, api):
    body = api.as_user(city.users.office).get(
        f"/api/v1/dashboard/ranking/{city.units.cg.pk}/records/overdue/",
        {"period": "week"}).json()
    assert body["label"] == "逾期问题" and body["unit"]["name"] == "区城管局"
    assert [r["number"] for r in body["results"]] == [f"#{week.overdue.pk}"]
    assert body["results"][0]["url"] == f"http://testserver/issues/{week.overdue.pk}/"


@time_machine.travel(NOW, tick=False)
def test_the_api_records_refuse_other_units_columns_roles_and_bad_periods(city, week, api):
    cg = city.units.cg.pk
    leader = api.as_user(city.users.leader)
    assert leader.get(f"/api/v1/dashboard/ranking/{cg}/records/nonsense/").status_code == 404
    bad = leader.get(f"/api/v1/dashboard/ranking/{cg}/records/closed/", {"period": "decade"})
    assert bad.status_code == 400 and "统计周期" in bad.json()["period"][0]
    other = api.as_user(city.users.office_b).get(
        f"/api/v1/dashboard/ranking/{cg}/records/closed/")
    assert other.status_code == 404
    assert api.as_user(city.users.liaison).get(
        f"/api/v1/dashboard/ranking/{cg}/records/closed/").status_code == 403
    assert api.get(f"/api/v1/dashboard/ranking/{cg}/records/closed/").status_code in (401, 403)
