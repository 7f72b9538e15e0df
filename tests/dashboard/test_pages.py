import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dashboard.models import Escalation, NegativeListEvent, RankingWeights

from .test_ranking import _add_units

WEEK = "?period=custom&start=2026-11-16&end=2026-11-22"


def test_leader_sees_the_ranking_page_with_drill_down_links(city, week, client):
    client.force_login(city.users.leader)
    response = client.get("/dashboard/" + WEEK)
    assert response.status_code == 200
    html = response.content.decode()
    assert "红榜" in html and "黑榜" in html and "区住建局" in html
    assert f"/dashboard/units/{city.units.cg.pk}/records/overdue/?period=custom" in html
    assert "高新区城管局" not in html
    assert 'id="dashboard-trend-data"' in html and 'id="dashboard-map-data"' in html


def test_the_page_loads_no_asset_from_outside_the_app(city, week, client):
    client.force_login(city.users.office)
    html = client.get("/dashboard/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert "<script>" not in html and "style=" not in html
    assert "/static/js/dashboard.js" in html and "/static/vendor/echarts.min.js" in html


@pytest.mark.parametrize("who", ["liaison", "unitleader", "pointchief", "inspector"])
def test_other_roles_get_403_on_the_page(city, client, who):
    client.force_login(getattr(city.users, who))
    assert client.get("/dashboard/").status_code == 403


def test_anonymous_is_sent_to_login(city, client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_bad_period_shows_a_message_not_an_error(city, client):
    client.force_login(city.users.leader)
    response = client.get("/dashboard/?period=custom&start=bad&end=2026-01-01")
    assert response.status_code == 200
    assert "请填写日期" in response.content.decode()


def test_the_page_costs_the_same_queries_for_3_and_30_units(city, week, client):
    client.force_login(city.users.leader)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/dashboard/" + WEEK).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    _add_units(city, 27)
    assert count() == few


def test_the_ranking_exports_to_excel(city, week, client, tmp_path):
    client.force_login(city.users.leader)
    response = client.get("/dashboard/export/" + WEEK)
    assert response.status_code == 200
    path = tmp_path / "r.xlsx"
    path.write_bytes(response.content)
    ws = load_workbook(path)["综合排名"]
    assert ws.freeze_panes == "A3"
    assert [ws.cell(row=r, column=2).value for r in (3, 4, 5)] == ["区城管局", "东街街道",
                                                                   "区住建局"]
    assert ws.cell(row=5, column=1).value == "数据不足"


def test_only_the_office_edits_the_weights(city, client):
    client.force_login(city.users.leader)
    assert client.get("/dashboard/weights/").status_code == 403
    client.force_login(city.users.office)
    page = client.get("/dashboard/weights/").content.decode()
    # Grouped as the office thinks of them, every setting once.
    for legend in ("综合指数：各项指标的权重", "参与排名和红黑榜", "三种测评方式的占比",
                   "三年测评周期"):
        assert legend in page
    for name in ("w_ontime", "min_items", "top_n", "method_field", "cycle_start_year"):
        assert page.count(f'name="{name}"') == 1
    data = {"w_ontime": 50, "w_overdue": 20, "w_relapse": 10, "w_ledger_completion": 10,
            "w_ledger_approval": 5, "w_point_pass": 20, "w_satisfaction": 10, "top_n": 2,
            "method_online": 40, "method_field": 40, "method_survey": 20,
            "year1_weight": 15, "year2_weight": 25, "year3_weight": 60, "min_items": 5,
            "min_subscores": 2}
    assert client.post("/dashboard/weights/", data).status_code == 302
    saved = RankingWeights.objects.get(region=city.units.a)
    assert (saved.w_ontime, saved.floor()) == (50, {"items": 5, "subscores": 2})
    bad = client.post("/dashboard/weights/", {**data, "method_survey": 30})
    assert "三种测评方式的占比之和须为 100" in bad.content.decode()


def test_the_office_records_negative_events_and_the_leader_cannot(city, client):
    data = {"unit": city.units.zj.pk, "item": "重大安全事故", "deduction": "2",
            "date": "2026-05-01", "is_veto": "on"}
    client.force_login(city.users.leader)
    assert client.get("/dashboard/projection/").status_code == 200
    assert client.post("/dashboard/projection/", data).status_code == 403
    client.force_login(city.users.office)
    assert client.post("/dashboard/projection/", data).status_code == 302
    assert NegativeListEvent.objects.get().is_veto


def test_escalations_show_on_the_units_history(city, client):
    client.force_login(city.users.office)
    url = f"/dashboard/units/{city.units.cg.pk}/"
    response = client.post(url, {"kind": "interview", "decided_on": "2026-11-20",
                                 "reason": "连续两周排名末位"})
    assert response.status_code == 302
    assert Escalation.objects.get().unit == city.units.cg
    client.force_login(city.users.leader)
    html = client.get(url).content.decode()
    assert "连续两周排名末位" in html and "约谈" in html
    assert client.post(url, {"kind": "notice", "decided_on": "2026-11-20",
                             "reason": "x"}).status_code == 403
    client.force_login(city.users.office_b)
    assert client.get(url).status_code == 404


def test_the_home_page_shows_the_headline_panel_to_leaders_only(city, week, client):
    from dashboard.home import home_panel

    client.force_login(city.users.leader)
    page = client.get("/").content.decode()
    assert "本周综合排名" in page
    panel = home_panel(city.users.leader)
    assert f'<div class="fs-3 fw-bold">{panel["units"]}</div>' in page
    assert f'<div class="fs-3 fw-bold text-danger">{panel["overdue"]}</div>' in page
    client.force_login(city.users.liaison)
    assert "本周综合排名" not in client.get("/").content.decode()


def test_a_score_of_zero_is_shown_as_zero_not_as_missing(city, client):
    import datetime as dt

    from django.utils import timezone

    from .factories import make_issue

    # Far more overdue issues than the sub-score can absorb: 逾期情况 0, so the index is 0.
    now = timezone.now()
    for _i in range(3):
        make_issue(unit=city.units.zj, region=city.units.a, created=now - dt.timedelta(days=60),
                   deadline=now - dt.timedelta(days=40))
    NegativeListEvent.objects.create(unit=city.units.zj, item="重大安全事故", is_veto=True,
                                     date=timezone.localdate())
    client.force_login(city.users.leader)
    html = client.get("/dashboard/").content.decode()
    row = re.search(r"区住建局</a></td>\s*<td class=\"fw-bold\">([^<]*)</td>", html)
    assert row and row.group(1) == "0.0"
    page = client.get("/dashboard/projection/").content.decode()
    assert '<strong class="fs-4">0.0</strong>' in page


def test_the_ranking_page_lists_units_below_the_floor_and_says_how(city, week, client):
    client.force_login(city.users.leader)
    html = client.get("/dashboard/" + WEEK).content.decode()
    # 区住建局: one fresh issue; the office's floor is named beside it.
    assert "数据不足（计分事项 0 项，需 3 项；有数据的指标 1 项，需 1 项）" in html
    assert "期限未到的在办问题还没有结果，不计" in html
    assert "不参与排名" in html
    assert "少于 3 项或有数据的指标少于 1 项" in html  # the footnote names the floor


def test_the_workbench_warns_from_november_when_next_year_has_no_holidays(city):
    import datetime as dt

    from dashboard.home import home_panel
    from issues.models import Holiday

    leader = city.users.leader
    assert home_panel(leader, today=dt.date(2026, 10, 31))["missing_calendar"] is None
    assert home_panel(leader, today=dt.date(2026, 11, 1))["missing_calendar"] == 2027
    Holiday.objects.create(date=dt.date(2027, 1, 1), name="元旦")
    assert home_panel(leader, today=dt.date(2026, 11, 1))["missing_calendar"] is None


def test_a_unit_name_opens_its_scorecard_for_the_ranking_s_period(city, week, client):
    client.force_login(city.users.leader)
    card = reverse("dashboard:unit-scorecard", args=[city.units.cg.pk])
    html = client.get("/dashboard/?period=custom&start=2026-11-16&end=2026-11-22").content.decode()
    assert f'href="{card}?period=custom&amp;start=2026-11-16&amp;end=2026-11-22"' in html
    assert f'href="{card}?period=year"' in client.get("/dashboard/?period=year").content.decode()
    assert f'href="{card}"' in client.get("/dashboard/").content.decode()
    # A period the ranking refused is not passed on: the scorecard gets the one shown.
    html = client.get("/dashboard/?period=bogus").content.decode()
    assert f'href="{card}?period=bogus' not in html and f'href="{card}' in html


def test_the_calendar_warning_sends_only_the_city_office_to_the_calendar(client, city,
                                                                          city_office):
    """The district's office and leader read the city's calendar: the warning tells them
    whom to ask; the city office gets the link to enter the days."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 16, 9, tzinfo=ZoneInfo("Asia/Shanghai"))):
        for user in (city.users.leader, city.users.office):
            client.force_login(user)
            page = client.get("/").content.decode()
            assert "2027 年的节假日和调休还没有录入" in page
            assert "请联系市创城办" in page and "去录入节假日" not in page
        client.force_login(city_office)
        page = client.get("/").content.decode()
        assert "去录入节假日" in page and "请联系市创城办" not in page


def test_the_ranking_footnote_says_how_relapse_and_the_drill_down_work(client, city):
    from issues.services import RELAPSE_WINDOW_DAYS

    client.force_login(city.users.office)
    body = client.get("/dashboard/").content.decode()
    assert f"销号后 {RELAPSE_WINDOW_DAYS} 天内同一点位、同一类别又发现的问题" in body
    assert "点击表中任一数字可查看其背后的" in body
