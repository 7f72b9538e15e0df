"""Issue 21 item 4: with the cache (Redis) down, the token endpoint and the public survey
form still answer (their throttles fail open with a logged warning) instead of a 500.

One test stops a private Redis (port 6390, never the shared one; needs `redis-server`, as
tests/test_broker_down.py); the others make the cache raise in-process."""

import logging

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.test import Client
from rest_framework.test import APIClient

from surveys.models import Response

from . import test_broker_down
from .surveys.factories import survey_with_questions
from .surveys.test_public_form import full_post

# Its own port, so it runs beside the broker-outage test.
PORT = 6401

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(city):
    return survey_with_questions(city.units.a)


def _token(username="liaison", password="pw-123456"):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password},
                            format="json")


def _answer(survey, city):
    s, q = survey
    return Client().post(s.public_path(city.units.community), full_post(q))


class DownCache(BaseCache):
    """A cache backend whose every call raises, as Django's Redis backend does when Redis is
    down."""

    def __init__(self, location, params):
        super().__init__(params)

    def _down(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    add = get = set = touch = delete = clear = incr = decr = has_key = get_many = _down
    set_many = delete_many = _down


@pytest.fixture
def broken_cache(settings):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.DownCache"}}
    with pytest.raises(ConnectionError):
        cache.get("x")


@pytest.fixture
def private_redis(tmp_path, monkeypatch):
    monkeypatch.setattr(test_broker_down, "PORT", PORT)
    yield from test_broker_down.private_redis.__wrapped__(tmp_path)


def test_the_token_endpoint_answers_when_the_cache_raises(city, broken_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="accounts.api"):
        response = _token()
    assert response.status_code == 200 and "token" in response.json()
    assert "cache is unreachable" in caplog.text
    assert _token(password="wrong").status_code == 400


def test_the_public_survey_post_answers_when_the_cache_raises(city, survey, broken_cache,
                                                              caplog):
    with caplog.at_level(logging.WARNING, logger="surveys.views"):
        response = _answer(survey, city)
    assert response.status_code == 200
    assert Response.objects.count() == 1
    assert "cache is unreachable" in caplog.text


def test_with_redis_stopped_the_token_endpoint_and_the_survey_form_still_answer(
        city, survey, settings, private_redis, caplog):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{PORT}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    settings.SURVEY_PUBLIC_RATE_LIMIT = 1
    # Redis up: the limits count in it.
    assert _token().status_code == 200
    assert _answer(survey, city).status_code == 200
    assert _answer(survey, city).status_code == 429
    assert private_redis.client().dbsize() >= 2
    private_redis.stop()
    with caplog.at_level(logging.WARNING):
        assert _token().status_code == 200
        assert _answer(survey, city).status_code == 200  # fails open: no count to compare
    assert Response.objects.count() == 2
    assert "token throttle skipped" in caplog.text
    assert "survey rate limit skipped" in caplog.text
    private_redis.start()  # the fixture stops it at the end
