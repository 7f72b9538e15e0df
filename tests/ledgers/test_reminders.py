"""Deadline reminders of ledger tasks: 7 and 1 days before and at the deadline, to the lead
and contributing units that have not handed in, each once even when the job runs twice."""

import datetime as dt
import threading

import pytest
from django.db import connection

from accounts.models import Notification
from ledgers.models import LedgerReminder, LedgerRequirement, LedgerSubmission
from ledgers.reminders import send_ledger_reminders
from ledgers.tasks import send_ledger_reminders_task

from .factories import LedgerRequirementFactory

NOW = dt.datetime(2026, 10, 8, 2, 0, tzinfo=dt.UTC)  # Thursday 10:00 local


def _submission(req, unit, status, **kw):
    return LedgerSubmission.objects.create(requirement=req, unit=unit, status=status, **kw)


@pytest.mark.django_db
def test_each_step_once_to_units_that_have_not_handed_in(city):
    week = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                                    deadline=NOW + dt.timedelta(days=6),
                                    contributing=[city.units.zj])
    tomorrow = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.zj,
                                        deadline=NOW + dt.timedelta(hours=20),
                                        contributing=[city.units.cg])
    passed = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                                      deadline=NOW - dt.timedelta(hours=2))
    LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                             deadline=NOW + dt.timedelta(days=20))  # too early
    LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                             deadline=NOW - dt.timedelta(days=3))  # long past
    # 区城管局 has handed in for `tomorrow` (signed); a draft does not count.
    _submission(tomorrow, city.units.cg, "signed")
    _submission(week, city.units.zj, "draft")
    counts = send_ledger_reminders(now=NOW)
    assert counts == {7: 2, 1: 1, 0: 1}
    pairs = set(LedgerReminder.objects.values_list("requirement_id", "unit_id", "days_before"))
    assert pairs == {(week.pk, city.units.cg.pk, 7), (week.pk, city.units.zj.pk, 7),
                     (tomorrow.pk, city.units.zj.pk, 1), (passed.pk, city.units.cg.pk, 0)}
    # one message per unit and step, to the liaisons
    cg_notes = Notification.objects.filter(recipient=city.users.liaison)
    assert sorted(n.title for n in cg_notes) == [
        "1 个台账任务将在 7 天内截止，请抓紧报送", "1 个台账任务已到截止时间，本单位尚未报送"]
    assert Notification.objects.filter(recipient=city.users.liaison2).count() == 2
    assert not Notification.objects.filter(recipient=city.users.unitleader).exists()
    # the job runs again: nothing new
    assert send_ledger_reminders(now=NOW) == {}
    assert Notification.objects.count() == 4
    # a day later `tomorrow` has reached its deadline (区住建局 still owes it); `week` has
    # had its 7-day reminder and its 1-day one has not come yet
    assert send_ledger_reminders(now=NOW + dt.timedelta(days=1)) == {0: 1}
    assert LedgerReminder.objects.filter(requirement=tomorrow, days_before=0).get().unit_id \
        == city.units.zj.pk
    # 5 days later `week` is within a day: the 1-day reminder, once
    assert send_ledger_reminders(now=NOW + dt.timedelta(days=5, hours=2)) == {1: 2}
    # a moved deadline starts afresh
    LedgerRequirement.objects.filter(pk=passed.pk).update(deadline=NOW + dt.timedelta(days=3))
    assert send_ledger_reminders(now=NOW) == {7: 1}


@pytest.mark.django_db
def test_a_late_run_sends_only_the_nearest_step(city):
    LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                             deadline=NOW + dt.timedelta(hours=3))
    assert send_ledger_reminders(now=NOW) == {1: 1}
    assert send_ledger_reminders_task() is not None  # the beat's entry point runs


@pytest.mark.django_db
def test_queries_do_not_grow_with_tasks(city, django_assert_max_num_queries):
    for i in range(3):
        LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                                 deadline=NOW + dt.timedelta(days=2 + i),
                                 contributing=[city.units.zj, city.units.street])
    with django_assert_max_num_queries(20) as few:
        send_ledger_reminders(now=NOW)
    LedgerReminder.objects.all().delete()
    for i in range(20):
        LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.zj,
                                 deadline=NOW + dt.timedelta(days=2, hours=i),
                                 contributing=[city.units.cg, city.units.street])
    with django_assert_max_num_queries(len(few)):
        send_ledger_reminders(now=NOW)
    assert LedgerReminder.objects.count() == 23 * 3


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once(city):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                             deadline=NOW + dt.timedelta(days=3))
    results = []

    def run():
        results.append(send_ledger_reminders(now=NOW))
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert LedgerReminder.objects.count() == 1
    assert sum(r.get(7, 0) for r in results) == 1
    assert Notification.objects.filter(recipient=city.users.liaison).count() == 1


def test_beat_schedules_the_reminders():
    from config.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "ledgers.tasks.send_ledger_reminders_task" in tasks
