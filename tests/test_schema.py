import pytest

pytestmark = pytest.mark.django_db


def _schema(client, city):
    client.force_login(city.users.office)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_schema_lists_the_api(client, city):
    paths = _schema(client, city)["paths"]
    for path in ("/api/v1/auth/token/", "/api/v1/units/", "/api/v1/units/{id}/",
                 "/api/v1/users/me/", "/api/v1/notifications/"):
        assert path in paths


def test_docs_page_is_served_without_outside_assets(client, city):
    client.force_login(city.users.liaison)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn" not in page.lower()


def test_the_schema_and_docs_require_a_login_outside_debug(client, settings):
    settings.DEBUG = False
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 401
    assert schema.json()["code"] == "not_authenticated"
    docs = client.get("/api/docs/")
    assert docs.status_code == 401
    assert "请先登录" in docs.content.decode()


def test_the_schema_is_open_in_a_local_debug_run(client, settings):
    settings.DEBUG = True
    assert client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200


def test_the_schema_says_supervising_unit_name_may_be_null(client, city):
    components = _schema(client, city)["components"]["schemas"]
    assert components["Point"]["properties"]["supervising_unit_name"].get("nullable") is True


def test_the_schema_documents_survey_bursts_as_an_array(client, city):
    operation = _schema(client, city)["paths"]["/api/v1/surveys/{id}/bursts/"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
