"""The surveys API: scope matrix, results, staff entry, copy, void, query counts."""

import pytest

from surveys.models import Response, Survey
from surveys.services import response_submit

from .factories import SurveyFactory, opt, survey_with_questions

pytestmark = pytest.mark.django_db


def answers(q, aware="知道"):
    return {q["age"].pk: opt(q["age"], "18–65周岁"), q["res"].pk: opt(q["res"], "6个月及以上"),
            q["aware"].pk: opt(q["aware"], aware), q["support"].pk: opt(q["support"], "支持"),
            q["sat"].pk: opt(q["sat"], "满意")}


@pytest.fixture
def data(city):
    s, q = survey_with_questions(city.units.a)
    response_submit(survey=s, community=city.units.community, answers=answers(q),
                    channel="household")
    other = SurveyFactory(region=city.units.b)
    return s, q, other


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_office_lists_its_region_with_public_url(api, city, data):
    s, _q, other = data
    response = api.as_user(city.users.office).get("/api/v1/surveys/")
    assert ids(response) == {s.pk}
    row = response.json()["results"][0]
    assert row["public_url"].endswith(s.public_path()) and row["response_count"] == 1


@pytest.mark.parametrize("user_key", ["office", "leader", "inspector", "pointchief"])
def test_results_in_scope(api, city, data, user_key):
    s, _q, _other = data
    result = api.as_user(getattr(city.users, user_key)).get(f"/api/v1/surveys/{s.pk}/results/")
    assert result.status_code == 200
    body = result.json()
    assert body["response_count"] == 1
    assert body["rates"] == {"awareness": 100.0, "support": 100.0, "participation": None,
                             "satisfaction": 100.0}
    assert body["areas"]["communities"][0]["name"] == "幸福社区"


@pytest.mark.parametrize("user_key", ["liaison", "liaison2", "unitleader", "office_b",
                                      "liaison_b"])
def test_no_results_outside_scope(api, city, data, user_key):
    s, _q, _other = data
    client = api.as_user(getattr(city.users, user_key))
    assert client.get(f"/api/v1/surveys/{s.pk}/results/").status_code == 404
    assert s.pk not in ids(client.get("/api/v1/surveys/"))
    assert ids(client.get("/api/v1/survey-responses/")) == set()


def test_street_user_sees_only_its_own_communities(api, city, data):
    from accounts.models import Role, Unit

    from ..factories import UnitFactory, UserFactory

    s, q, _other = data
    west = UnitFactory(name="西关街道", kind=Unit.Kind.STREET, parent=city.units.a)
    west_c = UnitFactory(name="西关社区", kind=Unit.Kind.COMMUNITY, parent=west)
    response_submit(survey=s, community=west_c, answers=answers(q, "不知道"), channel="mock")
    chief = UserFactory(username="westchief", unit=west_c, role=Role.POINT_CHIEF)
    body = api.as_user(chief).get(f"/api/v1/surveys/{s.pk}/results/").json()
    assert body["response_count"] == 1 and body["rates"]["awareness"] == 0.0
    assert [c["name"] for c in body["areas"]["communities"]] == ["西关社区"]
    office = api.as_user(city.users.office).get(f"/api/v1/surveys/{s.pk}/results/").json()
    assert office["response_count"] == 2 and office["rates"]["awareness"] == 50.0
    # weakest area first
    assert office["areas"]["communities"][0]["name"] == "西关社区"


def test_anonymous_gets_401(api, data):
    s, _q, _other = data
    assert api.get("/api/v1/surveys/").status_code == 401
    assert api.get(f"/api/v1/surveys/{s.pk}/results/").status_code == 401


def test_office_creates_and_publishes(api, city):
    client = api.as_user(city.users.office)
    created = client.post("/api/v1/surveys/", {
        "title": "满意度调查", "region": city.units.a.pk, "round_kind": "mock",
        "starts_on": "2026-03-01", "ends_on": "2026-03-31"})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    refused = client.post(f"/api/v1/surveys/{pk}/publish/")
    assert refused.status_code == 400 and "status" in refused.json()


@pytest.mark.parametrize("payload, field", [
    ({"ends_on": "2026-02-01"}, "ends_on"),
    ({"region": "community"}, "region"),
    ({"target_satisfaction": "120"}, "target_satisfaction"),
])
def test_bad_survey_input_names_the_field(api, city, payload, field):
    body = {"title": "调查", "region": city.units.a.pk, "starts_on": "2026-03-01",
            "ends_on": "2026-03-31", **payload}
    if body["region"] == "community":
        body["region"] = city.units.community.pk
    response = api.as_user(city.users.office).post("/api/v1/surveys/", body)
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize("user_key", ["leader", "inspector", "pointchief"])
def test_read_only_roles_cannot_write(api, city, data, user_key):
    s, _q, _other = data
    client = api.as_user(getattr(city.users, user_key))
    assert client.patch(f"/api/v1/surveys/{s.pk}/", {"title": "x"}).status_code == 403
    assert client.post(f"/api/v1/surveys/{s.pk}/copy/").status_code == 403
    assert client.post(f"/api/v1/surveys/{s.pk}/void/", {"reason": "x", "ids": [1]}
                       ).status_code == 403


def test_other_district_office_gets_404_on_write(api, city, data):
    s, _q, _other = data
    client = api.as_user(city.users.office_b)
    assert client.patch(f"/api/v1/surveys/{s.pk}/", {"title": "x"}).status_code == 404


def test_staff_entry_through_the_api(api, city, data):
    s, q, _other = data
    client = api.as_user(city.users.inspector)
    response = client.post("/api/v1/survey-responses/", {
        "survey": s.pk, "community": city.units.community.pk, "channel": "household",
        "answers": {str(k): v for k, v in answers(q).items()}}, format="json")
    assert response.status_code == 201, response.content
    saved = Response.objects.get(pk=response.json()["id"])
    assert saved.interviewer == city.users.inspector and saved.channel == "household"
    bad = client.post("/api/v1/survey-responses/", {
        "survey": s.pk, "community": city.units.community.pk, "channel": "household",
        "answers": {}}, format="json")
    assert bad.status_code == 400 and "answers" in bad.json()
    missing = client.post("/api/v1/survey-responses/", {
        "survey": s.pk, "community": city.units.community.pk, "channel": "household",
        "answers": {str(q["aware"].pk): opt(q["aware"], "知道")}}, format="json")
    assert missing.status_code == 400 and f"q{q['sat'].pk}" in missing.json()
    assert api.as_user(city.users.leader).post("/api/v1/survey-responses/", {}).status_code == 403


def test_copy_keeps_the_original_answers(api, city, data):
    s, q, _other = data
    response = api.as_user(city.users.office).post(f"/api/v1/surveys/{s.pk}/copy/",
                                                   {"round_kind": "real"})
    assert response.status_code == 201
    new = Survey.objects.get(pk=response.json()["id"])
    assert new.version == 2 and new.copied_from == s and new.status == "draft"
    assert new.questions.count() == s.questions.count()
    assert new.responses.count() == 0 and s.responses.count() == 1
    new.questions.filter(text=q["aware"].text).update(text="改过的题目")
    q["aware"].refresh_from_db()
    assert q["aware"].text != "改过的题目"
    assert Response.objects.get(survey=s).answers.filter(question=q["aware"]).exists()


def test_office_voids_a_response_and_it_leaves_the_count(api, city, data):
    s, _q, _other = data
    client = api.as_user(city.users.office)
    response_id = Response.objects.get(survey=s).pk
    assert client.post(f"/api/v1/surveys/{s.pk}/void/", {"ids": [response_id]}
                       ).status_code == 400  # reason missing
    done = client.post(f"/api/v1/surveys/{s.pk}/void/",
                       {"ids": [response_id], "reason": "重复提交"})
    assert done.json() == {"voided": 1}
    assert client.get(f"/api/v1/surveys/{s.pk}/results/").json()["response_count"] == 0


def test_bursts_are_listed_and_voided_together(api, city, data):
    s, q, _other = data
    for _ in range(9):
        response_submit(survey=s, community=city.units.community, answers=answers(q),
                        channel="online")
    client = api.as_user(city.users.office)
    bursts = client.get(f"/api/v1/surveys/{s.pk}/bursts/").json()
    assert len(bursts) == 1 and bursts[0]["n"] == 9 and bursts[0]["channel"] == "online"
    done = client.post(f"/api/v1/surveys/{s.pk}/void/", {
        "reason": "刷票", "community": city.units.community.pk, "channel": "online",
        "minute": bursts[0]["minute"]})
    assert done.json() == {"voided": 9}
    assert Response.objects.filter(survey=s, voided=False).count() == 1


def _seed_responses(city, survey, q, n):
    for i in range(n):
        response_submit(survey=survey, community=city.units.community,
                        answers=answers(q, "知道" if i % 2 else "不知道"), channel="household")


def test_list_and_results_query_counts_are_constant(api, city, data):
    s, q, _other = data
    client = api.as_user(city.users.office)
    SurveyFactory(region=city.units.a)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def measure(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    measure("/api/v1/surveys/")  # warm-up: first request fills per-process caches
    # list: count, one page with correlated response counts
    small_list = measure("/api/v1/surveys/")
    small_results = measure(f"/api/v1/surveys/{s.pk}/results/")
    _seed_responses(city, s, q, 12)
    SurveyFactory(region=city.units.a)
    assert measure("/api/v1/surveys/") == small_list
    assert measure(f"/api/v1/surveys/{s.pk}/results/") == small_results
    # ~12 reads, the savepoint around the results and, on PostgreSQL, SET LOCAL jit
    assert small_results <= 17
