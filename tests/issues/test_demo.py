import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from issues.models import Holiday, Issue, IssueCategory, IssueEvent, IssuePhoto, Status

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_issues_in_every_state_with_real_timelines(client):
    call_command("seed_demo", "--password", "pw-123456", verbosity=0)
    assert IssueCategory.objects.count() >= 10
    assert Holiday.objects.filter(date__year=2026, is_workday=True).count() == 6
    assert Holiday.objects.filter(date="2026-10-01", is_workday=False).exists()
    # Failed items of the demo inspections became issues at their points (日常督查).
    from_inspections = Issue.objects.filter(description__startswith="实地督查不合格")
    assert from_inspections.exists()
    assert not from_inspections.exclude(source="daily").exists()
    inspection_count = from_inspections.count()
    # The mock rounds' findings (rounds.demo) are filed under 模拟测评 with the round's name.
    from_rounds = Issue.objects.exclude(round_finding=None)
    assert not from_rounds.exclude(source="mock").exists()
    assert not from_rounds.exclude(description__startswith="【").exists()
    round_count = from_rounds.count()
    issues = Issue.objects.exclude(description__startswith="实地督查不合格").filter(
        round_finding=None)
    assert issues.count() == 120
    # Demo deadlines end at 23:59:59 local time on their last day, as real ones do.
    for deadline in Issue.objects.exclude(deadline=None).values_list("deadline", flat=True):
        assert timezone.localtime(deadline).time() == dt.time(23, 59, 59), deadline
    assert set(issues.values_list("status", flat=True)) == set(Status.values)
    now = timezone.now()
    listed = Issue.objects.with_overdue(now).with_relapse_count()
    assert listed.filter(is_overdue=True).count() >= 10
    assert listed.filter(round_finding=None, relapse_count__gt=0).count() == 8
    assert issues.filter(status="assigned", deadline__gt=now,
                         deadline__lt=now + timezone.timedelta(days=3)).exists()
    units = set(issues.exclude(responsible_unit=None).values_list("responsible_unit__name",
                                                                     flat=True))
    assert {"区城管局", "区住建局"} <= units and len(units) >= 5
    # The timeline came from the services: every issue starts with its filing.
    assert IssueEvent.objects.filter(kind="file").count() == (
        120 + inspection_count + round_count)
    # 34 closed + 4 closed after a rejection + 8 relapses, of which the 5 that came back
    # more than a week ago were closed again.
    assert IssueEvent.objects.filter(kind="approve", issue__in=issues).count() == 51
    assert issues.filter(status="closed").count() == 34 + 4 + 5
    closed = issues.filter(status="closed")
    assert not closed.exclude(photos__kind="after").exists()
    assert IssuePhoto.objects.filter(processed_at__isnull=True).count() == 0
    photo = IssuePhoto.objects.first()
    assert photo.thumbnail and photo.display
    liaison = User.objects.get(username="liaison")
    client.force_login(liaison)
    assert client.get("/issues/").status_code == 200
    assert Issue.objects.visible_to(liaison).exists()
    call_command("seed_demo", "--password", "pw-123456", verbosity=0)  # idempotent
    assert Issue.objects.count() == 120 + inspection_count + round_count

