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


@pytest.mark.parametrize("proxies, remote", [(0, "203.0.113.7"), (1, "10.0.0.1")])
def test_token_throttle_ignores_a_client_sent_forwarded_for(city, settings, proxies, remote):
    """A client rotating X-Forwarded-For is still one client: the throttle keys on the
    address our own proxies saw (TRUSTED_PROXY_COUNT), so the 31st try answers 429."""
    from django.core.cache import cache

    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    client = APIClient()
    statuses = []
    for n in range(31):
        forwarded = f"198.51.100.{n}" + (", 192.0.2.9" if proxies else "")
        statuses.append(client.post(
            "/api/v1/auth/token/", {"username": f"nobody{n}", "password": "x"}, format="json",
            REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded).status_code)
    assert statuses[:30] == [400] * 30
    assert statuses[30] == 429
    cache.clear()
