"""The rates against hand-computed fixtures (selectors module docstring has the definition)."""

import pytest

from surveys.models import Response
from surveys.selectors import rates_for, survey_results
from surveys.services import response_submit

from .factories import opt, survey_with_questions

pytestmark = pytest.mark.django_db


def answer(s, q, community, *, age="18–65周岁", res="6个月及以上", aware=None, support=None,
           part=None, sat=None, text=None):
    raw = {q["age"].pk: opt(q["age"], age), q["res"].pk: opt(q["res"], res)}
    if aware:
        raw[q["aware"].pk] = opt(q["aware"], aware)
    if support:
        raw[q["support"].pk] = opt(q["support"], support)
    if part is not None:
        raw[q["part"].pk] = [opt(q["part"], p) for p in part]
    if sat:
        raw[q["sat"].pk] = opt(q["sat"], sat)
    if text:
        raw[q["text"].pk] = text
    return response_submit(survey=s, community=community, answers=raw, channel="household")


@pytest.fixture
def fixture(city):
    s, q = survey_with_questions(city.units.a)
    c = city.units.community
    # 1: all positive, participated in two activities (counts once), wrote a suggestion
    answer(s, q, c, aware="知道", support="支持", part=["志愿服务", "环境整治"], sat="满意",
           text="多种树")
    # 2: knows, indifferent (an option feeding no indicator), skipped participation, 比较满意
    answer(s, q, c, aware="知道", support="无所谓", sat="比较满意")
    # 3: does not know, supports, took part in nothing, 不满意
    answer(s, q, c, aware="不知道", support="支持", part=["都没有参加"], sat="不满意")
    # 4: out of the frame (aged over 65): counted in response_count, never in the rates
    answer(s, q, c, age="65周岁以上", aware="不知道", support="不支持", part=["都没有参加"],
           sat="不满意")
    # 5: out of the frame (lived here under 6 months)
    answer(s, q, c, res="不满6个月", aware="不知道", support="不支持", sat="不满意")
    # 6: voided: counted nowhere
    bad = answer(s, q, c, aware="知道", support="支持", part=["志愿服务"], sat="满意")
    Response.objects.filter(pk=bad.pk).update(voided=True)
    return s, q


def test_rates_match_hand_computed_values(fixture):
    s, _q = fixture
    # in frame and valid: responses 1, 2, 3
    # awareness: 知道 in 1, 2 of 3 answers → 66.7
    # support: 支持 in 1, 3 of 3 answers (无所谓 feeds nothing) → 66.7
    # participation: answered by 1 and 3 (2 skipped the optional question) → 1 of 2 → 50.0
    # satisfaction: 满意 + 比较满意 of 3 → 66.7
    assert rates_for(s) == {"awareness": 66.7, "support": 66.7, "participation": 50.0,
                            "satisfaction": 66.7}


def test_results_count_every_valid_response_but_rate_only_the_frame(fixture, city):
    s, q = fixture
    result = survey_results(survey=s, user=city.users.office)
    assert result["response_count"] == 5
    assert result["in_frame_count"] == 3
    assert result["counts"]["participation"] == [1, 2]
    assert result["counts"]["support"] == [2, 3]
    community = result["areas"]["communities"][0]
    assert community["name"] == "幸福社区" and community["response_count"] == 5
    assert community["rates"]["satisfaction"] == 66.7
    street = result["areas"]["streets"][0]
    assert street["rates"] == result["rates"]
    by_id = {row["id"]: row for row in result["questions"]}
    part = by_id[q["part"].pk]
    assert part["answered"] == 2 and part["rate"] == 50.0
    assert {o["text"]: o["count"] for o in part["options"]} == {
        "志愿服务": 1, "环境整治": 1, "都没有参加": 1}
    assert by_id[q["text"].pk]["answered"] == 1 and by_id[q["text"].pk]["rate"] is None


def test_a_rate_without_answers_is_none_not_zero(city):
    s, _q = survey_with_questions(city.units.a)
    assert rates_for(s) == {"awareness": None, "support": None, "participation": None,
                            "satisfaction": None}
