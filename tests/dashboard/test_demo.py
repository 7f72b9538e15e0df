import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from accounts.models import User
from dashboard.models import Escalation, NegativeListEvent, RankingWeights

# A Friday afternoon: the demo's week has had its working days.
FRIDAY = dt.datetime(2026, 12, 4, 15, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_seed_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    assert RankingWeights.objects.count() == 1
    assert NegativeListEvent.objects.count() == 1 and Escalation.objects.count() == 1
    escalation = Escalation.objects.get()
    assert escalation.issues.count() == 2
    assert all(i.responsible_unit.path.startswith(escalation.unit.path)
               for i in escalation.issues.all())


def test_the_demo_ranking_reads_as_a_leader_expects(db, api):
    """The leader's week and year: first the bureau that closed the most on time and holds
    nothing overdue; last the summoned street, which holds most of the overdue issues; a
    unit whose period settled fewer than 3 items (the default floor) is not ranked."""
    with time_machine.travel(FRIDAY):
        call_command("seed_demo", verbosity=0)
        client = api.as_user(User.objects.get(username="leader"))
        for period in ("week", "year"):
            rows = client.get("/api/v1/dashboard/ranking/", {"period": period}).json()["results"]
            ranked = [r for r in rows if r["ranked"]]
            first, last = ranked[0], ranked[-1]
            assert first["unit"]["name"] == "区城管局", period
            assert first["figures"]["closed_on_time"] == max(
                r["figures"]["closed_on_time"] for r in rows), period
            assert first["figures"]["overdue"] == 0, period
            assert last["unit"]["name"] == "西关街道", period
            assert last["figures"]["overdue"] == max(r["figures"]["overdue"] for r in rows)
            assert all(r["coverage"]["items"] < 3 for r in rows if not r["ranked"]), period
