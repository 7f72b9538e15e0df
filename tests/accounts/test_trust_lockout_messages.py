"""Issue 21 item 7: a locked account is told it is locked and until when; a wrong password
says how many tries are left; axes counts the address our own proxies saw."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _fail(client, username, times, **extra):
    response = None
    for _ in range(times):
        response = client.post("/accounts/login/", {"username": username, "password": "wrong"},
                               **extra)
    return response


def test_a_wrong_password_says_how_many_tries_are_left(client, city, settings):
    response = _fail(client, "liaison", 1)
    assert response.status_code == 200
    assert f"还可尝试 {settings.AXES_FAILURE_LIMIT - 1} 次" in response.content.decode()
    response = _fail(client, "liaison", 2)
    assert f"还可尝试 {settings.AXES_FAILURE_LIMIT - 3} 次" in response.content.decode()


def test_a_locked_account_is_told_it_is_locked_and_until_when(client, city, settings):
    _fail(client, "liaison", settings.AXES_FAILURE_LIMIT)
    response = client.post("/accounts/login/", {"username": "liaison", "password": "pw-123456"})
    body = response.content.decode()
    assert response.status_code == 429
    assert "账号已锁定" in body and "用户名或密码不正确" not in body
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert f"请 {minutes} 分钟后" in body and "联系创城办解锁" in body
    assert f"连续输错 {settings.AXES_FAILURE_LIMIT} 次" in body


def test_the_unlock_time_does_not_move_with_more_tries_during_the_lockout(client, city,
                                                                           settings):
    _fail(client, "liaison", settings.AXES_FAILURE_LIMIT)
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        response = _fail(client, "liaison", 3)
        assert f"请 {minutes - 20} 分钟后" in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=minutes + 1)):
        response = client.post("/accounts/login/",
                               {"username": "liaison", "password": "pw-123456"})
        assert response.status_code == 302


def test_a_locked_account_gets_a_json_chinese_answer_from_the_token_endpoint(city, settings):
    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"username": "liaison", "password": "bad"},
                 format="json")
    response = api.post("/api/v1/auth/token/", {"username": "liaison", "password": "pw-123456"},
                        format="json")
    assert response.status_code in (403, 429)
    assert "账号已锁定" in response.json()["detail"]


def test_axes_ignores_a_client_sent_forwarded_for(city, settings):
    """Rotating X-Forwarded-For does not give fresh tries: with no proxy of ours the lock
    keys on REMOTE_ADDR; behind one proxy on the address it saw."""
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "liaison", "password": "wrong"},
                    REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = client.post("/accounts/login/", {"username": "liaison", "password": "pw-123456"},
                           REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert response.status_code == 429

    settings.TRUSTED_PROXY_COUNT = 1
    other = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        other.post("/accounts/login/", {"username": "liaison2", "password": "wrong"},
                   REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 192.0.2.9")
    response = other.post("/accounts/login/", {"username": "liaison2", "password": "pw-123456"},
                          REMOTE_ADDR="10.0.0.1",
                          HTTP_X_FORWARDED_FOR="198.51.100.250, 192.0.2.9")
    assert response.status_code == 429
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username="liaison2", ip_address="192.0.2.9").exists()
