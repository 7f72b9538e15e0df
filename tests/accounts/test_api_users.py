import pytest

pytestmark = pytest.mark.django_db


def usernames(response):
    assert response.status_code == 200, response.content
    return {row["username"] for row in response.json()["results"]}


def test_me_describes_the_caller(api, city):
    body = api.as_user(city.users.liaison).get("/api/v1/users/me/").json()
    assert body["username"] == "liaison"
    assert body["unit"] == city.units.cg.pk
    assert body["role"] == "liaison"
    assert body["role_display"] == "单位联络员"


def test_liaison_sees_people_of_own_unit_only(api, city):
    assert usernames(api.as_user(city.users.liaison).get("/api/v1/users/")) == {
        "liaison", "unitleader"}


def test_office_sees_district_people_not_other_district(api, city):
    got = usernames(api.as_user(city.users.office).get("/api/v1/users/"))
    assert {"office", "inspector", "leader", "liaison", "liaison2", "pointchief"} <= got
    assert not got & {"office_b", "liaison_b"}


def test_other_district_user_by_id_answers_404(api, city):
    response = api.as_user(city.users.office).get(f"/api/v1/users/{city.users.office_b.pk}/")
    assert response.status_code == 404


def test_user_without_unit_sees_nothing(api, city):
    from tests.factories import UserFactory

    orphan = UserFactory(unit=None, role="")
    assert api.as_user(orphan).get("/api/v1/units/").status_code == 403


def test_users_are_read_only_over_the_api(api, city):
    response = api.as_user(city.users.office).post("/api/v1/users/", {"username": "x"})
    assert response.status_code == 405


def test_user_list_query_count_is_constant(api, city, django_assert_num_queries):
    from tests.factories import UserFactory

    client = api.as_user(city.users.office)
    # unit of the caller, count, page (units joined)
    with django_assert_num_queries(3):
        client.get("/api/v1/users/")
    UserFactory.create_batch(15, unit=city.units.zj)
    client = api.as_user(city.users.office)
    with django_assert_num_queries(3):
        client.get("/api/v1/users/")
