import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role, User
from issues.models import Issue, IssueEvent, IssuePhoto, Status

pytestmark = pytest.mark.django_db


def test_generate_city_small_adds_issues_events_and_photos(api):
    call_command("generate_city", "--scale", "small", verbosity=0)
    assert Issue.objects.count() == 500
    assert set(Issue.objects.values_list("status", flat=True)) == set(Status.values)
    closed = Issue.objects.filter(status=Status.CLOSED).count()
    assert 180 <= closed <= 320
    assert Issue.objects.overdue(timezone.now()).exists()
    assert Issue.objects.with_relapse_count().filter(relapse_count=1).exists()
    # Over a year, not all today.
    oldest = Issue.objects.order_by("created").first().created
    assert (timezone.now() - oldest).days > 200
    assert IssueEvent.objects.filter(kind="file").count() == 500
    assert IssueEvent.objects.filter(kind="approve").count() >= closed
    assert IssuePhoto.objects.count() == 1000
    assert not IssuePhoto.objects.filter(phash__isnull=True).exists()
    real = IssuePhoto.objects.order_by("pk")[:5]  # the real files come first
    assert all(p.thumbnail and p.display for p in real)
    office = User.objects.filter(role=Role.OFFICE).first()
    response = api.as_user(office).get("/api/v1/issues/", {"status": "assigned"})
    assert response.status_code == 200 and response.json()["count"] > 0
    assert api.get("/api/v1/issues/", {"overdue": "true"}).status_code == 200
