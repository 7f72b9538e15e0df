"""作废 answers from the responses page asks first on a page of its own (no script needed)."""

import pytest

from surveys.models import Response
from surveys.services import response_submit

from .factories import survey_with_questions
from .test_api_surveys import answers

pytestmark = pytest.mark.django_db


def test_voiding_asks_first_then_voids(client, city):
    s, q = survey_with_questions(city.units.a)
    kept, voided = (response_submit(survey=s, community=city.units.community,
                                    answers=answers(q), channel="household")
                    for _ in range(2))
    client.force_login(city.users.office)
    url = f"/surveys/{s.pk}/void/"
    asked = client.post(url, {"ids": [voided.pk], "reason": "同一户重复填写"})
    body = asked.content.decode()
    assert asked.status_code == 200 and "data-confirm-page" in body and "确认作废" in body
    assert "作废选中的 1 份答卷（原因：同一户重复填写）" in body
    assert f'name="ids" value="{voided.pk}"' in body
    assert not Response.objects.filter(voided=True).exists()  # asked only
    done = client.post(url, {"ids": [voided.pk], "reason": "同一户重复填写", "confirmed": "1"},
                       follow=True)
    assert "已作废 1 份答卷。" in done.content.decode()
    assert list(Response.objects.filter(voided=True)) == [voided]
    assert not Response.objects.get(pk=kept.pk).voided
    # Without a reason nothing is asked: the refusal comes at once.
    refused = client.post(url, {"ids": [kept.pk]}, follow=True)
    assert "请填写作废原因" in refused.content.decode()
