"""A mock round end to end: the office creates it, draws it with a seed and splits it between
two teams; an inspector walks two points of the route on a phone (one checklist item fails);
the round page shows the score and the finding as an issue."""

import random

import pytest
from playwright.sync_api import expect

from accounts.models import Role, Unit
from issues.models import Issue, IssueCategory
from points.models import CheckItem, Framework, PointCategory
from rounds.models import Round
from tests.factories import UnitFactory, UserFactory
from tests.rounds.conftest import make_points

from .conftest import assert_clean, jpeg_file, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "test-artifacts/rounds-{}.png"


@pytest.fixture
def markets(city):
    """城关区's 农贸市场: 2 fixed and 8 other points over 东街 and 西街, a checklist weighing
    3, 2 and 1, the current 测评体系, an issue category for the findings."""
    streets = [city.units.street, UnitFactory(name="西街街道", kind=Unit.Kind.STREET,
                                              parent=city.units.a)]
    market = PointCategory.objects.create(name="农贸市场", order=1)
    items = [CheckItem.objects.create(category=market, text=t, score=s, order=i)
             for i, (t, s) in enumerate([("“四牌一图”齐全", 3), ("划行归市，无店外经营", 2),
                                         ("公平秤设置并有效使用", 1)])]
    Framework.objects.create(name="全国文明城市测评体系", edition="2022年版", year=2022,
                             is_current=True)
    IssueCategory.objects.create(name="占道经营", severity="minor")
    make_points(city.units.a, streets, market, fixed=2, random_points=8, rng=random.Random(5))
    return items


def test_office_draws_two_teams_walk_and_the_round_page_scores(
        desktop, phone, city, markets, tmp_path, live_server):
    UserFactory(username="inspector2", full_name="马督查", unit=city.units.office,
                role=Role.INSPECTOR)
    city.users.inspector.full_name = "李督查"
    city.users.inspector.save()
    office = desktop
    log_in(office, "office")
    office.goto("/rounds/new/")
    office.get_by_label("名称").fill("2026年第一轮模拟测评")
    office.get_by_label("测评范围").select_option(label="城关区")
    office.get_by_label("开始日期").fill("2026-03-01")
    office.get_by_label("结束日期").fill("2026-03-10")
    office.screenshot(path=SHOTS.format("1-new"), full_page=True)
    office.get_by_role("button", name="保存").click()
    expect(office.locator(".alert-success")).to_contain_text("已保存测评轮次")

    # 30 % of the 8 other points is 3 (rounded up), one street at least each; both fixed ones.
    office.get_by_label("农贸市场随机抽取比例").fill("30")
    office.get_by_label("随机种子（选填）").fill("20260301")
    office.screenshot(path=SHOTS.format("2-draw"), full_page=True)
    office.get_by_role("button", name="抽取点位").click()
    expect(office.locator(".alert-success")).to_contain_text("已抽取 5 个点位，随机种子 20260301")
    round = Round.objects.get()
    assert round.seed == 20260301 and round.samples.filter(is_fixed=True).count() == 2

    office.locator(".nav-tabs").get_by_role("link", name="督查组与路线").click()
    for name, member in [("第一组", "李督查（城关区创城办）"), ("第二组", "马督查（城关区创城办）")]:
        office.get_by_label("组名").fill(name)
        office.get_by_label(member).check()
        office.get_by_role("button", name="添加", exact=True).click()
        expect(office.locator(".alert-success")).to_contain_text(f"已添加督查组“{name}”")
    expect(office.get_by_label("组名")).to_have_value("第三组")  # the next one, as written
    office.get_by_role("button", name="按片区分配点位并排路线").click()
    expect(office.locator(".alert-success")).to_contain_text("已按片区把点位分给各组")
    office.screenshot(path=SHOTS.format("3-teams"), full_page=True)
    teams = {t.name: t.samples.count() for t in round.teams.all()}
    assert sum(teams.values()) == 5 and min(teams.values()) >= 1
    assert_clean(office)

    log_in(phone, "inspector")
    phone.goto("/rounds/mine/")
    expect(phone.locator(".list-group-item")).to_have_count(1)
    expect(phone.locator(".list-group-item")).to_contain_text(f"已测评 0/{teams['第一组']}")
    phone.screenshot(path=SHOTS.format("4-mine-phone"), full_page=True)
    phone.get_by_text("2026年第一轮模拟测评").tap()
    expect(phone.get_by_text("出发：最北边的点位")).to_be_visible()
    stops = phone.locator("[data-route] li")
    expect(stops).to_have_count(teams["第一组"])
    phone.screenshot(path=SHOTS.format("5-route-phone"), full_page=True)

    # The field queue sends the round's checklist to the round's inspection API.
    # Stop 1: everything in order. Stop 2: goods sold outside the stalls (2 of 6 points).
    for stop, failing in [(0, None), (1, markets[1])]:
        stops.nth(stop).get_by_role("link", name="开始测评").tap()
        expect(phone.locator(".alert-info")).to_contain_text(f"第 {stop + 1} 站")
        for item in markets:
            verdict = "fail" if item == failing else "pass"
            phone.locator(f"label[for=v{item.pk}{verdict}]").tap()
        if failing:
            phone.set_input_files(f"#photo_{failing.pk}", str(jpeg_file(
                tmp_path / "店外经营.jpg", color=(90, 120, 60), seed=2)))
            phone.fill(f"input[name=note_{failing.pk}]", "水果摊摆到店外人行道")
            phone.screenshot(path=SHOTS.format("6-inspect-phone"), full_page=True)
        with phone.expect_response(lambda r: r.request.method == "POST" and
                                   "/inspect/" in r.url) as sent:
            phone.get_by_role("button", name="提交督查").tap()
        assert sent.value.url.startswith(f"{live_server.url}/api/v1/rounds/{round.pk}/sample/")
        assert sent.value.status == 201
        expect(phone.locator(".alert-success")).to_contain_text(
            "本轮测评已保存：得分 4.00/6.00，1 个问题已转为整改问题" if failing else
            "本轮测评已保存：得分 6.00/6.00")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    expect(stops.nth(0)).to_contain_text("已测评 6.00/6.00")
    expect(stops.nth(1)).to_contain_text("已测评 4.00/6.00")
    phone.screenshot(path=SHOTS.format("7-route-done-phone"), full_page=True)
    assert_clean(phone)

    # 100 and 4/6 = 66.7 per point; one category, so the field score is their mean, 83.3.
    office.goto(f"/rounds/{round.pk}/")
    expect(office.locator("[data-field-score]")).to_have_text("83.3")
    expect(office.get_by_text("已测评 2 / 抽中 5 个点位")).to_be_visible()
    expect(office.locator("[data-findings]")).to_contain_text("共 1 个问题，已整改 0 个")
    issue = Issue.objects.get()
    assert issue.source == "mock" and issue.round_finding.round == round
    assert issue.description.startswith("【2026年第一轮模拟测评】模拟测评不合格：划行归市")
    link = office.get_by_role("link", name=issue.description[:20], exact=False)
    expect(link).to_have_attribute("href", issue.get_absolute_url())
    office.screenshot(path=SHOTS.format("8-detail"), full_page=True)
    link.click()
    expect(office.locator("body")).to_contain_text("水果摊摆到店外人行道")
    assert_clean(office)


def test_a_round_stop_inspected_without_signal_is_recorded_once(phone, city, markets,
                                                                 tmp_path):
    """No signal at the stop: the checklist waits in the queue; with the network back it is
    sent to the round's inspection API once, and the finding is filed with the round."""
    from rounds.models import RoundTeam
    from rounds.services import round_draw, team_save, teams_assign

    from .test_offline_field import offline_noise_only, wait_for_worker

    round = Round.objects.create(name="2026年第二轮模拟测评", region=city.units.a,
                                 framework=Framework.objects.get(), starts="2026-05-01",
                                 ends="2026-05-02")
    round_draw(round=round, rules={markets[0].category_id: (True, 0)}, seed=1,
               by=city.users.office)
    team_save(team=RoundTeam(round=round, name="第一组"), members=[city.users.inspector],
              by=city.users.office)
    teams_assign(round=round, by=city.users.office)
    sample = round.samples.order_by("route_order").first()
    log_in(phone, "inspector")
    phone.goto(f"/rounds/{round.pk}/sample/{sample.pk}/inspect/")
    wait_for_worker(phone)
    context = phone.context

    context.set_offline(True)
    for item in markets:
        verdict = "fail" if item == markets[2] else "pass"
        phone.locator(f"label[for=v{item.pk}{verdict}]").tap()
    phone.set_input_files(f"#photo_{markets[2].pk}", str(jpeg_file(
        tmp_path / "秤.jpg", color=(200, 200, 40), seed=9)))
    phone.get_by_role("button", name="提交督查").tap()
    expect(phone.locator("#field-queue-badge")).to_contain_text("待上传 1 条")
    offline_noise_only(phone)

    context.set_offline(False)
    phone.reload()
    phone.locator("#field-queue-badge").tap()
    expect(phone.locator(".queue-item [data-state-label]")).to_have_text("已上传", timeout=20_000)
    sample.refresh_from_db()
    assert sample.inspection is not None and sample.inspection.score == 5
    assert sample.findings.count() == 1
    assert Issue.objects.get().round_finding.round == round
    offline_noise_only(phone)
