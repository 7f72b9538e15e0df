"""Evidence is never hard-deleted by users, form posts need their CSRF token, and repeated
wrong passwords lock the account.

- Every API object route answers DELETE without a server error; for the records that are
  evidence or carry it (issues with their photos, ledger tasks with submissions, submissions,
  inspections, survey answers, reports, jobs) DELETE is refused (403/405/409) and the rows and
  files stay — they are archived/voided through their workflow instead.
- A form post without the CSRF token answers 403 and changes nothing.
"""

import pytest
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from issues.models import Issue, IssuePhoto
from ledgers.models import LedgerPhoto, LedgerRequirement, LedgerSubmission

from .ledgers.factories import LedgerRequirementFactory
from .test_access_matrix import RESOURCES, _registered, build_world, object_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city):
    return build_world(city)

# Resources whose rows are evidence or own evidence: never deleted through the API.
KEPT = {"issue", "requirement", "submission", "inspection", "response", "report", "job"}


def test_delete_never_removes_evidence(client, world):
    client.raise_request_exception = False
    client.force_login(world.city.users.office)
    refused, failures = 0, []
    for name, route, _params in object_routes():
        if not route.startswith("api/") or not name.endswith("-detail"):
            continue
        resource_key, _ = _registered(name)
        resource = RESOURCES[resource_key]
        obj = resource.build(world, "office").get("own") or resource.build(
            world, "office").get("global")
        url = reverse(name, kwargs={resource.kwarg: getattr(obj, resource.attr)})
        status = client.delete(url).status_code
        still_there = type(obj)._default_manager.filter(pk=obj.pk).exists()
        if status >= 500:
            failures.append(f"DELETE {url} → {status}")
        elif resource_key in KEPT:
            refused += 1
            if status not in (403, 405, 409) or not still_there:
                failures.append(f"DELETE {url} ({resource_key}) → {status}, kept: {still_there}")
    assert refused >= len(KEPT)
    assert failures == [], "\n".join(failures)
    assert IssuePhoto.objects.count() == 3 and LedgerPhoto.objects.count() == 3
    for photo in IssuePhoto.objects.all():
        assert photo.file.storage.exists(photo.file.name)


def test_a_ledger_task_without_submissions_may_still_be_deleted(api, world):
    requirement = LedgerRequirementFactory(title="建错的任务", region=world.city.units.a,
                                           lead_unit=world.city.units.cg)
    response = api.as_user(world.city.users.office).delete(
        f"/api/v1/ledger-requirements/{requirement.pk}/")
    assert response.status_code == 204
    assert not LedgerRequirement.objects.filter(pk=requirement.pk).exists()


def test_a_ledger_task_with_submissions_is_refused_in_chinese(api, world):
    requirement = world.requirements["own"]
    response = api.as_user(world.city.users.office).delete(
        f"/api/v1/ledger-requirements/{requirement.pk}/")
    assert response.status_code == 409
    assert "报送" in response.json()["detail"]
    assert LedgerSubmission.objects.filter(requirement=requirement).exists()


def test_a_ledger_task_with_submissions_cannot_be_deleted_even_in_the_admin(world):
    requirement = world.requirements["own"]
    with pytest.raises(ProtectedError):
        requirement.delete()
    assert LedgerSubmission.objects.filter(requirement=requirement).exists()


def test_form_posts_without_csrf_token_are_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.city.users.liaison)
    issue = world.issues["own"]
    response = client.post(f"/issues/{issue.pk}/comment/", {"text": "没有令牌"})
    assert response.status_code == 403
    assert not issue.events.filter(kind="comment").exists()
    # The same post with the token from the page goes through.
    page = client.get(f"/issues/{issue.pk}/")
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else \
        client.cookies["csrftoken"].value
    response = client.post(f"/issues/{issue.pk}/comment/",
                           {"text": "有令牌", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_login_form_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "liaison", "password": "pw-123456"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_issue_rows_survive_the_delete_sweep(world):
    assert Issue.objects.count() == 3
