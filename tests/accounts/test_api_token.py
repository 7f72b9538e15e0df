import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_correct_password_gets_a_token_that_authenticates(city):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "liaison", "password": "pw-123456"},
                           format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/users/me/").json()["username"] == "liaison"


def test_wrong_password_gets_400_and_no_token(city):
    response = APIClient().post("/api/v1/auth/token/", {"username": "liaison", "password": "bad"},
                                format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert response.json()["non_field_errors"]


def test_missing_fields_are_named(city):
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_bad_token_is_refused(city):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    assert client.get("/api/v1/units/").status_code == 401


def test_repeated_failures_lock_the_account_for_that_address(city, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "1000/min"}}
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "liaison", "password": "bad"}, format="json")
    response = client.post("/api/v1/auth/token/",
                           {"username": "liaison", "password": "pw-123456"}, format="json")
    assert response.status_code in (400, 403, 429)
    assert "token" not in response.json()
