"""Quotas (样本配额) as the sampling plan means them: a community's quota is a ceiling enforced
at submit (a full community's form says "本社区样本已满，感谢参与" and stores nothing), only
in-frame responses fill it, and an area's rates weigh each community's own rate by its quota
instead of pooling raw answers."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Unit
from surveys import selectors
from surveys.models import Quota, Response, Survey
from surveys.services import QUOTA_FULL, response_submit

from ..factories import UnitFactory
from .factories import opt, survey_with_questions


def _answers(q, *, age="18–65周岁", sat="满意"):
    return {q["age"].pk: opt(q["age"], age), q["res"].pk: opt(q["res"], "6个月及以上"),
            q["aware"].pk: opt(q["aware"], "知道"), q["support"].pk: opt(q["support"], "支持"),
            q["sat"].pk: opt(q["sat"], sat)}


def _submit(s, q, community, **kwargs):
    return response_submit(survey=s, community=community, channel="household",
                           answers=_answers(q, **kwargs))


@pytest.mark.django_db
def test_a_full_community_takes_no_more_and_stores_nothing(city):
    s, q = survey_with_questions(city.units.a)
    Quota.objects.create(survey=s, community=city.units.community, target=2)
    _submit(s, q, city.units.community)
    _submit(s, q, city.units.community)
    with pytest.raises(ValidationError) as exc:
        _submit(s, q, city.units.community)
    assert exc.value.message_dict == {"community": [QUOTA_FULL]}
    assert Response.objects.filter(survey=s).count() == 2


@pytest.mark.django_db
def test_out_of_frame_responses_take_no_place(city):
    """Quota 2: one under-18 respondent (out of frame) and two in frame are stored; the
    progress shows 2 of 2 counted, not 3."""
    s, q = survey_with_questions(city.units.a)
    Quota.objects.create(survey=s, community=city.units.community, target=2)
    _submit(s, q, city.units.community, age="18周岁以下")
    _submit(s, q, city.units.community)
    _submit(s, q, city.units.community)
    with pytest.raises(ValidationError):
        _submit(s, q, city.units.community)
    row = selectors.quota_progress(survey=s, user=city.users.office)["rows"][0]
    assert (row["done"], row["in_frame"], row["percent"], row["missing"]) == (3, 2, 100, 0)


@pytest.mark.django_db
def test_a_voided_response_frees_its_place(city):
    s, q = survey_with_questions(city.units.a)
    Quota.objects.create(survey=s, community=city.units.community, target=1)
    first = _submit(s, q, city.units.community)
    Response.objects.filter(pk=first.pk).update(voided=True)
    _submit(s, q, city.units.community)
    assert Response.objects.filter(survey=s, voided=False).count() == 1


@pytest.mark.django_db
def test_the_public_form_of_a_full_community_says_so(city, client):
    s, q = survey_with_questions(city.units.a, status=Survey.Status.OPEN)
    Quota.objects.create(survey=s, community=city.units.community, target=1)
    _submit(s, q, city.units.community)
    response = client.get(s.public_path(city.units.community))
    assert response.status_code == 200
    assert QUOTA_FULL in response.content.decode()
    post = client.post(s.public_path(city.units.community), {
        f"q{k}": v for k, v in _answers(q).items()})
    assert Response.objects.filter(survey=s).count() == 1
    assert post.status_code in (200, 400)


@pytest.mark.django_db
def test_district_rates_weigh_communities_by_their_quota(city):
    """幸福社区 quota 20: 10 answered, 9 satisfied → 90 %. 和平社区 quota 20: 4 answered, 1
    satisfied → 25 %. Pooled raw answers would say 10 of 14 = 71.4 %; weighted by the plan
    (20 × 90 + 20 × 25) ÷ 40 = 57.5 %, for the district and for the survey, on the results
    page and in what the projection reads; over 西关街道 alone 25 %."""
    s, q = survey_with_questions(city.units.a)
    west = UnitFactory(name="西关街道", kind=Unit.Kind.STREET, parent=city.units.a)
    peace = UnitFactory(name="和平社区", kind=Unit.Kind.COMMUNITY, parent=west)
    for community in (city.units.community, peace):
        Quota.objects.create(survey=s, community=community, target=20)
    for n in range(10):
        _submit(s, q, city.units.community, sat="满意" if n < 9 else "不满意")
    for n in range(4):
        _submit(s, q, peace, sat="满意" if n < 1 else "不满意")
    results = selectors.survey_results(survey=s, user=city.users.office)
    assert results["rates"]["satisfaction"] == 57.5
    district = results["areas"]["districts"][0]
    assert district["rates"]["satisfaction"] == 57.5
    street = next(r for r in results["areas"]["streets"] if r["name"] == "西关街道")
    assert street["rates"]["satisfaction"] == 25.0
    assert selectors.rates_for(s)["satisfaction"] == 57.5
    assert selectors.rates_by_survey([s], city.units.a.path)[s.pk]["satisfaction"] == 57.5
    assert selectors.rates_for(s, west.path)["satisfaction"] == 25.0


@pytest.mark.django_db(transaction=True)
def test_two_respondents_racing_for_the_last_place_are_not_both_counted(city):
    """PostgreSQL: 8 threads submit at once into a community with 3 places left of 5: exactly
    3 succeed, the others are told the community is full; never 6 of 5."""
    if connection.vendor != "postgresql":
        pytest.skip("行锁测试需要 PostgreSQL（DATABASE_URL=postgres://...）")
    s, q = survey_with_questions(city.units.a)
    Quota.objects.create(survey=s, community=city.units.community, target=5)
    _submit(s, q, city.units.community)
    _submit(s, q, city.units.community)
    barrier = threading.Barrier(8)
    outcomes = []

    def run():
        try:
            barrier.wait()
            _submit(s, q, city.units.community)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.message_dict.get("community", ["?"])[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == sorted(["ok"] * 3 + [QUOTA_FULL] * 5)
    assert Response.objects.filter(survey=s, voided=False).count() == 5
