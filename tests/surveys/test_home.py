"""The surveys panel of the 工作台: open surveys, counts, quota progress, weakest
communities for the office; own quota progress for interviewers; constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Unit
from surveys.home import home_panel
from surveys.models import Survey
from surveys.services import quotas_set, response_submit

from ..factories import UnitFactory
from .factories import SurveyFactory, opt, survey_with_questions

pytestmark = pytest.mark.django_db


def answer(s, q, community, sat="满意", interviewer=None):
    return response_submit(survey=s, community=community, channel="household",
                           interviewer=interviewer,
                           answers={q["age"].pk: opt(q["age"], "18–65周岁"),
                                    q["res"].pk: opt(q["res"], "6个月及以上"),
                                    q["aware"].pk: opt(q["aware"], "知道"),
                                    q["support"].pk: opt(q["support"], "支持"),
                                    q["sat"].pk: opt(q["sat"], sat)})


@pytest.fixture
def setup(city):
    s, q = survey_with_questions(city.units.a, title="城关区模拟入户调查")
    other = UnitFactory(name="和平社区", kind=Unit.Kind.COMMUNITY, parent=city.units.street)
    quotas_set(survey=s, by=city.users.office,
               targets={city.units.community: 4, other: 2})
    for sat in ("满意", "不满意", "不满意"):  # 幸福社区: 33.3 %
        answer(s, q, city.units.community, sat, interviewer=city.users.pointchief)
    for _ in range(2):  # 和平社区: 100 %, quota met (a third would be refused)
        answer(s, q, other, interviewer=city.users.inspector)
    SurveyFactory(region=city.units.a, title="已结束的问卷", status=Survey.Status.CLOSED)
    SurveyFactory(region=city.units.b, title="高新区问卷")
    return s, q, other


def test_office_sees_open_surveys_progress_and_weakest_communities(city, setup):
    s, _q, _other = setup
    panel = home_panel(city.users.office)
    assert panel["mode"] == "office"
    assert [r["survey"].title for r in panel["surveys"]] == ["城关区模拟入户调查"]
    row = panel["surveys"][0]
    assert row["survey"].response_count == 5
    assert (row["target"], row["counted"], row["short"], row["percent"]) == (6, 5, 1, 83)
    assert [(w["community"], w["rate"], w["gap"]) for w in panel["weakest"]] == [
        ("幸福社区", 33.3, -51.7)]  # 和平社区's 2 answers are below MIN_ANSWERS


def test_interviewers_see_their_own_progress(city, setup):
    panel = home_panel(city.users.pointchief)
    assert panel["mode"] == "interviewer" and panel["weakest"] == []
    row = panel["surveys"][0]
    # The point chief's scope is their community: 3 of its quota of 4, all entered by them.
    assert (row["target"], row["counted"], row["mine"], row["percent"]) == (4, 3, 3, 75)
    row = home_panel(city.users.inspector)["surveys"][0]
    assert (row["target"], row["counted"], row["mine"]) == (6, 5, 2)


@pytest.mark.parametrize("user_key", ["liaison", "unitleader", "liaison_b"])
def test_no_panel_for_units(city, setup, user_key):
    assert home_panel(getattr(city.users, user_key)) is None


def test_other_district_sees_only_its_own(city, setup):
    panel = home_panel(city.users.office_b)
    assert [r["survey"].title for r in panel["surveys"]] == ["高新区问卷"]
    assert panel["weakest"] == []


def test_home_page_shows_the_panel(client, city, setup):
    client.force_login(city.users.office)
    body = client.get("/").content.decode()
    assert "问卷调查" in body and "城关区模拟入户调查" in body and "幸福社区" in body
    assert "33.3%（目标 85.0%）" in body
    client.force_login(city.users.pointchief)
    body = client.get("/").content.decode()
    assert "我录入 <strong>3</strong> 份" in body and "入户录入" in body


def test_panel_queries_are_constant(city, setup):
    s, q, other = setup

    def count():
        with CaptureQueriesContext(connection) as ctx:
            home_panel(city.users.office)
        return len(ctx)

    small = count()
    for n in range(3):
        extra, eq = survey_with_questions(city.units.a, title=f"第{n}轮")
        quotas_set(survey=extra, by=city.users.office, targets={other: 5})
        for _ in range(3):
            answer(extra, eq, other, "不满意")
    assert count() == small
    assert len(home_panel(city.users.office)["surveys"]) == 4
