import pytest

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_office_sees_its_district_subtree_only(api, city):
    u = city.units
    got = ids(api.as_user(city.users.office).get("/api/v1/units/", {"page_size": 200}))
    assert got == {u.a.pk, u.office.pk, u.cg.pk, u.cg_team.pk, u.zj.pk, u.street.pk,
                   u.community.pk}


def test_leader_and_inspector_read_the_whole_district(api, city):
    for user in (city.users.leader, city.users.inspector):
        got = ids(api.as_user(user).get("/api/v1/units/", {"page_size": 200}))
        assert city.units.community.pk in got and city.units.b.pk not in got


def test_liaison_sees_own_unit_and_sub_units_only(api, city):
    got = ids(api.as_user(city.users.liaison).get("/api/v1/units/"))
    assert got == {city.units.cg.pk, city.units.cg_team.pk}
    assert api.get("/api/v1/units/").json()["count"] == 2


@pytest.mark.parametrize("user_key, unit_key", [
    ("liaison", "zj"), ("liaison2", "cg"), ("office", "b_dept"), ("office_b", "cg"),
    ("pointchief", "street"),
])
def test_out_of_scope_unit_by_id_answers_404(api, city, user_key, unit_key):
    unit = getattr(city.units, unit_key)
    response = api.as_user(getattr(city.users, user_key)).get(f"/api/v1/units/{unit.pk}/")
    assert response.status_code == 404


def test_search_by_name_and_pinyin_initials(api, city):
    client = api.as_user(city.users.office)
    assert ids(client.get("/api/v1/units/", {"search": "城管"})) == {city.units.cg.pk,
                                                                   city.units.cg_team.pk}
    assert ids(client.get("/api/v1/units/", {"q": "xfsq"})) == {city.units.community.pk}
    # Search never reaches outside scope.
    assert ids(client.get("/api/v1/units/", {"search": "高新"})) == set()


def test_office_creates_unit_in_region(api, city):
    response = api.as_user(city.users.office).post(
        "/api/v1/units/", {"name": "文化巷社区", "kind": "community", "parent": city.units.street.pk}
    )
    assert response.status_code == 201, response.content
    assert response.json()["parent"] == city.units.street.pk


def test_office_cannot_hang_unit_under_another_district(api, city):
    response = api.as_user(city.users.office).post(
        "/api/v1/units/", {"name": "越界", "kind": "community", "parent": city.units.b_dept.pk}
    )
    assert response.status_code == 400
    assert "parent" in response.json()


@pytest.mark.parametrize("user_key", ["liaison", "leader", "unitleader", "inspector"])
def test_other_roles_cannot_create_units(api, city, user_key):
    response = api.as_user(getattr(city.users, user_key)).post(
        "/api/v1/units/", {"name": "新单位", "kind": "department", "parent": city.units.a.pk}
    )
    assert response.status_code == 403


def test_leader_cannot_edit_a_visible_unit(api, city):
    response = api.as_user(city.users.leader).patch(
        f"/api/v1/units/{city.units.cg.pk}/", {"name": "改名"}
    )
    assert response.status_code == 403


def test_liaison_edit_of_other_units_unit_answers_404_not_403(api, city):
    response = api.as_user(city.users.liaison).patch(
        f"/api/v1/units/{city.units.zj.pk}/", {"name": "改名"}
    )
    assert response.status_code == 404


def test_bad_input_names_the_field(api, city):
    response = api.as_user(city.users.office).post(
        "/api/v1/units/", {"name": "", "kind": "planet", "parent": 999999}
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"name", "kind", "parent"}


def test_anonymous_gets_401(api, city):
    response = api.get("/api/v1/units/")
    assert response.status_code == 401


def test_unit_list_query_count_is_constant(api, city, django_assert_num_queries):
    from tests.factories import UnitFactory

    client = api.as_user(city.users.office)
    # the caller's unit, count, page
    with django_assert_num_queries(3):
        client.get("/api/v1/units/")
    for i in range(20):
        UnitFactory(name=f"加{i}", parent=city.units.street)
    client = api.as_user(city.users.office)
    with django_assert_num_queries(3):
        client.get("/api/v1/units/")
