"""Property-based fuzzing of the pages that face the internet without a login and outside
the API schema: the 文明随手拍 form, its status page and the Open311 interface. Any text,
number, size or encoding in any field is answered without a server error, and a refused
submission stores nothing.

Bounded (a few dozen examples per target, derandomized) so the run stays short."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic.keys import api_key_issue
from civic.models import CivicReport

from .civic.conftest import civic  # noqa: F401 - the fixture
from .issues.factories import photo

FUZZ = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
texts = st.one_of(st.text(max_size=300), st.sampled_from(
    ["", "0", "-1", "1e309", "NaN", "Infinity", "38.93", "100.45", "999999999999999999999",
     "' OR 1=1 --", "<script>alert(1)</script>", "\x00", "=cmd|' /C calc'!A0", "ＡＢＣ",
     "1" * 5000]))
uploads = st.one_of(
    st.none(), st.binary(max_size=2000).map(lambda b: SimpleUploadedFile("x.jpg", b)),
    st.just("photo"))


def _reset():
    cache.clear()


@pytest.mark.django_db
@FUZZ
@given(data=st.fixed_dictionaries({}, optional={
    k: texts for k in ("category", "description", "latitude", "longitude", "address",
                       "phone", "region", "website", "challenge_answer", "challenge_token")}),
       upload=uploads)
def test_the_public_form_never_fails(client, civic, data, upload):  # noqa: F811
    _reset()
    before = CivicReport.objects.count()
    if upload == "photo":
        data["photos"] = [photo(seed=3)]
    elif upload is not None:
        data["photos"] = [upload]
    response = client.post("/civic/report/", data)
    assert response.status_code in (302, 400, 429)
    if response.status_code != 302:
        assert CivicReport.objects.count() == before


@pytest.mark.django_db
@FUZZ
@given(code=st.text(max_size=80))
def test_the_status_page_never_fails(client, civic, code):  # noqa: F811
    _reset()
    response = client.get("/civic/track/", {"code": code})
    assert response.status_code in (200, 302, 404, 429)


@pytest.mark.django_db
@FUZZ
@given(data=st.fixed_dictionaries({}, optional={
    k: texts for k in ("service_code", "lat", "long", "address_string", "address_id",
                       "description", "phone", "media_url", "email", "first_name")}),
       fmt=st.sampled_from(["json", "xml"]), use_key=st.booleans())
def test_open311_post_never_fails(client, civic, data, fmt, use_key):  # noqa: F811
    raw = api_key_issue(name="12345", region=civic.city.units.a, trusted=use_key,
                        by=civic.city.users.office)[1]
    if use_key:
        data["api_key"] = raw
    before = CivicReport.objects.count()
    response = client.post(f"/open311/v2/requests.{fmt}", data)
    assert response.status_code in (201, 400, 403)
    if response.status_code != 201:
        assert CivicReport.objects.count() == before


@pytest.mark.django_db
@FUZZ
@given(params=st.fixed_dictionaries({}, optional={
    k: texts for k in ("service_request_id", "service_code", "start_date", "end_date",
                       "status")}), fmt=st.sampled_from(["json", "xml"]))
def test_open311_get_never_fails(client, civic, params, fmt):  # noqa: F811
    raw = api_key_issue(name="12345", region=civic.city.units.a, trusted=False,
                        by=civic.city.users.office)[1]
    response = client.get(f"/open311/v2/requests.{fmt}", {**params, "api_key": raw})
    assert response.status_code in (200, 400)
