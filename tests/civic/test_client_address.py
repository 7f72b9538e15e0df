"""One reading of the client's address for every public page: the survey form and the
随手拍 count the same person behind the same proxies, and a forged X-Forwarded-For moves
neither."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.clients import client_address
from civic import views as civic_views
from surveys import views as survey_views

from ..issues.factories import photo
from .conftest import LAT, LNG

pytestmark = pytest.mark.django_db


def test_the_public_pages_share_one_helper():
    assert civic_views.client_address is client_address
    assert survey_views.client_address is client_address


def _form(civic, seed):
    return {"category": civic.garbage.pk, "description": "小区门口垃圾堆了三天没人清理",
            "latitude": LAT, "longitude": LNG, "photos": [photo(seed=seed)]}


@pytest.mark.parametrize("count, forwarded, limited_by", [
    (0, ["1.1.1.1", "2.2.2.2"], "REMOTE_ADDR"),          # no proxy: the header is ignored
    (1, ["9.9.9.9, 10.0.0.1", "8.8.8.8, 10.0.0.1"], "proxy"),  # our proxy's entry counts
])
def test_the_civic_limit_counts_the_address_our_proxies_saw(civic, settings, count, forwarded,
                                                           limited_by):
    settings.TRUSTED_PROXY_COUNT = count
    settings.CIVIC_RATE_PER_ADDRESS = 2
    settings.CIVIC_CHALLENGE_AFTER = 100
    url = reverse("civic:report")
    codes = []
    for i in range(3):
        c = Client(REMOTE_ADDR="127.0.0.1")
        codes.append(c.post(url, _form(civic, i), HTTP_X_FORWARDED_FOR=forwarded[i % 2]
                            ).status_code)
    # Whatever the client wrote to the left, the third report from one address is refused.
    assert codes == [302, 302, 429]
