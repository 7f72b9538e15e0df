"""The office's pages: list, detail, results, exports, staff entry, responses."""

import io

import openpyxl
import pytest

from surveys.models import Response
from surveys.services import response_submit

from .factories import SurveyFactory, opt, survey_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(city):
    s, q = survey_with_questions(city.units.a)
    response_submit(survey=s, community=city.units.community, channel="household", answers={
        q["age"].pk: opt(q["age"], "18–65周岁"), q["res"].pk: opt(q["res"], "6个月及以上"),
        q["aware"].pk: opt(q["aware"], "知道"), q["support"].pk: opt(q["support"], "支持"),
        q["part"].pk: [opt(q["part"], "志愿服务")], q["sat"].pk: opt(q["sat"], "不满意"),
        q["text"].pk: "多建公园"})
    return s, q


@pytest.mark.parametrize("suffix", ["", "results/", "responses/"])
def test_pages_in_scope_and_out(client, city, survey, suffix):
    s, _q = survey
    url = f"/surveys/{s.pk}/{suffix}"
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(city.users.office)
    assert client.get(url).status_code == 200
    client.force_login(city.users.liaison)
    assert client.get(url).status_code == 404
    client.force_login(city.users.office_b)
    assert client.get(url).status_code == 404


def test_list_page_shows_only_the_region(client, city, survey):
    s, _q = survey
    other = SurveyFactory(region=city.units.b, title="高新区问卷")
    client.force_login(city.users.office)
    body = client.get("/surveys/").content.decode()
    assert s.title in body and other.title not in body


def test_results_page_shows_rates_and_chart_data(client, city, survey):
    s, _q = survey
    client.force_login(city.users.leader)
    body = client.get(f"/surveys/{s.pk}/results/").content.decode()
    assert "100.0%" in body and "0.0%" in body  # awareness met, satisfaction not
    assert 'id="survey-chart-data"' in body and "surveys_results.js" in body
    assert "<script>" not in body


def test_exports_hold_rates_and_raw_answers(client, city, survey, exported):
    s, _q = survey
    client.force_login(city.users.office)
    rates = openpyxl.load_workbook(io.BytesIO(exported(client, f"/surveys/{s.pk}/export/rates.xlsx")))
    rows = list(rates["各区域指标"].values)
    assert rows[0][4:] == ("知晓率", "支持率", "参与率", "满意率")
    assert ("社区", "幸福社区", 1, 1, "100.0%", "100.0%", "100.0%", "0.0%") in rows
    raw = openpyxl.load_workbook(io.BytesIO(
        exported(client, f"/surveys/{s.pk}/export/responses.xlsx")))
    rows = list(raw["原始答卷"].values)
    assert len(rows) == 2 and "多建公园" in rows[1] and "志愿服务" in rows[1]
    client.force_login(city.users.liaison2)
    assert client.get(f"/surveys/{s.pk}/export/responses.xlsx").status_code == 404


def test_staff_entry_on_the_phone(client, city, survey):
    s, q = survey
    client.force_login(city.users.inspector)
    assert client.get(f"/surveys/{s.pk}/entry/").status_code == 200
    data = {"community": city.units.community.pk, "channel": "intercept",
            f"q{q['age'].pk}": opt(q["age"], "65周岁以上"),
            f"q{q['res'].pk}": opt(q["res"], "6个月及以上"),
            f"q{q['aware'].pk}": opt(q["aware"], "不知道"),
            f"q{q['support'].pk}": opt(q["support"], "支持"),
            f"q{q['sat'].pk}": opt(q["sat"], "满意")}
    response = client.post(f"/surveys/{s.pk}/entry/", data)
    assert response.status_code == 302
    saved = Response.objects.latest("pk")
    assert saved.interviewer == city.users.inspector and saved.channel == "intercept"
    assert saved.in_frame is False  # over 65: kept apart from the rates
    refused = client.post(f"/surveys/{s.pk}/entry/", {"community": city.units.community.pk,
                                                      "channel": "household"})
    assert refused.status_code == 400 and "没有收到任何答案" in refused.content.decode()
    client.force_login(city.users.leader)
    assert client.get(f"/surveys/{s.pk}/entry/").status_code == 403


def test_office_adds_questions_with_marked_options(client, city, survey):
    answered, _q = survey
    client.force_login(city.users.office)
    # A survey with answers takes no new question (a new version does).
    client.post(f"/surveys/{answered.pk}/questions/", {"text": "您对小区物业满意吗",
                                                        "kind": "single", "options": "a\nb"})
    assert not answered.questions.filter(text="您对小区物业满意吗").exists()
    s = SurveyFactory(region=city.units.a)
    client.post(f"/surveys/{s.pk}/questions/", {
        "text": "您对小区物业满意吗", "kind": "single", "indicator": "satisfaction",
        "required": "on", "options": "满意*\n比较满意*\n不满意"})
    q = s.questions.get(text="您对小区物业满意吗")
    assert [(o.text, o.indicator) for o in q.options.all()] == [
        ("满意", "satisfaction"), ("比较满意", "satisfaction"), ("不满意", "")]
    client.post(f"/surveys/{s.pk}/questions/", {"text": "总体打分", "kind": "rating",
                                                 "indicator": "satisfaction"})
    rating = s.questions.get(text="总体打分")
    assert rating.options.count() == 5
    assert rating.options.filter(indicator="satisfaction").count() == 2
    client.force_login(city.users.leader)
    assert client.post(f"/surveys/{s.pk}/questions/", {"text": "x", "kind": "text"}
                       ).status_code == 403


def test_list_page_query_count_is_constant(client, city, survey, django_assert_num_queries):
    client.force_login(city.users.office)
    client.get("/surveys/")
    # session, user, unit (scope), notifications count, survey count, survey page
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get("/surveys/")
    for _ in range(5):
        SurveyFactory(region=city.units.a)
    with CaptureQueriesContext(connection) as large:
        client.get("/surveys/")
    assert len(small) == len(large)
