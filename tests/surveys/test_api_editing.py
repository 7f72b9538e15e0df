"""Questionnaire editing through the API: build a survey from questions with counting
options, reorder, edit, delete; scope; Chinese 400s; refused once answers exist."""

import pytest
from rest_framework.test import APIClient

from surveys.models import Option, Question, Section, Survey
from surveys.services import response_submit

from .factories import SurveyFactory, opt, survey_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(city):
    return SurveyFactory(region=city.units.a, status=Survey.Status.DRAFT)


def test_office_builds_a_questionnaire(api, city, draft):
    client = api.as_user(city.users.office)
    section = client.post("/api/v1/survey-sections/", {"survey": draft.pk,
                                                       "title": "一、创建知晓情况"}, format="json")
    assert section.status_code == 201, section.content
    created = client.post("/api/v1/survey-questions/", {
        "survey": draft.pk, "section": section.json()["id"], "kind": "single",
        "text": "您知道本市正在创建全国文明城市吗", "indicator": "awareness",
        "options": [{"text": "知道", "counts": True}, {"text": "不知道"}]}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert [(o["text"], o["indicator"]) for o in body["options"]] == [
        ("知道", "awareness"), ("不知道", "")]
    rating = client.post("/api/v1/survey-questions/", {
        "survey": draft.pk, "kind": "rating", "text": "总体满意程度打分",
        "indicator": "satisfaction"}, format="json").json()
    # Unsectioned questions come first.
    assert (rating["order"], Question.objects.get(pk=body["id"]).order) == (1, 2)
    option = client.post("/api/v1/survey-options/", {"question": body["id"], "text": "听说过",
                                                     "counts": True}, format="json")
    assert option.status_code == 201 and option.json()["indicator"] == "awareness"
    moved = client.post(f"/api/v1/survey-options/{option.json()['id']}/move/",
                        {"direction": "up"}, format="json")
    assert moved.status_code == 200 and moved.json()["order"] == 2
    patched = client.patch(f"/api/v1/survey-questions/{body['id']}/",
                           {"required": False, "indicator": "support"}, format="json").json()
    assert patched["required"] is False and patched["text"] == "您知道本市正在创建全国文明城市吗"
    assert [o["indicator"] for o in patched["options"]] == ["support", "support", ""]
    assert client.delete(f"/api/v1/survey-options/{option.json()['id']}/").status_code == 204
    listed = client.get(f"/api/v1/survey-questions/?survey={draft.pk}").json()
    assert [q["text"] for q in listed["results"]] == ["总体满意程度打分",
                                                      "您知道本市正在创建全国文明城市吗"]


@pytest.mark.parametrize("path, data, field, message", [
    ("survey-sections/", {"title": ""}, "title", "不能为空"),
    ("survey-questions/", {"text": "x", "kind": "essay"}, "kind", "不是合法选项"),
    ("survey-questions/", {"text": "x", "kind": "single", "options": [{"text": "唯一"}]},
     "options", "选择题至少需要两个选项"),
    ("survey-questions/", {"text": "x", "kind": "text", "indicator": "awareness"}, "kind",
     "简答题不能计入指标"),
    ("survey-questions/", {"text": "x", "kind": "single", "indicator": "happiness"},
     "indicator", "不是合法选项"),
])
def test_bad_input_is_400_in_chinese(api, city, draft, path, data, field, message):
    response = api.as_user(city.users.office).post(f"/api/v1/{path}",
                                                   {"survey": draft.pk, **data}, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not Question.objects.exists() and not Section.objects.exists()


@pytest.mark.parametrize("user_key, read, write, create", [
    ("office", 200, None, None), ("inspector", 200, 403, 403), ("leader", 200, 403, 403),
    ("liaison", 404, 404, 403),     # no role to write: refused before the survey is looked at
    ("office_b", 404, 404, 400),    # an office, but the survey is not theirs: "对象不存在"
])
def test_scope(api, city, user_key, read, write, create):
    s, q = survey_with_questions(city.units.a, status=Survey.Status.DRAFT)
    client = api.as_user(getattr(city.users, user_key))
    target = f"/api/v1/survey-questions/{q['sat'].pk}/"
    assert client.get(target).status_code == read
    if write:
        assert client.patch(target, {"text": "改"}, format="json").status_code == write
        assert client.delete(target).status_code == write
        assert client.post(f"/api/v1/survey-options/{opt(q['sat'], '满意')}/move/",
                           {"direction": "down"}, format="json").status_code == write
        created = client.post("/api/v1/survey-sections/", {"survey": s.pk, "title": "一"},
                              format="json")
        assert created.status_code == create
        assert Question.objects.get(pk=q["sat"].pk).text == "您对创建工作满意吗"
        assert not Section.objects.exists()
    assert APIClient().get(target).status_code == 401


def test_refused_once_answers_exist(api, city):
    s, q = survey_with_questions(city.units.a)
    response_submit(survey=s, community=city.units.community, channel="household",
                    answers={q["age"].pk: opt(q["age"], "18–65周岁"),
                             q["res"].pk: opt(q["res"], "6个月及以上"),
                             q["aware"].pk: opt(q["aware"], "知道"),
                             q["support"].pk: opt(q["support"], "支持"),
                             q["sat"].pk: opt(q["sat"], "满意")})
    client = api.as_user(city.users.office)
    for call in (
        lambda: client.patch(f"/api/v1/survey-questions/{q['sat'].pk}/", {"text": "改"},
                             format="json"),
        lambda: client.delete(f"/api/v1/survey-options/{opt(q['sat'], '满意')}/"),
        lambda: client.post("/api/v1/survey-questions/", {"survey": s.pk, "kind": "text",
                                                          "text": "新题"}, format="json"),
    ):
        response = call()
        assert response.status_code == 400
        assert "本问卷已有 1 份答卷" in str(response.json()["survey"])
    assert Option.objects.filter(pk=opt(q["sat"], "满意")).exists()
    assert s.questions.count() == 7


def test_list_queries_constant(api, city, django_assert_max_num_queries):
    s, _q = survey_with_questions(city.units.a)
    client = api.as_user(city.users.office)
    client.get(f"/api/v1/survey-questions/?survey={s.pk}")
    with django_assert_max_num_queries(8):
        assert len(client.get(f"/api/v1/survey-questions/?survey={s.pk}").json()["results"]) == 7
    survey_with_questions(city.units.a)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/survey-questions/").json()["count"] == 14
