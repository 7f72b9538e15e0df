"""Survey pages in a real browser under the strict CSP: the results charts draw (ECharts from
static/vendor), the questionnaire editor works in place through htmx, the quota page shows."""

import datetime

import pytest
from playwright.sync_api import expect

from surveys.models import Survey
from surveys.services import quotas_set, response_submit
from tests.surveys.factories import opt, survey_with_questions

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(s, q, community, sat):
    response_submit(survey=s, community=community, channel="household",
                    answers={q["age"].pk: opt(q["age"], "18–65周岁"),
                             q["res"].pk: opt(q["res"], "6个月及以上"),
                             q["aware"].pk: opt(q["aware"], "知道"),
                             q["support"].pk: opt(q["support"], "支持"),
                             q["sat"].pk: opt(q["sat"], sat)})


def test_results_charts_draw_with_trend_between_rounds(desktop, city):
    mock, mq = survey_with_questions(city.units.a, title="模拟入户调查",
                                     starts_on=datetime.date(2026, 3, 1))
    real, rq = survey_with_questions(city.units.a, title="正式测评", round_kind="real",
                                     starts_on=datetime.date(2026, 6, 1))
    _answer(mock, mq, city.units.community, "不满意")
    _answer(real, rq, city.units.community, "满意")
    log_in(desktop, "office")
    desktop.goto(f"/surveys/{real.pk}/results/")
    for chart in ("chart-overall", "chart-trend", "chart-communities"):
        desktop.wait_for_selector(f"#{chart} canvas")
    desktop.hover("#chart-trend canvas")
    trend = desktop.evaluate("JSON.parse(document.getElementById('survey-chart-data')"
                             ".textContent).trend.map((t) => [t.round_label, t.rates.satisfaction])")
    assert trend == [["模拟调查", 0], ["正式测评", 100]]
    assert_clean(desktop)  # no CSP violation, no missing asset


def test_editor_moves_and_deletes_in_place(desktop, city):
    s, q = survey_with_questions(city.units.a, status=Survey.Status.DRAFT)
    log_in(desktop, "office")
    desktop.goto(f"/surveys/{s.pk}/builder/")
    desktop.evaluate("window.__kept = true")  # gone if the page were reloaded
    desktop.click(f"#question-{q['support'].pk} button[aria-label^='上移']")
    expect(desktop.locator(f"#question-{q['support'].pk} .fw-semibold")).to_contain_text("3. ")
    desktop.once("dialog", lambda dialog: dialog.accept())
    desktop.click(f"#question-{q['text'].pk} button[aria-label^='删除']")
    desktop.wait_for_selector(f"#question-{q['text'].pk}", state="detached")
    desktop.fill("#new-section", "一、创建知晓情况")
    desktop.click("#add-section button")
    desktop.wait_for_selector("text=未分节的题目")
    # A refused change shows its message next to the item, still in place.
    desktop.fill(f"#question-{q['sat'].pk} input[name=text][placeholder]", "x" * 200)
    desktop.evaluate(f"document.querySelector('#question-{q['sat'].pk} "
                     "input[name=text][placeholder]').value = ' '")
    desktop.click(f"#question-{q['sat'].pk} form:has(input[placeholder]) button")
    desktop.wait_for_selector(f"#question-{q['sat'].pk} .alert-danger")
    assert "请填写选项文字" in desktop.text_content(f"#question-{q['sat'].pk} .alert-danger")
    assert desktop.evaluate("window.__kept") is True
    assert s.questions.count() == 6 and s.sections.count() == 1
    desktop.problems = [p for p in desktop.problems if not p.startswith("HTTP 400")]
    assert_clean(desktop)


def test_quota_page_on_a_phone(phone, city):
    s, q = survey_with_questions(city.units.a)
    quotas_set(survey=s, by=city.users.office, targets={city.units.community: 20})
    _answer(s, q, city.units.community, "满意")
    log_in(phone, "office")
    phone.goto(f"/surveys/{s.pk}/quotas/")
    assert phone.get_attribute("progress.survey-progress:not(.survey-progress-lg)",
                               "value") == "5"
    phone.fill("#quota-all", "30")
    phone.click("#quota-bulk button")
    phone.wait_for_selector(".alert-success")
    assert s.quotas.get().target == 30
    assert_clean(phone)
