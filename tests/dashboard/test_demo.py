from django.core.management import call_command

from dashboard.models import Escalation, NegativeListEvent, RankingWeights


def test_the_demo_seed_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    assert RankingWeights.objects.count() == 1
    assert NegativeListEvent.objects.count() == 1 and Escalation.objects.count() == 1
    escalation = Escalation.objects.get()
    assert escalation.issues.count() == 2
    assert all(i.responsible_unit.path.startswith(escalation.unit.path)
               for i in escalation.issues.all())
