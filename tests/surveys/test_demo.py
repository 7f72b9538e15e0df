import random

import pytest

from accounts import citygen
from accounts import demo as accounts_demo
from surveys import demo
from surveys.models import Response, Survey
from surveys.selectors import rates_for

pytestmark = pytest.mark.django_db


def test_seed_makes_a_mock_and_a_real_round_with_300_responses():
    city = accounts_demo.DemoCity(password="pw-123456")
    accounts_demo.seed(city)
    demo.seed(city)
    assert set(Survey.objects.values_list("round_kind", flat=True)) == {"mock", "real"}
    assert Response.objects.count() == 300
    real = Survey.objects.get(round_kind="real")
    assert real.questions.count() == 15 and real.quotas.count() == 11
    assert real.copied_from.round_kind == "mock"
    assert all(v is not None for v in rates_for(real).values())
    demo.seed(city)  # idempotent
    assert Response.objects.count() == 300


def test_generate_small_adds_survey_responses_in_bulk(django_assert_max_num_queries):
    city = citygen.GeneratedCity("small", random.Random(1))
    citygen.generate(city)
    with django_assert_max_num_queries(120):
        demo.generate(city)
    assert Response.objects.count() == 500
    assert Survey.objects.count() == len(city.districts)
