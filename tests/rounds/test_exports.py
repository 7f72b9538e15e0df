"""The round's exports: the sample and routes, the scores (Excel and PDF) and the findings,
each from the round's pages, with the rows of the walked fixture; who may fetch them."""

import datetime
import io
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from issues.models import Issue
from jobs.excel import read_report
from rounds.models import Round
from rounds.services import round_draw, sample_inspect, sample_swap

from ..test_formula_injection import PAYLOADS, assert_text_only
from .conftest import verdicts

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheets(body):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), data_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book}


def fetch(client, name, round_):
    response = client.get(reverse(f"rounds:{name}", args=[round_.pk]))
    assert response.status_code == 200, response.content[:300]
    return response


def test_round_pages_offer_the_exports(client, city, walked):
    client.force_login(city.users.office)
    detail = client.get(reverse("rounds:round-detail", args=[walked.pk])).content.decode()
    for name in ("scores-export", "scores-pdf", "findings-export"):
        assert reverse(f"rounds:{name}", args=[walked.pk]) in detail
    sample = client.get(reverse("rounds:round-sample", args=[walked.pk])).content.decode()
    assert reverse("rounds:sample-export", args=[walked.pk]) in sample


def test_sample_export_lists_the_route_in_order_with_swaps(client, city, district, walked):
    # the one point not inspected is swapped first (treated as a random one: every fixed
    # point of the category is already in the sample)
    pending = walked.samples.get(inspection__isnull=True)
    walked.samples.filter(pk=pending.pk).update(is_fixed=False)
    pending.refresh_from_db()
    old_name = pending.point.name
    swap = sample_swap(sample=pending, reason="点位正在施工", by=city.users.office)
    client.force_login(city.users.office)
    response = fetch(client, "sample-export", walked)
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    title, header, rows = read_report(io.BytesIO(response.content))
    walked.refresh_from_db()
    assert walked.name in title and f"随机种子 {walked.seed}" in title
    assert header[:10] == ["序号", "组别", "点位名称", "类别", "街道/区域", "地址", "是否固定点位",
                           "是否调换", "调换原因", "检查状态"]
    assert len(rows) == 6
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]  # one team: its stops in route order
    stops = list(walked.samples.order_by("route_order").values_list("point__name", flat=True))
    assert [r[2] for r in rows] == stops
    assert all(r[1] == "第一组" for r in rows)
    swapped = next(r for r in rows if r[2] == swap.new_point.name)
    assert swapped[7] == "是" and old_name in swapped[8] and "点位正在施工" in swapped[8]
    assert swapped[9] == "未测评"
    assert sorted(r[9] for r in rows) == ["已测评"] * 5 + ["未测评"]
    assert sum(r[6] == "是" for r in rows) == 5 and swapped[6] == "否"
    assert {r[3] for r in rows} == {"农贸市场", "背街小巷"}
    scores = sorted(r[10] for r in rows if r[10] is not None)
    assert scores == [0, 0, 60, 80, 100]


def test_scores_export_has_every_breakdown_and_the_spread(client, city, district, walked):
    client.force_login(city.users.leader)
    book = sheets(fetch(client, "scores-export", walked).content)
    assert list(book) == ["总体", "按点位类别", "按区县", "按街道", "按责任单位", "与历次比较"]
    summary = {r[0]: r[1] for r in book["总体"][2:]}
    # markets 60, 0, 100 → 53.33; alleys 0, 80 → 40; the city: mean of the two → 46.67
    assert summary["全域实地得分"] == pytest.approx(46.7)
    assert summary["已测评点位"] == 5 and summary["抽中点位"] == 6
    assert summary["波动范围（±分）"] > 0 and "～" in summary["95%区间"]
    categories = {r[0]: (r[1], r[2]) for r in book["按点位类别"][2:]}
    assert categories == {"农贸市场": (pytest.approx(53.3), 3), "背街小巷": (40, 2)}
    assert book["按区县"][2:] == [["城关区", 48, 5]]  # mean of the five points
    assert sum(r[2] for r in book["按街道"][2:]) == 5
    assert sum(r[2] for r in book["按责任单位"][2:]) == 5
    assert book["与历次比较"][2][0] == f"{walked.name}（本轮）"


def test_scores_compare_with_the_previous_round(client, city, district, walked):
    later = Round.objects.create(name="2026年第二轮模拟测评", region=district.region,
                                 framework=district.framework, starts="2026-06-01",
                                 ends="2026-06-05")
    round_draw(round=later, rules={district.alley.pk: (True, 0)}, seed=2, by=city.users.office)
    sample = later.samples.order_by("pk").first()
    sample_inspect(sample=sample, by=city.users.office,
                   results=verdicts(district, "alley", ["pass", "pass"]))
    client.force_login(city.users.office)
    rows = sheets(fetch(client, "scores-export", later).content)["与历次比较"][2:]
    assert rows[0][2] == 100
    assert rows[1][0] == walked.name and rows[1][2] == pytest.approx(46.7)
    assert rows[1][4] == "本轮高 53.3 分"


def test_scores_without_inspections_say_so_never_zero(client, city, district, round_):
    round_draw(round=round_, rules={district.market.pk: (True, 0)}, seed=1,
               by=city.users.office)
    client.force_login(city.users.office)
    book = sheets(fetch(client, "scores-export", round_).content)
    summary = {r[0]: r[1] for r in book["总体"][2:]}
    assert summary["全域实地得分"] == "尚无检查，暂无得分"
    assert book["按点位类别"][2:] == [["尚无检查，暂无得分", None, 0]]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        fetch(client, "scores-pdf", round_).content)).pages)
    assert "尚无检查" in text


def test_scores_pdf_is_a_pdf_with_the_round_and_its_score(client, city, walked):
    client.force_login(city.users.inspector)
    started = time.perf_counter()
    response = fetch(client, "scores-pdf", walked)
    elapsed = time.perf_counter() - started
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert walked.name in text and "46.7" in text and "农贸市场" in text
    assert elapsed < 10  # laid out in the request: a few short tables


def test_findings_export_lists_each_failed_item_and_its_issue(client, city, district, walked):
    # one finding was dispatched to 区城管局 and its deadline has passed
    dispatched = Issue.objects.filter(round_finding__result__check_item=district.items.lamps)
    dispatched.update(status=Issue.Status.ASSIGNED, responsible_unit=city.units.cg,
                      deadline=timezone.now() - timezone.timedelta(days=1))
    client.force_login(city.users.office)
    title, header, rows = read_report(io.BytesIO(fetch(client, "findings-export",
                                                       walked).content))
    assert walked.name in title
    assert header == ["点位", "点位类别", "检查项", "结论", "扣分", "是否严重", "问题编号", "责任单位",
                      "状态", "整改期限", "是否超期", "是否复发"]
    issues = set(Issue.objects.filter(round_finding__round=walked).values_list("pk", flat=True))
    assert {r[6] for r in rows} == issues and len(rows) == 4
    by_item = {r[2]: r for r in rows}
    assert by_item["划行归市"][4] == 2 and by_item["划行归市"][5] == "否"
    assert by_item["四牌一图齐全"][4] == 6 and by_item["四牌一图齐全"][5] == "是"  # 2 × 3
    assert by_item["路面干净无垃圾"][4] == "该点位计0分"
    assert by_item["路灯完好"][3] == "不合格"
    assert by_item["路灯完好"][7:11] == ["区城管局", "整改中", by_item["路灯完好"][9], "是"]
    assert isinstance(by_item["路灯完好"][9], datetime.datetime)
    assert by_item["划行归市"][7:11] == ["未指定", "待派发", None, "否"]
    assert all(r[11] == "否" for r in rows)


def test_findings_found_again_are_marked_as_relapses(client, city, district, walked):
    failed = walked.findings.select_related("sample").first()
    later = Round.objects.create(name="复查轮次", region=district.region,
                                 framework=district.framework, starts="2026-07-01",
                                 ends="2026-07-02")
    round_draw(round=later, rules={failed.sample.category_id: (True, 0)}, seed=3,
               by=city.users.office)
    sample = later.samples.get(point_id=failed.sample.point_id)
    kind = "market" if failed.sample.category_id == district.market.pk else "alley"
    items = [i.pk for i in (district.items.signs, district.items.rows, district.items.scale)] \
        if kind == "market" else [district.items.clean.pk, district.items.lamps.pk]
    marks = ["fail" if pk == failed.result.check_item_id else "pass" for pk in items]
    sample_inspect(sample=sample, by=city.users.office, results=verdicts(district, kind, marks))
    client.force_login(city.users.office)
    rows = read_report(io.BytesIO(fetch(client, "findings-export", later).content))[2]
    assert len(rows) == 1 and rows[0][11].startswith("是（上一轮")


@pytest.mark.parametrize("name", ["sample-export", "scores-export", "scores-pdf",
                                  "findings-export"])
def test_exports_follow_the_round_pages_scope(client, city, walked, name):
    url = reverse(f"rounds:{name}", args=[walked.pk])
    for user, status in ((city.users.office_b, 404), (city.users.liaison, 403),
                         (city.users.pointchief, 403), (city.users.leader, 200)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(city.users.office)
    assert client.post(url).status_code == 405
    assert client.get(reverse(f"rounds:{name}", args=[999999])).status_code == 404


def test_an_inspector_of_another_team_sees_only_their_own_stops(client, city, district,
                                                                walked):
    from rounds.models import RoundTeam
    from rounds.services import team_save
    from tests.factories import UserFactory

    other = UserFactory(username="inspector2", unit=city.users.inspector.unit,
                        role=city.users.inspector.role)
    team_save(team=RoundTeam(round=walked, name="第二组"), members=[other],
              by=city.users.office)
    walked.samples.filter(inspection__isnull=True).update(team=walked.teams.get(name="第二组"),
                                                          route_order=1)
    client.force_login(other)
    rows = read_report(io.BytesIO(fetch(client, "sample-export", walked).content))[2]
    assert len(rows) == 1 and rows[0][1] == "第二组"


def test_exports_write_names_as_text(client, city, district, walked):
    points = [f.sample.point for f in walked.findings.select_related("sample__point")]
    assert len(points) == 4
    for point, payload in zip(points, PAYLOADS, strict=True):
        point.name = payload
        point.save(update_fields=["name"])
    client.force_login(city.users.office)
    assert_text_only(fetch(client, "sample-export", walked).content)
    assert_text_only(fetch(client, "findings-export", walked).content)


def test_scores_pdf_without_chinese_fonts_says_why(client, city, walked, monkeypatch):
    """Without a CJK font WeasyPrint would drop every Chinese glyph: refused with the reason."""
    monkeypatch.setattr("jobs.pdf.has_cjk_font", lambda: False)
    client.force_login(city.users.office)
    response = client.get(reverse("rounds:scores-pdf", args=[walked.pk]))
    assert response.status_code == 503
    assert "中文字体" in response.content.decode() and "Excel 版不受影响" in response.content.decode()
