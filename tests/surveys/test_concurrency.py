"""A questionnaire edit racing a first response (PostgreSQL only: SQLite locks the whole
database): the response waits for the edit and is then checked against the edited
questionnaire, so it is refused with a message instead of failing on a deleted option."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from surveys import editing
from surveys.models import Option, Response, Survey
from surveys.services import response_submit

from .factories import opt, survey_with_questions

pytestmark = pytest.mark.django_db(transaction=True)


def test_response_waits_for_an_edit_in_progress(city):
    if connection.vendor != "postgresql":
        pytest.skip("行锁测试需要 PostgreSQL（DATABASE_URL=postgres://...）")
    s, q = survey_with_questions(city.units.a, status=Survey.Status.OPEN)
    doomed_id = opt(q["support"], "无所谓")
    locked = threading.Event()
    failures = []

    def edit():
        try:
            with transaction.atomic():
                editing.option_delete(option=Option.objects.get(pk=doomed_id),
                                      by=city.users.office)
                locked.set()
                time.sleep(0.5)  # the response arrives while the edit holds the survey
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            failures.append(exc)
            locked.set()
        finally:
            connection.close()

    worker = threading.Thread(target=edit)
    worker.start()
    assert locked.wait(10)
    with pytest.raises(ValidationError) as refused:
        response_submit(survey=s, community=city.units.community, channel="household",
                        answers={q["age"].pk: opt(q["age"], "18–65周岁"),
                                 q["res"].pk: opt(q["res"], "6个月及以上"),
                                 q["aware"].pk: opt(q["aware"], "知道"),
                                 q["support"].pk: doomed_id,
                                 q["sat"].pk: opt(q["sat"], "满意")})
    worker.join(10)
    assert failures == []
    assert "答案无效" in str(refused.value.message_dict)
    assert Response.objects.count() == 0 and not Option.objects.filter(pk=doomed_id).exists()
