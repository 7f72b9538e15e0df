import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _fail(client, username, times):
    for _ in range(times):
        client.post("/accounts/login/", {"username": username, "password": "wrong"})


def test_twelve_wrong_passwords_lock_the_account(client, city):
    _fail(client, "liaison", 12)
    response = client.post("/accounts/login/", {"username": "liaison", "password": "pw-123456"})
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account_and_address(client, city):
    _fail(client, "liaison", 12)
    response = client.post("/accounts/login/", {"username": "liaison2", "password": "pw-123456"})
    assert response.status_code == 302  # another account from the same office PC still works
    from django.test import Client

    other_pc = Client(REMOTE_ADDR="10.0.0.9")
    response = other_pc.post("/accounts/login/", {"username": "liaison", "password": "pw-123456"})
    assert response.status_code == 302


def test_office_sees_and_unlocks_a_locked_account_of_its_region(client, city):
    from django.test import Client

    _fail(Client(), "liaison", 12)
    client.force_login(city.users.office)
    assert "liaison" in client.get(reverse("accounts:lockouts")).content.decode()
    response = client.post(reverse("accounts:lockout-reset", args=["liaison"]))
    assert response.status_code == 302
    fresh = Client()
    response = fresh.post("/accounts/login/", {"username": "liaison", "password": "pw-123456"})
    assert response.status_code == 302


def test_office_cannot_unlock_another_districts_account(client, city):
    client.force_login(city.users.office)
    response = client.post(reverse("accounts:lockout-reset", args=["liaison_b"]))
    assert response.status_code == 404


@pytest.mark.parametrize("user_key", ["liaison", "leader", "inspector"])
def test_only_office_opens_the_unlock_page(client, city, user_key):
    client.force_login(getattr(city.users, user_key))
    assert client.get(reverse("accounts:lockouts")).status_code == 403
    assert client.post(reverse("accounts:lockout-reset", args=["liaison"])).status_code == 403
