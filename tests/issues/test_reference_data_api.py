"""City-wide reference data in the API: issue and point categories are changed by the city
office only, and the categories API goes through `issue_category_save` like the pages."""

import pytest

from issues.models import IssueCategory
from jobs.models import Job
from points.models import PointCategory
from tests.issues.factories import IssueCategoryFactory
from tests.points.factories import PointCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["office", "office_b", "inspector", "liaison"])
def test_district_roles_cannot_change_categories_through_the_api(api, city, who):
    icat = IssueCategoryFactory(name="乱停乱放")
    pcat = PointCategoryFactory(name="农贸市场")
    client = api.as_user(getattr(city.users, who))
    assert client.get(f"/api/v1/issue-categories/{icat.pk}/").status_code == 200
    for url, data in ((f"/api/v1/issue-categories/{icat.pk}/", {"deadline_value": 1}),
                      (f"/api/v1/point-categories/{pcat.pk}/", {"name": "改名"})):
        response = client.patch(url, data, format="json")
        assert response.status_code == 403, (url, response.content)
        assert "市创城办" in response.json()["detail"]
    assert client.post("/api/v1/issue-categories/", {"name": "新类别"},
                       format="json").status_code == 403
    assert client.post("/api/v1/point-categories/", {"name": "新类别"},
                       format="json").status_code == 403
    response = client.post("/api/v1/jobs/", {"kind": "holidays_import", "params": {}},
                           format="json")
    assert response.status_code == 403, response.content
    assert not Job.objects.exists()
    icat.refresh_from_db()
    assert icat.deadline_value == 3
    assert PointCategory.objects.get(pk=pcat.pk).name == "农贸市场"


def test_city_office_changes_categories_through_the_service(api, city, city_office):
    client = api.as_user(city_office)
    icat = IssueCategoryFactory(name="乱停乱放")
    response = client.patch(f"/api/v1/issue-categories/{icat.pk}/",
                            {"deadline_value": 0}, format="json")
    assert response.status_code == 400
    assert "须大于 0" in response.json()["deadline_value"][0]
    response = client.post("/api/v1/issue-categories/", {
        "name": "飞线充电", "deadline_value": 2, "suggested_unit": city.units.b_dept.pk},
        format="json")
    assert response.status_code == 201, response.content
    created = IssueCategory.objects.get(name="飞线充电")
    assert created.suggested_unit == city.units.b_dept
    assert created.history.count() == 1
    response = client.patch(f"/api/v1/issue-categories/{icat.pk}/",
                            {"deadline_value": 5, "severity": "major"}, format="json")
    assert response.status_code == 200
    icat.refresh_from_db()
    assert (icat.deadline_value, icat.severity) == (5, "major")
    response = client.patch(f"/api/v1/point-categories/{PointCategoryFactory().pk}/",
                            {"description": "城区农贸市场"}, format="json")
    assert response.status_code == 200


def test_category_api_refuses_a_suggested_unit_out_of_scope(api, city):
    """The service's scope rule holds in the API: the office at the top of another tree (a
    second city on the same platform) cannot suggest one of this city's units."""
    from accounts.models import Role, Unit
    from tests.factories import UnitFactory, UserFactory

    other_root = UnitFactory(name="邻市", kind=Unit.Kind.CITY)
    other_office = UserFactory(unit=UnitFactory(name="邻市创城办", kind=Unit.Kind.OFFICE,
                                                parent=other_root), role=Role.OFFICE)
    response = api.as_user(other_office).post("/api/v1/issue-categories/", {
        "name": "越界建议", "suggested_unit": city.units.cg.pk}, format="json")
    assert response.status_code == 400
    assert "suggested_unit" in response.json()
    assert not IssueCategory.objects.filter(name="越界建议").exists()
