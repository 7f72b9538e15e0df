"""The questionnaire an answer is checked against is read once per revision and kept: a
resident's answer reads no question or option, and every edit (the editor, the admin) moves
the revision, so the next answer is checked against the edited questionnaire."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from surveys import editing
from surveys.models import Option, Question, Response, Survey

from .factories import opt, survey_with_questions
from .test_public_form import full_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(city):
    return survey_with_questions(city.units.a)


def _questionnaire_reads(queries):
    tables = (Question._meta.db_table, Option._meta.db_table)
    return [q["sql"] for q in queries
            if q["sql"].lstrip().upper().startswith("SELECT")
            and any(f'"{t}"' in q["sql"].split(" WHERE ")[0] for t in tables)]


def _post(s, data):
    return Client().post(s.public_path(), data)


def test_an_answer_reads_the_questionnaire_once(survey, city):
    s, q = survey
    data = full_post(q, city.units.community)
    with CaptureQueriesContext(connection) as first:
        assert _post(s, data).status_code == 200
    assert len(_questionnaire_reads(first.captured_queries)) == 2  # questions, options
    with CaptureQueriesContext(connection) as second:
        assert _post(s, data).status_code == 200
    assert _questionnaire_reads(second.captured_queries) == []
    assert Response.objects.filter(survey=s).count() == 2


def test_an_added_option_is_accepted_after_the_edit(survey, city):
    s, q = survey
    # Refused (no community): nothing stored, the questionnaire of revision 0 is kept.
    assert _post(s, full_post(q)).status_code == 400
    option = editing.option_add(question=q["support"], by=city.users.office, text="非常支持")
    assert Survey.objects.get(pk=s.pk).questions_revision == s.questions_revision + 1
    data = {**full_post(q, city.units.community), f"q{q['support'].pk}": option.pk}
    assert _post(s, data).status_code == 200
    assert Response.objects.get(survey=s).answers.get(question=q["support"]).option == option


def test_a_deleted_option_is_refused_after_the_edit(survey, city):
    s, q = survey
    doomed = opt(q["support"], "无所谓")
    assert _post(s, full_post(q)).status_code == 400
    editing.option_delete(option=Option.objects.get(pk=doomed), by=city.users.office)
    data = {**full_post(q, city.units.community), f"q{q['support'].pk}": doomed}
    response = _post(s, data)
    assert response.status_code == 400 and "答案无效" in response.content.decode()
    assert not Response.objects.filter(survey=s).exists()


def test_a_question_added_after_is_asked_even_by_a_survey_loaded_before(survey, city):
    s, q = survey
    assert _post(s, full_post(q)).status_code == 400
    loaded_before = Survey.objects.get(pk=s.pk)
    new = editing.question_add(survey=s, by=city.users.office, text="您家有几口人",
                               kind=Question.Kind.TEXT, required=True)
    # Saving the other fields of a survey read before the edit keeps the new revision.
    loaded_before.title = "改过标题的问卷"
    loaded_before.save()
    assert Survey.objects.get(pk=s.pk).questions_revision == s.questions_revision + 1
    response = _post(s, full_post(q, city.units.community))
    assert response.status_code == 400 and "您家有几口人”为必答题" in response.content.decode()
    assert _post(s, {**full_post(q, city.units.community), f"q{new.pk}": "三口"}
                 ).status_code == 200


def test_a_question_deleted_in_the_admin_is_no_longer_asked(survey, city, admin_client):
    s, q = survey
    data = full_post(q, city.units.community)
    del data[f"q{q['sat'].pk}"]
    assert _post(s, full_post(q)).status_code == 400
    page = admin_client.post(f"/admin/surveys/question/{q['sat'].pk}/delete/", {"post": "yes"})
    assert page.status_code == 302
    assert _post(s, data).status_code == 200
    assert Response.objects.filter(survey=s).count() == 1
