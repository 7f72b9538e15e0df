import pytest

pytestmark = pytest.mark.django_db


def test_schema_lists_the_api(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/auth/token/", "/api/v1/units/", "/api/v1/units/{id}/",
                 "/api/v1/users/me/", "/api/v1/notifications/"):
        assert path in paths


def test_docs_page_is_served_without_outside_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn" not in page.lower()
