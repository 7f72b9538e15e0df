"""`run_once`: the claim of a draft's key, including two copies racing."""

import uuid

import pytest

from accounts.models import Unit
from evidence import idempotency
from evidence.models import ClientSubmission

pytestmark = pytest.mark.django_db


def make_unit(name):
    return Unit.objects.create(name=name, kind=Unit.Kind.DEPARTMENT)


def test_without_a_key_every_call_writes(city):
    objs = [idempotency.run_once(user=city.users.office, key=None, action="unit",
                                 write=lambda: make_unit("甲"))[0] for _ in range(2)]
    assert objs[0].pk != objs[1].pk and ClientSubmission.objects.count() == 0


def test_a_copy_that_lost_the_race_answers_the_winners_object(city, monkeypatch):
    key = uuid.uuid4()
    winner, _ = idempotency.run_once(user=city.users.office, key=key, action="unit",
                                     write=lambda: make_unit("先到"))
    # The loser looked before the winner committed: it saw no claim and wrote too.
    real_found, looks = idempotency._found, []

    def found_late(*args):
        looks.append(args)
        return None if len(looks) == 1 else real_found(*args)

    monkeypatch.setattr(idempotency, "_found", found_late)
    obj, first = idempotency.run_once(user=city.users.office, key=key, action="unit",
                                      write=lambda: make_unit("后到"))
    assert (obj.pk, first) == (winner.pk, False)
    assert len(looks) == 2  # the unique constraint sent it back to look again
    assert not Unit.objects.filter(name="后到").exists()  # rolled back with its claim


def test_an_error_in_the_write_releases_the_key(city):
    key = uuid.uuid4()

    def fail():
        make_unit("半截")
        raise ValueError("照片无效")

    with pytest.raises(ValueError):
        idempotency.run_once(user=city.users.office, key=key, action="unit", write=fail)
    assert not Unit.objects.filter(name="半截").exists()
    assert ClientSubmission.objects.count() == 0


def test_a_key_of_another_action_is_refused(city):
    key = uuid.uuid4()
    idempotency.run_once(user=city.users.office, key=key, action="unit",
                         write=lambda: make_unit("甲"))
    with pytest.raises(idempotency.KeyReused):
        idempotency.run_once(user=city.users.office, key=key, action="other",
                             write=lambda: make_unit("乙"))
