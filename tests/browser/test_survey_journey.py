"""A resident answers the public questionnaire on a phone, without an account."""

import pytest
from playwright.sync_api import expect

from surveys.models import Answer, Response
from tests.surveys.factories import survey_with_questions

from .conftest import assert_clean

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def survey(city):
    return survey_with_questions(city.units.a)


def choose(page, question, option):
    """Tap the option's label, as a thumb would, inside the question's card."""
    card = page.locator(f"fieldset#q{question.pk}")
    card.get_by_label(option, exact=True).tap()


def test_resident_fills_the_public_survey_on_a_phone(phone, city, survey):
    s, q = survey
    phone.goto(s.public_path())
    assert phone.locator("h1").text_content() == s.title
    assert_clean(phone)

    # Submitting with nothing answered keeps the resident on the form with the reasons.
    phone.get_by_role("button", name="提交问卷").tap()
    expect(phone.locator(".alert-danger")).to_contain_text("提交未成功")
    # Everything missing is marked at once: the community and each required question.
    expect(phone.locator(".card.border-danger")).to_have_count(1 + 5)
    expect(phone.locator(f"fieldset#q{q['sat'].pk}")).to_contain_text("为必答题，请作答")
    assert Response.objects.count() == 0
    assert_clean(phone)

    phone.select_option("#community", label="幸福社区")
    choose(phone, q["age"], "18–65周岁")
    choose(phone, q["res"], "6个月及以上")
    choose(phone, q["aware"], "知道")
    choose(phone, q["support"], "支持")
    choose(phone, q["part"], "志愿服务")
    choose(phone, q["part"], "环境整治")
    choose(phone, q["sat"], "比较满意")
    phone.fill(f"fieldset#q{q['text'].pk} textarea", "希望多设几个垃圾分类点")
    phone.get_by_role("button", name="提交问卷").tap()
    expect(phone.locator("main")).to_contain_text("提交成功")
    assert_clean(phone)

    response = Response.objects.get()
    assert response.survey == s and response.community == city.units.community
    assert response.channel == "online"
    answers = Answer.objects.filter(response=response)
    assert answers.get(question=q["sat"]).option.text == "比较满意"
    assert answers.get(question=q["part"]).choices.count() == 2
    assert answers.get(question=q["text"]).text == "希望多设几个垃圾分类点"
