"""The public form's rate limit behind reverse proxies: X-Forwarded-For is read only when
TRUSTED_PROXY_COUNT says how many proxies of ours stand in front; no address is stored."""

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from surveys.models import Answer, Response
from surveys.views import client_address

from .factories import survey_with_questions
from .test_public_form import full_post

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


@pytest.fixture
def survey(city):
    return survey_with_questions(city.units.a)


def post(s, q, community, forwarded):
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded).post(
        s.public_path(community), full_post(q)).status_code


def test_without_trusted_proxy_the_forwarded_header_is_ignored(survey, city, settings):
    settings.SURVEY_PUBLIC_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 0
    s, q = survey
    # A forged header per request does not buy a fresh allowance: all come from PROXY.
    codes = [post(s, q, city.units.community, f"198.51.100.{n}") for n in range(3)]
    assert codes == [200, 429, 429]
    assert Response.objects.count() == 1


def test_behind_one_trusted_proxy_each_resident_has_their_own_limit(survey, city, settings):
    settings.SURVEY_PUBLIC_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    s, q = survey
    assert post(s, q, city.units.community, "198.51.100.1") == 200
    assert post(s, q, city.units.community, "198.51.100.2") == 200
    # The same resident again, with a forged entry in front: still the same address.
    assert post(s, q, city.units.community, "1.2.3.4, 198.51.100.1") == 429
    assert Response.objects.count() == 2


@pytest.mark.parametrize("count, header, expected", [
    (0, "198.51.100.1", PROXY),
    (1, "", PROXY),                                    # header missing: the proxy itself
    (1, "198.51.100.1", "198.51.100.1"),
    (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),       # left entries are the client's
    (2, "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
    (2, "198.51.100.1", PROXY),                        # shorter than the proxy chain
])
def test_client_address(settings, count, header, expected):
    settings.TRUSTED_PROXY_COUNT = count
    extra = {"HTTP_X_FORWARDED_FOR": header} if header else {}
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, **extra)
    assert client_address(request) == expected


def test_no_address_is_stored_with_the_answer(survey, city, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    s, q = survey
    assert post(s, q, city.units.community, "198.51.100.77") == 200
    assert Response.objects.count() == 1
    for table in (Response._meta.db_table, Answer._meta.db_table):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a model's own table
            rows = cursor.fetchall()
        assert rows and not any("198.51.100.77" in str(v) or PROXY in str(v)
                                for row in rows for v in row)
