import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from issues.models import Holiday, Issue, IssueCategory, IssueEvent, IssuePhoto, Status

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_issues_in_every_state_with_real_timelines(client):
    started = time.monotonic()
    call_command("seed_demo", "--password", "pw-123456", verbosity=0)
    assert time.monotonic() - started < 60
    assert IssueCategory.objects.count() >= 10
    assert Holiday.objects.filter(date__year=2026, is_workday=True).count() == 6
    assert Holiday.objects.filter(date="2026-10-01", is_workday=False).exists()
    issues = Issue.objects.all()
    assert issues.count() == 120
    assert set(issues.values_list("status", flat=True)) == set(Status.values)
    now = timezone.now()
    listed = Issue.objects.with_overdue(now).with_relapse_count()
    assert listed.filter(is_overdue=True).count() >= 10
    assert listed.filter(relapse_count__gt=0).count() == 8
    assert issues.filter(status="assigned", deadline__gt=now,
                         deadline__lt=now + timezone.timedelta(days=3)).exists()
    units = set(issues.exclude(responsible_unit=None).values_list("responsible_unit__name",
                                                                     flat=True))
    assert {"区城管局", "区住建局"} <= units and len(units) >= 5
    # The timeline came from the services: every issue starts with its filing.
    assert IssueEvent.objects.filter(kind="file").count() == 120
    assert IssueEvent.objects.filter(kind="approve").count() == 46
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
    assert Issue.objects.count() == 120

