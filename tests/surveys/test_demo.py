import pytest
from django.core.management import call_command

from surveys.models import Response, Survey
from surveys.selectors import rates_for

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_a_mock_and_a_real_round_with_300_responses():
    call_command("seed_demo", "--password", "pw-123456")
    assert set(Survey.objects.values_list("round_kind", flat=True)) == {"mock", "real"}
    assert Response.objects.count() == 300
    real = Survey.objects.get(round_kind="real")
    assert real.questions.count() == 15 and real.quotas.count() == 11
    assert all(v is not None for v in rates_for(real).values())
    call_command("seed_demo", "--password", "pw-123456")  # idempotent
    assert Response.objects.count() == 300


def test_generate_city_small_adds_survey_responses():
    call_command("generate_city", "--scale", "small")
    assert Response.objects.count() == 500
