"""The resident's pages: the form and the status page, under hostile use."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from civic.models import CivicReport, ReportPhoto
from civic.views import new_challenge

from ..issues.factories import photo
from .conftest import LAT, LNG

pytestmark = pytest.mark.django_db
URL = "/civic/report/"


def form(civic, **extra):
    data = {"category": civic.garbage.pk, "description": "小区门口垃圾堆了三天",
            "latitude": LAT, "longitude": LNG, "photos": [photo(seed=extra.pop("seed", 1))]}
    data.update(extra)
    return data


def test_the_form_is_public_and_sets_a_device_cookie(client, civic):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "文明随手拍" in body and "垃圾没人清" in body and 'name="website"' in body
    assert "civic_device" in response.cookies


def test_a_report_answers_with_its_tracking_page(client, civic):
    response = client.post(URL, form(civic))
    assert response.status_code == 302
    report = CivicReport.objects.get()
    assert response.url == f"/civic/track/{report.code}/?new=1"
    page = client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert report.code in text and "已受理" in text and "提交成功" in text


def test_csrf_is_enforced(civic):
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, form(civic)).status_code == 403
    assert CivicReport.objects.count() == 0


@pytest.mark.parametrize(("data", "message"), [
    ({"photos": [SimpleUploadedFile("a.jpg", b"hello, this is text", "image/jpeg")]},
     "不是可识别的照片"),
    ({"latitude": "31.2304", "longitude": "121.4737"}, "不在本市范围内"),
    ({"latitude": "999", "longitude": "abc"}, "位置坐标不正确"),
    ({"description": ""}, "至少"),
    ({"category": "x"}, "请选择问题类型"),
    ({"category": "999999"}, "请选择问题类型"),
    ({"phone": "abc"}, "电话号码格式不正确"),
    ({"region": "'; drop table", "latitude": "", "longitude": "", "address": "x"},
     "请选择问题所在的区县"),
])
def test_bad_input_is_answered_clearly_and_stores_nothing(client, civic, data, message):
    response = client.post(URL, form(civic, **data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert CivicReport.objects.count() == 0 and ReportPhoto.objects.count() == 0


def test_a_30_mb_photo_is_refused(client, civic, settings):
    big = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(big, "JPEG")
    payload = big.getvalue() + b"\0" * (30 * 1024 * 1024)
    response = client.post(URL, form(civic, photos=[SimpleUploadedFile("big.jpg", payload,
                                                                       "image/jpeg")]))
    assert response.status_code == 400
    assert "文件过大" in response.content.decode()
    assert CivicReport.objects.count() == 0


def test_the_form_keeps_what_was_typed(client, civic):
    response = client.post(URL, form(civic, description="", address="东街 8 号"))
    assert "东街 8 号" in response.content.decode()


def test_the_honeypot_stores_nothing(client, civic):
    response = client.post(URL, form(civic, website="http://spam.example"))
    assert response.status_code == 400
    assert CivicReport.objects.count() == 0


def test_200_reports_from_one_address_in_a_minute_are_stopped(client, civic, settings):
    settings.CIVIC_CHALLENGE_AFTER = 1000  # the limit, not the sum, is under test
    settings.CIVIC_RATE_PER_DEVICE = 1000
    codes = []
    for n in range(200):
        codes.append(client.post(URL, form(civic, seed=n)).status_code)
    assert codes.count(302) == 20
    assert set(codes[20:]) == {429}
    last = client.post(URL, form(civic, seed=999))
    assert "提交过于频繁" in last.content.decode()
    assert CivicReport.objects.count() == 20


def test_the_limit_counts_the_resident_behind_our_proxy(civic, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.CIVIC_RATE_PER_ADDRESS = 2
    settings.CIVIC_CHALLENGE_AFTER = 1000
    a, b = Client(), Client()
    for _ in range(2):
        assert a.post(URL, form(civic), HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 302
    assert a.post(URL, form(civic), HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 429
    # Another resident behind the same nginx is not blocked; a forged left entry does not help.
    assert b.post(URL, form(civic), HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 302
    assert a.post(URL, form(civic), HTTP_X_FORWARDED_FOR="1.1.1.1, 10.0.0.1").status_code == 429


def test_one_device_is_limited_on_its_own(client, civic, settings):
    settings.CIVIC_RATE_PER_DEVICE = 2
    settings.CIVIC_CHALLENGE_AFTER = 1000
    statuses = [client.post(URL, form(civic, seed=n)).status_code for n in range(3)]
    assert statuses == [302, 302, 429]


def _solve(body):
    question = re.search(r"请先算一算：(\S)加(\S)等于几", body)
    digits = "零一二三四五六七八九"
    token = re.search(r'name="challenge_token" value="([^"]+)"', body).group(1)
    return str(digits.index(question.group(1)) + digits.index(question.group(2))), token


def test_after_repeated_reports_a_sum_must_be_solved(client, civic, settings):
    settings.CIVIC_CHALLENGE_AFTER = 2
    for n in range(2):
        assert client.post(URL, form(civic, seed=n)).status_code == 302
    page = client.get(URL).content.decode()
    assert "请先算一算" in page
    refused = client.post(URL, form(civic, seed=5, challenge_answer="x",
                                    challenge_token="forged"))
    assert refused.status_code == 400 and "计算题答案不对" in refused.content.decode()
    answer, token = _solve(page)
    ok = client.post(URL, form(civic, seed=6, challenge_answer=answer, challenge_token=token))
    assert ok.status_code == 302
    # A solved sum is used once.
    again = client.post(URL, form(civic, seed=7, challenge_answer=answer, challenge_token=token))
    assert again.status_code == 400
    assert CivicReport.objects.count() == 3


def test_a_challenge_token_holds_no_readable_answer():
    question, token = new_challenge()
    assert "等于几" in question and len(token) > 20


def test_the_status_page_shows_only_the_reporters_own_case(client, civic):
    client.post(URL, form(civic, description="我家楼下垃圾很多"))
    client.post(URL, form(civic, description="别人反映的另一件事", seed=2))
    mine, other = CivicReport.objects.order_by("pk")
    text = client.get(reverse("civic:track", args=[mine.code])).content.decode()
    assert "我家楼下垃圾很多" in text
    assert "别人反映的另一件事" not in text and other.code not in text
    assert "区城管局" not in text  # no unit or staff names


@pytest.mark.parametrize("code", ["x", "0" * 32, "a" * 41, "../../etc/passwd", "%00"])
def test_unknown_codes_answer_404(client, civic, code):
    assert client.get(f"/civic/track/{code}/").status_code == 404


def test_the_lookup_form_finds_a_code_and_says_when_it_does_not(client, civic):
    client.post(URL, form(civic))
    report = CivicReport.objects.get()
    assert client.get("/civic/track/?code=" + report.code).status_code == 302
    missing = client.get("/civic/track/?code=nope")
    assert missing.status_code == 404 and "没有找到这个查询码" in missing.content.decode()


def test_lookups_are_limited_per_address(client, civic, settings):
    settings.CIVIC_RATE_LOOKUPS = 3
    statuses = [client.get("/civic/track/?code=nope").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_other_methods_are_refused(client, civic):
    assert client.put(URL).status_code == 405
    assert client.post("/civic/track/x/").status_code == 405
