"""Bad uploads and bad input on every API endpoint that takes a file: corrupt, disguised
(HTML or PDF named .jpg, a web page named .xlsx), a decompression bomb, over the size limit.
Each answers 400 (or 413) with a Chinese message naming the field, and nothing is stored —
no file under MEDIA_ROOT, no row. Malformed JSON, wrong types, huge strings, dates out of
range and unknown ids answer 400 naming the field, never 500."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook

from issues.models import Issue, IssuePhoto
from jobs.models import Job
from ledgers.models import LedgerDocument, LedgerPhoto, LedgerSubmission

from .evidence.images import bomb_png, jpeg_bytes, upload
from .issues.factories import IssueCategoryFactory
from .ledgers.factories import LedgerRequirementFactory

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _xlsx():
    wb = Workbook()
    wb.active.append(["名称"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


BAD_IMAGES = {
    "corrupt": lambda: upload(jpeg_bytes()[:600] + b"\0" * 200, "a.jpg"),
    "html-named-jpg": lambda: upload(b"<html><script>alert(1)</script></html>" * 20, "a.jpg"),
    "pdf-named-jpg": lambda: upload(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n" * 20, "a.jpg"),
    "bomb": lambda: upload(bomb_png(), "a.png", "image/png"),
    "oversize": lambda: upload(jpeg_bytes(), "a.jpg"),
}
BAD_SHEETS = {
    "corrupt": lambda: upload(_xlsx()[:300], "a.xlsx", "application/octet-stream"),
    "html-named-xlsx": lambda: upload(b"<html><body>x</body></html>" * 20, "a.xlsx",
                                      "application/vnd.ms-excel"),
    "oversize": lambda: upload(_xlsx() + b"\0" * 20_000, "a.xlsx", "application/octet-stream"),
}


@pytest.fixture
def data(city):
    u = city.units
    category = IssueCategoryFactory(name="垃圾堆放")
    issue = Issue.objects.create(category=category, description="路边垃圾堆放", region=u.a,
                                 responsible_unit=u.cg, status=Issue.Status.ASSIGNED,
                                 deadline=timezone.now() + dt.timedelta(days=2))
    requirement = LedgerRequirementFactory(region=u.a, lead_unit=u.cg)
    return {"category": category, "issue": issue, "requirement": requirement}


def _stored():
    media = Path(settings.MEDIA_ROOT)
    files = {str(p) for p in media.rglob("*") if p.is_file()} if media.exists() else set()
    rows = {m.__name__: m.objects.count()
            for m in (Issue, IssuePhoto, LedgerSubmission, LedgerPhoto, LedgerDocument, Job)}
    return files, rows


def _image_endpoints(city, data):
    """(name, user, method, url, form with the bad file under `field`, field)."""
    return [
        ("issue-file", city.users.inspector, "post", "/api/v1/issues/",
         {"category": data["category"].pk, "description": "井盖缺失", "address": "东街 1 号"},
         "photos"),
        ("issue-submit", city.users.liaison, "post",
         f"/api/v1/issues/{data['issue'].pk}/submit/", {"note": "已整改"}, "photos"),
        ("ledger-submission", city.users.liaison, "post", "/api/v1/ledger-submissions/",
         {"requirement": data["requirement"].pk}, "files"),
    ]


def _sheet_endpoints(city):
    return [
        ("points-import", city.users.office, "/api/v1/points/import/", {}),
        ("issues-import", city.users.office, "/api/v1/issues/import/", {}),
        ("jobs", city.users.office, "/api/v1/jobs/", {"kind": "points_import"}),
    ]


def _assert_refused(response, field, before):
    assert response.status_code in (400, 413), (response.status_code, response.content[:300])
    body = response.json()
    assert field in body, body
    assert CHINESE.search(str(body[field])), body
    assert _stored() == before


@pytest.mark.parametrize("bad", sorted(BAD_IMAGES))
def test_bad_photos_are_refused_everywhere_and_nothing_is_stored(city, api, data, settings,
                                                                  bad):
    if bad == "oversize":
        settings.UPLOAD_MAX_BYTES = 5_000
    for name, user, method, url, form, field in _image_endpoints(city, data):
        if name == "ledger-submission" and bad == "pdf-named-jpg":
            continue  # ledger files are photos or documents by content: a real PDF is kept
        before = _stored()
        response = getattr(api.as_user(user), method)(
            url, {**form, field: [BAD_IMAGES[bad]()]}, format="multipart")
        try:
            _assert_refused(response, field, before)
        except AssertionError as exc:
            raise AssertionError(f"{name} with a {bad} photo: {exc}") from exc


@pytest.mark.parametrize("bad", sorted(BAD_SHEETS))
def test_bad_spreadsheets_are_refused_everywhere_and_nothing_is_stored(city, api, settings,
                                                                        bad):
    if bad == "oversize":
        settings.UPLOAD_MAX_BYTES = 10_000
    for name, user, url, form in _sheet_endpoints(city):
        before = _stored()
        response = api.as_user(user).post(url, {**form, "file": BAD_SHEETS[bad]()},
                                          format="multipart")
        try:
            _assert_refused(response, "file", before)
        except AssertionError as exc:
            raise AssertionError(f"{name} with a {bad} sheet: {exc}") from exc


def test_good_uploads_are_stored(city, api, data):
    """The same endpoints accept real files (so the refusals above are about the content)."""
    for _name, user, method, url, form, field in _image_endpoints(city, data):
        response = getattr(api.as_user(user), method)(
            url, {**form, field: [upload(jpeg_bytes(seed=5), "a.jpg")]}, format="multipart")
        assert response.status_code in (200, 201), response.content[:300]
    assert IssuePhoto.objects.count() == 2 and LedgerPhoto.objects.count() == 1


# --- Bad input that is not a file ------------------------------------------------------------

def test_malformed_json_is_a_400(city, api, data):
    client = api.as_user(city.users.office)
    response = client.post("/api/v1/ledger-requirements/", data='{"title": "x",',
                           content_type="application/json")
    assert response.status_code == 400
    assert CHINESE.search(str(response.json())) or "JSON" in str(response.json())


@pytest.mark.parametrize("field,value", [
    ("category", "不是编号"),
    ("category", 999_999),
    ("category", [1, 2]),
    ("latitude", "北纬"),
    ("latitude", 1e308),
    ("point", 999_999),
    ("description", "长" * 200_000),
    ("source", "telepathy"),
])
def test_wrong_values_for_an_issue_name_the_field(city, api, data, field, value):
    form = {"category": data["category"].pk, "description": "井盖缺失", "address": "东街 1 号",
            "photos": [upload(jpeg_bytes(seed=6), "a.jpg")], field: value}
    before = _stored()
    response = api.as_user(city.users.inspector).post("/api/v1/issues/", form,
                                                      format="multipart")
    if field == "description":  # a long description is allowed, but then it is kept whole
        assert response.status_code in (201, 400)
        return
    assert response.status_code == 400, response.content[:300]
    assert field in response.json(), response.json()
    assert _stored() == before


@pytest.mark.parametrize("field,value", [
    ("deadline", "2026-13-45"),
    ("deadline", "99999-01-01T00:00:00"),
    ("deadline", "0000-00-00"),
    ("material_start", "1-1-1"),
    ("lead_unit", 999_999),
    ("standard", "abc"),
    ("title", "长" * 5000),
    ("photo_count", -3),
    ("photo_count", 10**20),
])
def test_wrong_values_for_a_ledger_task_name_the_field(city, api, data, field, value):
    std = data["requirement"].standard
    body = {"year": 2026, "standard": std.pk, "title": "文明交通宣传",
            "lead_unit": city.units.cg.pk, "deadline": "2026-12-01T00:00:00+08:00",
            field: value}
    response = api.as_user(city.users.office).post("/api/v1/ledger-requirements/", body,
                                                   format="json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json(), response.json()


# --- The same through the pages (phones post forms, not the API) ------------------------------

# What the validators say (evidence/validators.py), one of which the page must show.
REFUSALS = ("不能超过", "像素过大", "不是可识别的照片", "已损坏", "只接受")


def _page_endpoints(city, data, sub):
    """(name, user, url, form, field) of the pages that take photos."""
    return [
        ("issue-file page", city.users.inspector, "/issues/new/",
         {"category": data["category"].pk, "description": "井盖缺失", "address": "东街 1 号",
          "source": "daily"}, "photos"),
        ("issue-submit page", city.users.liaison, f"/issues/{data['issue'].pk}/submit/",
         {"note": "已整改"}, "photos"),
        ("ledger-upload page", city.users.liaison, f"/ledgers/submissions/{sub.pk}/upload/",
         {}, "photos"),
    ]


@pytest.mark.parametrize("bad", sorted(BAD_IMAGES))
def test_bad_photos_through_the_pages_store_nothing_and_say_why(client, city, data, settings,
                                                                bad):
    if bad == "oversize":
        settings.UPLOAD_MAX_BYTES = 5_000
    sub = LedgerSubmission.objects.create(requirement=data["requirement"], unit=city.units.cg)
    for name, user, url, form, field in _page_endpoints(city, data, sub):
        client.force_login(user)
        before = _stored()
        response = client.post(url, {**form, field: [BAD_IMAGES[bad]()]}, follow=True)
        assert response.status_code in (200, 400, 413), (name, response.status_code)
        assert _stored() == before, f"{name} stored a {bad} photo"
        text = response.content.decode()
        assert any(w in text for w in REFUSALS), f"{name}: no message for a {bad} photo"
