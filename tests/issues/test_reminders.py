import datetime as dt
import threading

import pytest
from django.db import connection

from accounts.models import Notification
from issues.models import Holiday, Issue, Reminder
from issues.reminders import notice_draft, send_reminders

WED = dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.UTC)  # Wednesday 10:00 local


@pytest.mark.django_db
def test_the_ladder_and_each_reminder_once(city, make_issue):
    soon = make_issue(status="assigned", responsible_unit=city.units.cg,
                      deadline=WED + dt.timedelta(hours=5))
    # deadline Thursday 12 Nov: Fri 13, Mon 16, Tue 17 are over by Wednesday → 3 whole
    # working days late
    late = make_issue(status="assigned", responsible_unit=city.units.cg,
                      deadline=dt.datetime(2026, 11, 12, 15, 59, 59, tzinfo=dt.UTC))
    counts = send_reminders(now=WED)
    assert counts == {"before": 1, "overdue": 1, "leader": 1, "notice": 1}
    assert send_reminders(now=WED) == {}
    assert set(Reminder.objects.filter(issue=soon).values_list("kind", flat=True)) == {"before"}
    assert list(notice_draft(Issue.objects.all())) == [late]
    # one message per unit and kind, not per issue
    assert Notification.objects.filter(recipient=city.users.unitleader).count() == 1
    assert Notification.objects.filter(recipient=city.users.office).count() == 1
    # a changed deadline starts afresh
    Issue.objects.filter(pk=soon.pk).update(deadline=WED + dt.timedelta(hours=6))
    assert send_reminders(now=WED) == {"before": 1}


@pytest.mark.django_db
def test_holidays_hold_back_the_ladder(city, make_issue):
    Holiday.objects.create(date=dt.date(2026, 11, 16), name="假日")
    make_issue(status="assigned", responsible_unit=city.units.cg,
               deadline=dt.datetime(2026, 11, 12, 15, 59, 59, tzinfo=dt.UTC))
    assert "notice" not in send_reminders(now=WED)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once(city, make_issue):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    make_issue(status="assigned", responsible_unit=city.units.cg,
               deadline=WED - dt.timedelta(days=2))
    results = []

    def run():
        results.append(send_reminders(now=WED))
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Reminder.objects.filter(kind="overdue").count() == 1
    assert sum(r.get("overdue", 0) for r in results) == 1


@pytest.mark.django_db
def test_a_run_16_minutes_after_the_deadline_sends_only_due(city, make_issue):
    """Due Tuesday 17 November 23:59:59; the run at Wednesday 00:15 is 16 minutes late: no
    whole working day has passed since the deadline's day, so "due" alone. The leader step
    (1 working day) comes once Wednesday is over: at Thursday 00:15."""
    tz = dt.timezone(dt.timedelta(hours=8))
    issue = make_issue(status="assigned", responsible_unit=city.units.cg,
                       deadline=dt.datetime(2026, 11, 17, 23, 59, 59, tzinfo=tz))
    assert send_reminders(now=dt.datetime(2026, 11, 18, 0, 15, tzinfo=tz)) == {"due": 1}
    thursday = send_reminders(now=dt.datetime(2026, 11, 19, 0, 15, tzinfo=tz))
    assert thursday == {"overdue": 1, "leader": 1}
    assert Reminder.objects.filter(issue=issue, kind="notice").count() == 0
