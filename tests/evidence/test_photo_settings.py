"""照片上传保留原图: the city office decides whether phones shrink photos before upload; the
pages tell the browser through data attributes (static/js/field.js reads them)."""

import pytest
from django.urls import reverse

from evidence.models import PhotoSettings

pytestmark = pytest.mark.django_db
URL = "/evidence/photo-settings/"


def test_the_url_is_named():
    assert reverse("evidence:photo-settings") == URL


def test_the_city_office_sees_the_form_in_chinese(client, city_office):
    client.force_login(city_office)
    page = client.get(URL)
    text = page.content.decode()
    assert page.status_code == 200
    assert "照片上传保留原图" in text and "先压缩再上传" in text and 'value="1920"' in text


@pytest.mark.parametrize("role", ["office", "office_b", "leader", "inspector", "liaison",
                                  "pointchief"])
def test_nobody_but_the_city_office_may_open_or_change_it(client, city, role):
    client.force_login(getattr(city.users, role))
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"mode": "original", "max_side": "1920"})
    assert response.status_code == 403
    assert "只有市创城办可以修改" in response.content.decode()
    assert not PhotoSettings.objects.exists()


def test_anonymous_is_sent_to_login(client, city):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("data, field, message", [
    ({"mode": "huge", "max_side": "1920"}, "mode", "请选择照片上传方式"),
    ({"max_side": "1920"}, "mode", "请选择照片上传方式"),
    ({"mode": "compress", "max_side": "abc"}, "max_side", "800 到 4096 之间的整数"),
    ({"mode": "compress", "max_side": "100"}, "max_side", "800 到 4096 之间的整数"),
    ({"mode": "compress", "max_side": "99999999999999999999"}, "max_side", "之间的整数"),
    ({"mode": "compress", "max_side": "-5"}, "max_side", "之间的整数"),
    ({"mode": "compress"}, "max_side", "之间的整数"),
])
def test_bad_input_answers_400_with_the_reason_and_saves_nothing(client, city_office, data,
                                                                 field, message):
    client.force_login(city_office)
    response = client.post(URL, data)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text and "is-invalid" in text
    assert not PhotoSettings.objects.exists()


def test_saving_records_who_and_keeps_one_row(client, city_office):
    client.force_login(city_office)
    assert client.post(URL, {"mode": "original", "max_side": "2560"}).status_code == 302
    assert client.post(URL, {"mode": "original", "max_side": "3000"}).status_code == 302
    row = PhotoSettings.objects.get()
    assert row.mode == "original" and row.max_side == 3000 and row.updated_by == city_office
    assert "保留原图上传" in client.get(URL).content.decode()


def test_the_phone_pages_follow_the_setting(client, city, city_office):
    """Compress by default; once the office asks for originals every page says so and the
    browser skips the compression step."""
    liaison = city.users.liaison
    client.force_login(liaison)
    page = client.get(reverse("home")).content.decode()
    assert 'data-keep-originals="0"' in page and 'data-photo-max="1920"' in page

    office = client.__class__()
    office.force_login(city_office)
    office.post(URL, {"mode": "original", "max_side": "2560"})
    page = client.get(reverse("home")).content.decode()
    assert 'data-keep-originals="1"' in page and 'data-photo-max="2560"' in page

    office.post(URL, {"mode": "compress", "max_side": "1280"})
    page = client.get(reverse("home")).content.decode()
    assert 'data-keep-originals="0"' in page and 'data-photo-max="1280"' in page


def test_without_a_saved_row_the_deployment_setting_decides(client, city, settings):
    settings.PHOTO_KEEP_ORIGINALS = True
    client.force_login(city.users.liaison)
    assert 'data-keep-originals="1"' in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("bad", ["html-named-jpg", "oversize"])
def test_the_server_still_checks_photos_when_originals_are_kept(api, city, settings, bad):
    """Keeping originals changes what the phone sends, not what the server accepts: a web
    page named .jpg and a photo over the size limit are still refused and nothing is kept."""
    from issues.models import Issue

    from ..issues.factories import IssueCategoryFactory
    from .images import jpeg_bytes, upload

    PhotoSettings.objects.create(pk=1, mode="original")
    settings.UPLOAD_MAX_BYTES = 5_000
    bad_file = (upload(b"<html><script>alert(1)</script></html>" * 20, "a.jpg")
                if bad == "html-named-jpg" else upload(jpeg_bytes(), "a.jpg"))
    response = api.as_user(city.users.inspector).post("/api/v1/issues/", {
        "category": IssueCategoryFactory().pk, "description": "井盖缺失", "address": "东街 1 号",
        "photos": [bad_file]}, format="multipart")
    assert response.status_code in (400, 413)
    assert "photos" in response.json()
    assert Issue.objects.count() == 0
