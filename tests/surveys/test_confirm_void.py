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


@pytest.mark.parametrize("minute, community", [
    ("2026-12-03T10:00", None),  # no zone: the office's local time
    ("2026-12-03 10:00:00+08:00", None),
    ("2026-13-45T10:00", None),  # no such date
    ("不是时间", None),
    ("2026-12-03T10:00", "x1"),  # no such community id
])
def test_voiding_one_minute_takes_a_local_time_and_refuses_nonsense_in_words(
        client, city, minute, community):
    s, q = survey_with_questions(city.units.a)
    response_submit(survey=s, community=city.units.community, answers=answers(q),
                    channel="household")
    client.force_login(city.users.office)
    data = {"minute": minute, "channel": "household", "reason": "同一时刻集中提交",
            "community": community or city.units.community.pk}
    answer = client.post(f"/surveys/{s.pk}/void/", data, follow=True)
    assert answer.status_code == 200
    body = answer.content.decode()
    if community is None and minute.startswith("2026-12"):
        assert "作废 2026-12-03 10:00 这一分钟内" in body  # the confirmation, in local time
    else:
        assert "请选择要作废的答卷" in body
    assert not Response.objects.filter(voided=True).exists()
