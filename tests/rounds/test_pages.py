"""The office's round pages: list, create, draw (seed shown), sample with swap, teams and
routes, the round page; scoping (another district 404, liaison 403), bad input 400."""

import pytest
from django.urls import reverse

from rounds.models import Round, RoundTeam, SampleSwap
from rounds.services import round_draw, sample_inspect, team_save, teams_assign

from .conftest import photo

pytestmark = pytest.mark.django_db


def rules_for(district):
    return {district.market.pk: (True, 30), district.alley.pk: (True, 20)}


def test_round_list_shows_rounds_and_no_score_yet(client, city, round_):
    client.force_login(city.users.office)
    page = client.get(reverse("rounds:round-list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert round_.name in text and "尚未检查，暂无得分" in text and "尚未抽样" in text


def test_create_round_then_draw_shows_the_seed(client, city, district):
    client.force_login(city.users.office)
    resp = client.post(reverse("rounds:round-create"), {
        "name": "2026年第二轮模拟测评", "kind": "mock", "region": district.region.pk,
        "framework": district.framework.pk, "starts": "2026-05-01", "ends": "2026-05-05",
        "strata": "street", "random_share": 30})
    round_ = Round.objects.get(name="2026年第二轮模拟测评")
    assert resp.status_code == 302 and resp.url == reverse("rounds:round-draw", args=[round_.pk])
    page = client.get(resp.url)
    assert page.status_code == 200 and "农贸市场" in page.content.decode()
    resp = client.post(resp.url, {
        f"use_{district.market.pk}": "on", f"fixed_{district.market.pk}": "on",
        f"share_{district.market.pk}": "25", f"share_{district.alley.pk}": "10", "seed": "4242"})
    assert resp.status_code == 302
    round_.refresh_from_db()
    assert round_.seed == 4242
    # only markets were chosen: all 4 fixed ones plus a quarter of the 40 others
    assert set(round_.samples.values_list("category_id", flat=True)) == {district.market.pk}
    assert round_.samples.filter(is_fixed=True).count() == 4
    sample_page = client.get(reverse("rounds:round-sample", args=[round_.pk]))
    assert "4242" in sample_page.content.decode()


def test_bad_round_and_draw_input_answers_400_in_chinese(client, city, district, round_):
    client.force_login(city.users.office)
    resp = client.post(reverse("rounds:round-create"), {
        "name": "", "region": city.units.b.pk, "framework": district.framework.pk,
        "starts": "2026-05-05", "ends": "2026-05-01", "random_share": 130})
    assert resp.status_code == 400
    text = resp.content.decode()
    assert "请填写轮次名称" in text and "测评范围须为您管辖的区县或城市" in text
    resp = client.post(reverse("rounds:round-draw", args=[round_.pk]), {
        f"use_{district.market.pk}": "on", f"share_{district.market.pk}": "abc", "seed": "x"})
    assert resp.status_code == 400
    text = resp.content.decode()
    assert "随机抽取比例须为0到100之间的整数" in text and "随机种子须为整数" in text
    resp = client.post(reverse("rounds:round-draw", args=[round_.pk]), {})
    assert resp.status_code == 400 and "请至少为一个点位类别设置抽样规则" in resp.content.decode()
    assert not round_.samples.exists()


def test_another_districts_round_is_404_and_liaison_403(client, city, district, round_):
    client.force_login(city.users.office_b)
    for name in ("round-detail", "round-draw", "round-sample", "round-teams", "round-edit"):
        assert client.get(reverse(f"rounds:{name}", args=[round_.pk])).status_code == 404, name
    assert round_.name not in client.get(reverse("rounds:round-list")).content.decode()
    client.force_login(city.users.liaison)
    assert client.get(reverse("rounds:round-list")).status_code == 403
    assert client.get(reverse("rounds:round-detail", args=[round_.pk])).status_code == 403
    client.force_login(city.users.leader)
    assert client.get(reverse("rounds:round-detail", args=[round_.pk])).status_code == 200
    assert client.get(reverse("rounds:round-draw", args=[round_.pk])).status_code == 403


def test_swap_needs_a_reason_and_is_recorded(client, city, district, round_):
    round_draw(round=round_, rules=rules_for(district), seed=1, by=city.users.office)
    sample = round_.samples.filter(is_fixed=False).first()
    url = reverse("rounds:sample-swap", args=[round_.pk, sample.pk])
    client.force_login(city.users.office)
    assert client.get(url).status_code == 200
    resp = client.post(url, {"reason": "  "})
    assert resp.status_code == 400 and "请填写替换原因" in resp.content.decode()
    resp = client.post(url, {"reason": "点位已拆除"})
    assert resp.status_code == 302
    swap = SampleSwap.objects.get(sample=sample)
    assert swap.reason == "点位已拆除" and swap.by == city.users.office
    assert "点位已拆除" in client.get(reverse("rounds:round-sample", args=[round_.pk])
                                     ).content.decode()


def test_teams_assign_and_route_then_inspector_walks(client, city, district, round_):
    round_draw(round=round_, rules=rules_for(district), seed=3, by=city.users.office)
    client.force_login(city.users.office)
    url = reverse("rounds:round-teams", args=[round_.pk])
    resp = client.post(url, {"name": "", "members": []})
    assert resp.status_code == 400 and "请填写组名" in resp.content.decode()
    resp = client.post(url, {"action": "assign"})
    assert resp.status_code == 400 and "请先添加督查组" in resp.content.decode()
    resp = client.post(url, {"name": "第一组", "members": [city.users.inspector.pk],
                             "start_name": "区创城办"})
    assert resp.status_code == 302
    resp = client.post(url, {"name": "第二组", "members": [city.users.office.pk]})
    assert resp.status_code == 302
    assert client.post(url, {"action": "assign"}).status_code == 302
    team = RoundTeam.objects.get(round=round_, name="第一组")
    assert team.samples.count() > 0 and not round_.samples.filter(team__isnull=True).exists()
    route = reverse("rounds:route", args=[round_.pk, team.pk])
    assert "打印版" in client.get(route).content.decode()
    assert client.get(route + "?print=1").status_code == 200

    client.force_login(city.users.inspector)
    mine = client.get(reverse("rounds:my-routes")).content.decode()
    assert "第一组" in mine and "第二组" not in mine
    other = RoundTeam.objects.get(round=round_, name="第二组")
    assert client.get(reverse("rounds:route", args=[round_.pk, other.pk])).status_code == 404
    stop = team.samples.order_by("route_order").first()
    form = reverse("rounds:sample-inspect", args=[round_.pk, stop.pk])
    assert client.get(form).status_code == 200
    items = list(stop.point.category.check_items.all())
    data = {f"verdict_{i.pk}": "pass" for i in items}
    data[f"verdict_{items[0].pk}"] = "fail"
    data[f"photo_{items[0].pk}"] = photo()
    resp = client.post(form, data)
    assert resp.status_code == 302 and resp.url == route
    stop.refresh_from_db()
    assert stop.inspection is not None and stop.findings.count() == 1
    # the inspector may not inspect a stop of another team
    theirs = other.samples.first()
    assert client.post(reverse("rounds:sample-inspect", args=[round_.pk, theirs.pk]),
                       data).status_code == 404


def test_round_page_scores_and_findings(client, city, district, round_):
    round_draw(round=round_, rules=rules_for(district), seed=5, by=city.users.office)
    team = team_save(team=RoundTeam(round=round_, name="第一组"),
                     members=[city.users.inspector], by=city.users.office)
    teams_assign(round=round_, by=city.users.office)
    client.force_login(city.users.office)
    page = client.get(reverse("rounds:round-detail", args=[round_.pk])).content.decode()
    assert "尚未检查，暂无得分" in page
    stop = team.samples.filter(category=district.market).first()
    items = district.items
    sample_inspect(sample=stop, by=city.users.inspector, results=[
        {"check_item": items.signs, "verdict": "fail", "photo": photo()},
        {"check_item": items.rows, "verdict": "pass"},
        {"check_item": items.scale, "verdict": "na"}])
    page = client.get(reverse("rounds:round-detail", args=[round_.pk])).content.decode()
    assert "尚未检查，暂无得分" not in page
    # 3 of 6 lost, scale not applicable: 2/3 → 66.7 per hundred... full marks stay (na)
    assert "按点位类别" in page and "整改率" in page and "共 1 个问题" in page
    assert "四牌一图齐全" in page or stop.point.name in page
