"""Bad uploads and bad input on every API endpoint that takes a file: corrupt, disguised
(HTML or PDF named .jpg, a web page named .xlsx), a decompression bomb, over the size limit.
Each answers 400 (or 413) with a Chinese message naming the field, and nothing is stored —
no file under MEDIA_ROOT, no row. Malformed JSON, wrong types, huge strings, dates out of
range and unknown ids answer 400 naming the field, never 500."""

import datetime as dt
import functools
import io
import re
import zipfile
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
# Past the 200 MB default of UPLOAD_MAX_UNPACKED_BYTES; packs to well under 1 MB.
UNPACKED_BOMB_BYTES = 210 * 1024 * 1024


def _xlsx():
    wb = Workbook()
    wb.active.append(["名称"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@functools.cache
def _zip_bomb(kind="xlsx", unpacked=UNPACKED_BOMB_BYTES):
    """A real workbook (or Word file) whose sheet (document body) is padded with blanks to
    `unpacked` bytes: under 1 MB packed, it parses as a valid file with the right header, so
    only a size check before parsing refuses it."""
    wb = Workbook()
    wb.active.append(["名称"])
    plain = io.BytesIO()
    wb.save(plain)
    member = "xl/worksheets/sheet1.xml"
    if kind == "docx":
        import docx

        plain = io.BytesIO()
        docx.Document().save(plain)
        member = "word/document.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename != member:
                dst.writestr(info.filename, content)
                continue
            with dst.open(member, "w", force_zip64=True) as sheet:
                # The padding goes inside the root element, after its start tag.
                start = content.index(b"?>") + 2 if b"?>" in content[:200] else 0
                cut = content.index(b">", start) + 1
                sheet.write(content[:cut])
                chunk = b" " * (1024 * 1024)
                for _ in range(unpacked // len(chunk)):
                    sheet.write(chunk)
                sheet.write(content[cut:])
    return out.getvalue()


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
    "zip-bomb": lambda: upload(_zip_bomb(), "a.xlsx", "application/octet-stream"),
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


def test_the_zip_bomb_workbook_is_refused_before_parsing_with_its_reason(city, api, settings):
    """The bomb is a valid workbook with the right header: only the unpacked-size check
    refuses it, quickly, saying why."""
    import time

    assert settings.UPLOAD_MAX_UNPACKED_BYTES == 200 * 1024 * 1024
    assert len(_zip_bomb()) < 1024 * 1024
    for name, user, url, form in _sheet_endpoints(city):
        started = time.monotonic()
        response = api.as_user(user).post(url, {**form, "file": BAD_SHEETS["zip-bomb"]()},
                                          format="multipart")
        assert response.status_code == 400, (name, response.content[:300])
        assert "解压后过大" in str(response.json()["file"]), name
        assert time.monotonic() - started < 5, name
    # The same workbook unpacked to a small size is accepted (the check is about the size).
    settings.UPLOAD_MAX_UNPACKED_BYTES = 300 * 1024 * 1024
    settings.UPLOAD_MAX_PACKING_RATIO = 10**6
    from evidence.validators import check_unpacked_size

    check_unpacked_size(io.BytesIO(_zip_bomb()))


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_a_zip_bomb_ledger_document_is_refused_with_its_reason(city, api, data, kind):
    before = _stored()
    response = api.as_user(city.users.liaison).post(
        "/api/v1/ledger-submissions/",
        {"requirement": data["requirement"].pk,
         "files": [upload(_zip_bomb(kind), f"台账.{kind}", "application/octet-stream")]},
        format="multipart")
    assert response.status_code == 400, response.content[:300]
    assert "解压后过大" in str(response.json()["files"])
    assert _stored() == before


def test_a_tightly_packed_document_under_the_size_limit_is_refused(settings):
    from django.core.exceptions import ValidationError

    from evidence.validators import check_unpacked_size

    settings.UPLOAD_MAX_UNPACKED_BYTES = 10**12
    with pytest.raises(ValidationError) as refused:
        check_unpacked_size(io.BytesIO(_zip_bomb("xlsx", 50 * 1024 * 1024)))
    assert refused.value.code == "zip_bomb"
    check_unpacked_size(io.BytesIO(_xlsx()))  # an ordinary workbook passes


def test_a_request_with_25_files_answers_a_json_chinese_400(city, api, data):
    before = _stored()
    photos = [upload(jpeg_bytes(seed=n), f"{n}.jpg") for n in range(25)]
    response = api.as_user(city.users.liaison).post(
        "/api/v1/ledger-submissions/", {"requirement": data["requirement"].pk, "files": photos},
        format="multipart")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    assert "一次最多上传 20 个文件" in response.json()["detail"]
    assert _stored() == before


def test_a_page_with_25_files_answers_a_chinese_400_page(client, city, data):
    client.force_login(city.users.inspector)
    before = _stored()
    response = client.post("/issues/new/", {
        "category": data["category"].pk, "description": "井盖缺失", "address": "东街 1 号",
        "source": "daily", "photos": [upload(jpeg_bytes(seed=n), f"{n}.jpg") for n in range(25)]})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    assert "一次最多上传 20 个文件" in response.content.decode()
    assert _stored() == before


# --- Bad input that is not a file ------------------------------------------------------------

def test_malformed_json_is_a_400(city, api, data):
    client = api.as_user(city.users.office)
    response = client.post("/api/v1/ledger-requirements/", data='{"title": "x",',
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("请求内容不是有效的 JSON")


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
