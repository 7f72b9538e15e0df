"""Scope escalation through units: an office may not widen its own scope by changing the
kind or the parent of a unit, and after any unit change every path and region path in the
tree is the one its parents give it (the scopes of everyone are read from those paths)."""

import pytest

from accounts.models import Unit, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def expected_paths():
    """(path, region_path) of every unit computed from the parent links alone."""
    units = {u.pk: u for u in Unit.objects.all()}
    result = {}

    def walk(unit):
        if unit.pk in result:
            return result[unit.pk]
        if unit.parent_id is None:
            path, region = f"/{unit.pk}/", None
        else:
            parent_path, region = walk(units[unit.parent_id])
            path = f"{parent_path}{unit.pk}/"
        if region is None or unit.kind in Unit.REGION_KINDS:
            region = path
        result[unit.pk] = (path, region)
        return result[unit.pk]

    for unit in units.values():
        walk(unit)
    return {pk: (path, region) for pk, (path, region) in result.items()}


def assert_tree_consistent():
    stored = {u.pk: (u.path, u.region_path) for u in Unit.objects.all()}
    assert stored == expected_paths()


def visible_unit_ids(user):
    return set(Unit.objects.visible_to(User.objects.get(pk=user.pk)).values_list("pk", flat=True))


def test_office_cannot_turn_its_district_into_a_street(api, city):
    u = city.units
    client = api.as_user(city.users.office)
    response = client.patch(f"/api/v1/units/{u.a.pk}/", {"kind": "street"}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()
    assert Unit.objects.get(pk=u.a.pk).kind == Unit.Kind.DISTRICT
    # Any later edit of the office's own unit leaves its scope the district.
    response = client.patch(f"/api/v1/units/{u.office.pk}/", {"contact_phone": "1"},
                            format="json")
    assert response.status_code == 200
    assert u.b.pk not in visible_unit_ids(city.users.office)
    assert client.get(f"/api/v1/units/{u.b_dept.pk}/").status_code == 404
    assert_tree_consistent()


@pytest.mark.parametrize("kind", ["city", "district"])
def test_office_cannot_create_a_region_inside_its_district(api, city, kind):
    response = api.as_user(city.users.office).post(
        "/api/v1/units/", {"name": "新区", "kind": kind, "parent": city.units.a.pk},
        format="json")
    assert response.status_code == 400
    assert not Unit.objects.filter(name="新区").exists()


@pytest.mark.parametrize("unit_key, kind", [
    ("office", "district"), ("office", "city"), ("street", "district"), ("a", "city"),
    ("a", "office"),
])
def test_office_cannot_change_a_kind_to_or_from_a_region(api, city, unit_key, kind):
    unit = getattr(city.units, unit_key)
    before = Unit.objects.get(pk=unit.pk).kind
    response = api.as_user(city.users.office).patch(
        f"/api/v1/units/{unit.pk}/", {"kind": kind}, format="json")
    assert response.status_code == 400, response.content
    assert "kind" in response.json()
    assert Unit.objects.get(pk=unit.pk).kind == before


@pytest.mark.parametrize("unit_key, parent_key", [
    ("office", "b"), ("a", "b"), ("a", "street"), ("a", None), ("office", None),
])
def test_office_cannot_move_its_own_unit_or_region_out_of_its_scope(api, city, unit_key,
                                                                    parent_key):
    unit = getattr(city.units, unit_key)
    parent = getattr(city.units, parent_key).pk if parent_key else None
    response = api.as_user(city.users.office).patch(
        f"/api/v1/units/{unit.pk}/", {"parent": parent}, format="json")
    assert response.status_code == 400, response.content
    assert Unit.objects.get(pk=unit.pk).parent_id == unit.parent_id
    assert visible_unit_ids(city.users.office) == set(
        Unit.objects.filter(path__startswith=city.units.a.path).values_list("pk", flat=True))


def test_city_office_may_add_a_district_under_the_city_only(api, city):
    root = city.units.root
    office_unit = Unit.objects.create(name="示范市创城办", kind=Unit.Kind.OFFICE, parent=root)
    client = api.as_user(UserFactory(unit=office_unit, role="office"))
    response = client.post("/api/v1/units/", {"name": "新区", "kind": "district",
                                              "parent": root.pk}, format="json")
    assert response.status_code == 201, response.content
    response = client.post("/api/v1/units/", {"name": "区中区", "kind": "district",
                                              "parent": city.units.a.pk}, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()
    assert_tree_consistent()


def test_region_change_by_the_administrator_rebases_the_region_below(city):
    """A district made a street: everything below now belongs to the city's region."""
    u = city.units
    district = Unit.objects.get(pk=u.a.pk)
    district.kind = Unit.Kind.STREET
    district.save()
    assert Unit.objects.get(pk=u.community.pk).region_path == u.root.path
    assert_tree_consistent()
    district.kind = Unit.Kind.DISTRICT
    district.save()
    assert Unit.objects.get(pk=u.community.pk).region_path == u.a.path
    assert_tree_consistent()


def test_every_scope_holds_after_any_allowed_unit_change(api, city):
    u = city.units
    client = api.as_user(city.users.office)
    changes = [
        (u.a, {"name": "城关区（新）", "contact_phone": "0936-1"}),
        (u.office, {"name": "城关区创城办公室"}),
        (u.street, {"parent": u.cg.pk}),
        (u.street, {"kind": "community"}),
        (u.community, {"parent": u.a.pk, "kind": "enterprise"}),
        (u.cg_team, {"parent": u.zj.pk}),
    ]
    for unit, data in changes:
        response = client.patch(f"/api/v1/units/{unit.pk}/", data, format="json")
        assert response.status_code == 200, (data, response.content)
        assert_tree_consistent()
    response = client.post("/api/v1/units/", {"name": "新社区", "kind": "community",
                                              "parent": u.street.pk}, format="json")
    assert response.status_code == 201
    assert_tree_consistent()
    district_a = set(Unit.objects.filter(path__startswith=u.a.path).values_list("pk", flat=True))
    assert visible_unit_ids(city.users.office) == district_a
    assert visible_unit_ids(city.users.office_b) == {u.b.pk, u.b_office.pk, u.b_dept.pk}
    assert visible_unit_ids(city.users.liaison) == {u.cg.pk, u.street.pk,
                                                     Unit.objects.get(name="新社区").pk}
    assert visible_unit_ids(city.users.liaison2) == {u.zj.pk, u.cg_team.pk}
