"""/api/v1/rounds/: the rounds a user sees (filters), a round with its plan, teams and score
summary ("尚无检查" until a point is scored), its sample, and the round inspection of one
sampled point: who may, bad input per field, idempotent by the draft's UUID."""

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from points.models import Inspection
from rounds.models import Round, RoundFinding, RoundTeam
from rounds.services import round_draw, team_save, teams_assign
from tests.factories import UserFactory

from .conftest import photo

pytestmark = pytest.mark.django_db

URL = "/api/v1/rounds/"


def results_for(district, marks, *, category="market"):
    items = ([district.items.signs, district.items.rows, district.items.scale]
             if category == "market" else [district.items.clean, district.items.lamps])
    return [{"check_item": i.pk, "verdict": v} for i, v in zip(items, marks, strict=True)]


def inspect_url(sample):
    return f"{URL}{sample.round_id}/sample/{sample.pk}/inspect/"


def post_inspection(client, sample, rows, *, key=None, files=None, notes="现场检查"):
    headers = {"HTTP_IDEMPOTENCY_KEY": str(key)} if key else {}
    return client.post(inspect_url(sample), {"results": json.dumps(rows), "notes": notes,
                                             **(files or {})}, format="multipart", **headers)


@pytest.fixture
def drawn(city, district, round_):
    """The round drawn (fixed points only) and given to one team with the inspector."""
    round_draw(round=round_, rules={district.market.pk: (True, 0), district.alley.pk: (True, 0)},
               seed=1, by=city.users.office)
    team_save(team=RoundTeam(round=round_, name="第一组"), members=[city.users.inspector],
              by=city.users.office)
    teams_assign(round=round_, by=city.users.office)
    round_.refresh_from_db()
    return round_


def test_list_shows_the_visible_rounds_with_no_score_yet(api, city, drawn):
    other = Round.objects.create(name="高新区第一轮", region=city.units.b,
                                 framework=drawn.framework, starts="2026-03-01",
                                 ends="2026-03-02")
    body = api.as_user(city.users.office).get(URL).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["name"] == drawn.name and row["sample_count"] == 6 and row["team_count"] == 1
    assert row["inspected_count"] == 0
    assert row["score_state"] == "none" and row["field_score"] is None
    assert [r["id"] for r in api.as_user(city.users.office_b).get(URL).json()["results"]] == [
        other.pk]
    # an inspector sees the rounds they walk in; a leader those of the region
    assert api.as_user(city.users.inspector).get(URL).json()["count"] == 1
    assert api.as_user(city.users.leader).get(URL).json()["count"] == 1


def test_list_scores_once_inspected(api, city, walked):
    row = api.as_user(city.users.office).get(URL).json()["results"][0]
    assert row["score_state"] == "scored" and row["field_score"] == pytest.approx(46.7)
    assert row["inspected_count"] == 5


def test_list_filters_by_year_kind_and_region(api, city, district, drawn):
    Round.objects.create(name="2025年暗访", kind=Round.Kind.UNDERCOVER, region=district.region,
                         framework=district.framework, starts="2025-09-01", ends="2025-09-02")
    client = api.as_user(city.users.office)

    def names(query):
        response = client.get(URL + query)
        assert response.status_code == 200, response.content
        return [r["name"] for r in response.json()["results"]]

    assert names("?year=2025") == ["2025年暗访"]
    assert names("?kind=mock") == [drawn.name]
    assert names(f"?region={district.region.pk}&year=2026") == [drawn.name]
    assert names("") == [drawn.name, "2025年暗访"]


def test_bad_filters_answer_400_per_field(api, city, drawn):
    client = api.as_user(city.users.office)
    response = client.get(URL + f"?year=abc&kind=nope&region={city.units.b.pk}")
    assert response.status_code == 400
    body = response.json()
    assert {"year", "kind", "region"} <= set(body)
    response = client.get(f"{URL}{drawn.pk}/sample/?status=maybe&team=x")
    assert response.status_code == 400 and {"status", "team"} <= set(response.json())


def test_who_may_read_rounds(api, city, drawn):
    for user, status in ((city.users.liaison, 403), (city.users.pointchief, 403),
                         (city.users.unitleader, 403)):
        client = api.as_user(user)
        assert client.get(URL).status_code == status
        assert client.get(f"{URL}{drawn.pk}/").status_code == status
        assert client.get(f"{URL}{drawn.pk}/sample/").status_code == status
    for user in (city.users.office_b,):
        client = api.as_user(user)
        assert client.get(f"{URL}{drawn.pk}/").status_code == 404
        assert client.get(f"{URL}{drawn.pk}/sample/").status_code == 404
    api.force_authenticate(None)
    assert api.get(URL).status_code in (401, 403)


def test_detail_has_plan_teams_and_an_explicit_no_score(api, city, district, drawn):
    body = api.as_user(city.users.leader).get(f"{URL}{drawn.pk}/").json()
    assert body["seed"] == 1 and body["is_drawn"] is True
    assert {r["category_name"]: (r["include_fixed"], r["random_share"]) for r in body["rules"]} \
        == {"农贸市场": (True, 0), "背街小巷": (True, 0)}
    assert [(t["name"], t["stops"], t["done"]) for t in body["teams"]] == [("第一组", 6, 0)]
    assert body["teams"][0]["members"][0]["id"] == city.users.inspector.pk
    scores = body["scores"]
    assert scores["state"] == "none" and scores["state_display"] == "尚无检查"
    assert scores["score"] is None and scores["spread"] is None and scores["low"] is None
    assert scores["points"] == 0 and scores["sampled"] == 6
    assert body["score_state"] == "none" and body["field_score"] is None


def test_detail_scores_match_the_round_page(api, city, walked):
    body = api.as_user(city.users.office).get(f"{URL}{walked.pk}/").json()
    scores = body["scores"]
    assert scores["state"] == "scored" and scores["score"] == pytest.approx(46.7)
    assert scores["low"] < scores["score"] < scores["high"]
    assert {line["name"]: line["points"] for line in scores["by_category"]} == {
        "农贸市场": 3, "背街小巷": 2}
    assert scores["by_district"][0]["score"] == pytest.approx(48.0)
    assert scores["previous"] == []
    assert body["teams"][0]["done"] == 5


def test_sample_lists_points_in_route_order_with_state(api, city, walked):
    body = api.as_user(city.users.inspector).get(f"{URL}{walked.pk}/sample/").json()
    assert body["count"] == 6
    rows = body["results"]
    assert [r["route_order"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert {r["team_name"] for r in rows} == {"第一组"}
    assert sorted(r["status"] for r in rows) == ["inspected"] * 5 + ["pending"]
    pending = next(r for r in rows if r["status"] == "pending")
    assert pending["status_display"] == "未测评" and pending["score"] is None
    assert sorted(r["score"] for r in rows if r["score"] is not None) == [0, 0, 60, 80, 100]
    only = api.get(f"{URL}{walked.pk}/sample/?status=pending").json()
    assert only["count"] == 1 and only["results"][0]["id"] == pending["id"]


def test_sample_list_queries_stay_flat(api, city, district, round_):
    """The round, the count and the page, with the session's user: the same for 6 and 106
    sampled points."""
    client = api.as_user(city.users.office)

    def count(share):
        round_draw(round=round_, rules={district.market.pk: (True, share),
                                        district.alley.pk: (True, share)},
                   seed=1, by=city.users.office)
        team_save(team=RoundTeam(round=round_, name=f"组{share}"),
                  members=[city.users.inspector], by=city.users.office)
        teams_assign(round=round_, by=city.users.office)
        client.get(f"{URL}{round_.pk}/sample/?page_size=200")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{URL}{round_.pk}/sample/?page_size=200")
        assert response.status_code == 200
        return response.json()["count"], len(ctx.captured_queries)

    small, large = count(0), count(100)
    assert small[0] == 6 and large[0] == 106
    assert small[1] == large[1] <= 6


def test_list_queries_stay_flat(api, city, district, walked):
    client = api.as_user(city.users.office)

    def count():
        client.get(URL)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(8):
        r = Round.objects.create(name=f"第{n}轮", region=district.region,
                                 framework=district.framework, starts=f"2025-0{n + 1}-01",
                                 ends=f"2025-0{n + 1}-02")
        RoundTeam.objects.create(round=r, name="第一组")
    assert count() == few <= 4  # count, page, the page's scores (force-authenticated)


def test_inspector_records_a_round_inspection_once_per_draft(api, city, district, drawn):
    sample = drawn.samples.filter(category=district.market).order_by("route_order").first()
    client = api.as_user(city.users.inspector)
    key = uuid.uuid4()
    rows = results_for(district, ["pass", "fail", "na"])
    files = {f"photo_{district.items.rows.pk}": photo()}
    first = post_inspection(client, sample, rows, key=key, files=files)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["id"] == sample.pk and body["status"] == "inspected" and body["score"] == 60
    again = post_inspection(client, sample, rows, key=key,
                            files={f"photo_{district.items.rows.pk}": photo()})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["inspection"] == body["inspection"]
    assert Inspection.objects.filter(round_sample=sample).count() == 1
    assert RoundFinding.objects.filter(sample=sample).count() == 1
    # without the key a second inspection of the same point is refused
    third = post_inspection(client, sample, rows,
                            files={f"photo_{district.items.rows.pk}": photo()})
    assert third.status_code == 400 and "已测评" in json.dumps(third.json(), ensure_ascii=False)


def test_a_draft_key_used_for_another_point_is_409(api, city, district, drawn):
    first, second = drawn.samples.filter(category=district.alley).order_by("pk")[:2]
    client = api.as_user(city.users.office)
    key = uuid.uuid4()
    rows = results_for(district, ["pass", "pass"], category="alley")
    assert post_inspection(client, first, rows, key=key).status_code == 201
    assert post_inspection(client, second, rows, key=key).status_code == 409
    second.refresh_from_db()
    assert second.inspection_id is None


def test_bad_inspection_input_is_400_per_field(api, city, district, drawn):
    sample = drawn.samples.filter(category=district.market).first()
    client = api.as_user(city.users.inspector)
    response = client.post(inspect_url(sample), {"results": "not json"}, format="multipart")
    assert response.status_code == 400 and "results" in response.json()
    response = client.post(inspect_url(sample), {
        "results": json.dumps([{"check_item": district.items.signs.pk, "verdict": "maybe"}])},
        format="multipart")
    assert response.status_code == 400 and "results" in response.json()
    # a failed item without its photo, and an item of the other category
    response = post_inspection(client, sample, results_for(district, ["fail", "pass", "pass"]))
    assert response.status_code == 400
    assert "需要拍照" in json.dumps(response.json(), ensure_ascii=False)
    response = post_inspection(client, sample, results_for(district, ["pass", "pass"],
                                                           category="alley"))
    assert response.status_code == 400
    response = post_inspection(client, sample, results_for(district, ["pass", "pass", "pass"]),
                               key="not-a-uuid")
    assert response.status_code == 400 and "client_uuid" in response.json()
    sample.refresh_from_db()
    assert sample.inspection_id is None


def test_who_may_record_a_round_inspection(api, city, district, drawn):
    sample = drawn.samples.filter(category=district.alley).first()
    rows = results_for(district, ["pass", "pass"], category="alley")
    other = UserFactory(username="inspector2", unit=city.users.inspector.unit,
                        role=city.users.inspector.role)
    team_save(team=RoundTeam(round=drawn, name="第二组"), members=[other],
              by=city.users.office)
    for user, status in ((city.users.leader, 403), (other, 403), (city.users.liaison, 403),
                         (city.users.office_b, 404)):
        response = post_inspection(api.as_user(user), sample, rows)
        assert response.status_code == status, (user, response.content)
    # an inspector outside every team of the round does not see the round
    stranger = UserFactory(username="inspector3", unit=city.users.inspector.unit,
                           role=city.users.inspector.role)
    assert post_inspection(api.as_user(stranger), sample, rows).status_code == 404
    # a sample of another round under this round's id
    later = Round.objects.create(name="第二轮", region=district.region,
                                 framework=district.framework, starts="2026-05-01",
                                 ends="2026-05-02")
    response = api.as_user(city.users.office).post(
        f"{URL}{later.pk}/sample/{sample.pk}/inspect/", {"results": json.dumps(rows)},
        format="multipart")
    assert response.status_code == 404
    sample.refresh_from_db()
    assert sample.inspection_id is None
    assert post_inspection(api.as_user(city.users.office), sample, rows).status_code == 201


def test_the_phone_form_queues_to_the_round_api_and_still_posts_without_it(
        client, api, city, district, drawn):
    """The round's inspection page names the round's API for the offline queue (with the
    route as where to go next); the plain form post keeps working where there is no queue."""
    first, second = drawn.samples.filter(category=district.alley).order_by("route_order")[:2]
    team = drawn.teams.get()
    route = f"/rounds/{drawn.pk}/teams/{team.pk}/route/"
    client.force_login(city.users.inspector)
    page = client.get(f"/rounds/{drawn.pk}/sample/{first.pk}/inspect/").content.decode()
    assert 'data-offline="inspection"' in page
    assert f'data-api="{inspect_url(first)}"' in page
    assert f'data-result="{route}"' in page and 'data-flash="{message}"' in page
    # the queue's request: the form's fields as the field queue sends them
    rows = results_for(district, ["pass", "fail"], category="alley")
    sent = client.post(inspect_url(first), {
        "point": first.point_id, "notes": "", "results": json.dumps(rows),
        f"photo_{district.items.lamps.pk}": photo()},
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), HTTP_ACCEPT="application/json")
    assert sent.status_code == 201, sent.content
    assert sent.json()["message"] == "本轮测评已保存：得分 4.00/5.00，1 个问题已转为整改问题。"
    assert sent.json()["findings"] == 1
    # the plain form post of the same page
    posted = client.post(f"/rounds/{drawn.pk}/sample/{second.pk}/inspect/", {
        f"verdict_{district.items.clean.pk}": "pass", f"verdict_{district.items.lamps.pk}": "pass"})
    assert posted.status_code == 302 and posted.url == route
    second.refresh_from_db()
    assert second.inspection.score == 5


def test_a_malformed_sample_id_is_404(api, city, drawn):
    client = api.as_user(city.users.office)
    for bad in ("x", "1e3", "9" * 30):
        response = client.post(f"{URL}{drawn.pk}/sample/{bad}/inspect/", {"results": "[]"},
                               format="multipart")
        assert response.status_code == 404, bad
