import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.demo import ACCOUNTS

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_builds_the_demo_city_and_every_account_gets_a_token():
    call_command("seed_demo", password="demo-pass-1")
    call_command("seed_demo", password="demo-pass-1")  # a second run changes nothing
    from issues.models import Issue
    from points.models import Point, PointCategory

    assert PointCategory.objects.count() >= 39
    assert Point.objects.count() >= 100
    assert set(Issue.objects.values_list("status", flat=True)) >= {
        "new", "assigned", "submitted", "disputed", "closed"}
    client = APIClient()
    for username in ACCOUNTS:
        response = client.post("/api/v1/auth/token/",
                               {"username": username, "password": "demo-pass-1"}, format="json")
        assert response.status_code == 200, username
    response = client.post("/api/v1/auth/token/", {"username": "office", "password": "wrong"},
                           format="json")
    assert response.status_code == 400
