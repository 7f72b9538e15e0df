"""The ledger task API goes through the office page's service: units in scope, the caller's
region, office only."""

import pytest
from django.utils import timezone

from ledgers.models import LedgerRequirement

from .factories import framework_standard

pytestmark = pytest.mark.django_db

# Deadlines lie ahead: a task cannot be created with one already gone.
NEXT_YEAR = timezone.localdate().year + 1


def _body(city, **extra):
    body = {"year": 2026, "standard": framework_standard().pk, "title": "志愿服务活动台账",
            "lead_unit": city.units.cg.pk, "contributing_units": [city.units.zj.pk],
            "deadline": f"{NEXT_YEAR}-10-31T23:59:59+08:00", "photo_count": 3}
    body.update(extra)
    return body


def test_office_creates_a_task_of_its_region(city, api):
    response = api.as_user(city.users.office).post("/api/v1/ledger-requirements/",
                                                   _body(city), format="json")
    assert response.status_code == 201, response.data
    requirement = LedgerRequirement.objects.get(pk=response.data["id"])
    assert requirement.region == city.units.a
    assert requirement.created_by == city.users.office
    assert list(requirement.contributing_units.all()) == [city.units.zj]


@pytest.mark.parametrize("field", ["lead_unit", "contributing_units"])
def test_units_of_another_district_are_refused_and_nothing_is_written(city, api, field):
    other = city.units.b_dept.pk
    body = _body(city, **{field: other if field == "lead_unit" else [other]})
    response = api.as_user(city.users.office).post("/api/v1/ledger-requirements/", body,
                                                   format="json")
    assert response.status_code == 400
    assert "管辖范围" in str(response.data[field])
    assert not LedgerRequirement.objects.exists()


def test_update_keeps_the_scope_check(city, api, req_cg):
    client = api.as_user(city.users.office)
    response = client.patch(f"/api/v1/ledger-requirements/{req_cg.pk}/",
                            {"lead_unit": city.units.b_dept.pk}, format="json")
    assert response.status_code == 400
    req_cg.refresh_from_db()
    assert req_cg.lead_unit == city.units.cg
    response = client.patch(f"/api/v1/ledger-requirements/{req_cg.pk}/",
                            {"lead_unit": city.units.zj.pk}, format="json")
    assert response.status_code == 200, response.data
    req_cg.refresh_from_db()
    assert req_cg.lead_unit == city.units.zj


@pytest.mark.parametrize("user", ["liaison", "unitleader", "leader"])
def test_other_roles_may_not_create(city, api, user):
    response = api.as_user(getattr(city.users, user)).post("/api/v1/ledger-requirements/",
                                                           _body(city), format="json")
    assert response.status_code == 403
    assert not LedgerRequirement.objects.exists()
