import os

import pytest

from ledgers.models import LedgerPhoto, LedgerSubmission

from ..evidence.images import exif_for, jpeg_bytes, scene, upload
from .conftest import REPORT

URL = "/api/v1/ledger-submissions/"


def _create(api, user, req, data=None, **extra):
    files = [upload(data or jpeg_bytes(seed=11, exif=exif_for("2024:05:01 10:00:00")))]
    return api.as_user(user).post(URL, {"requirement": req.pk, "files": files, **extra},
                                  format="multipart")


def test_the_duplicate_scenario_across_units(city, api, req_cg, req_zj, run_tasks,
                                             django_capture_on_commit_callbacks):
    # given: 区城管局 hands in a photo
    with django_capture_on_commit_callbacks(execute=True):
        r1 = _create(api, city.users.liaison, req_cg, caption_place="人民广场")
    assert r1.status_code == 201, r1.data
    assert r1.data["status"] == "draft"
    first = LedgerPhoto.objects.get(submission_id=r1.data["id"])
    assert first.processed_at and first.thumbnail and first.display and first.phash is not None
    assert first.duplicate_of_id is None
    # when: 区住建局 uploads a re-encoded copy of the same photo to its own requirement
    copy = jpeg_bytes(scene(11).resize((640, 480)), quality=60)
    with django_capture_on_commit_callbacks(execute=True):
        r2 = _create(api, city.users.liaison2, req_zj, data=copy)
    assert r2.status_code == 201
    # then: the file is flagged with a link to 城管局's photo
    detail = api.as_user(city.users.office).get(f"{URL}{r2.data['id']}/").data
    flag = detail["files"][0]["duplicate_of"]
    assert flag["model"] == "ledgers.ledgerphoto" and flag["id"] == first.pk
    assert flag["url"] == f"/ledgers/submissions/{r1.data['id']}/"
    # and 城管局's photo is flagged too, pointing back at 住建局's copy
    second = LedgerPhoto.objects.get(submission_id=r2.data["id"])
    first.refresh_from_db()
    assert first.duplicate_of_id == second.pk and first.duplicate_of_model == "ledgers.ledgerphoto"
    assert first.duplicate_of_url == f"/ledgers/submissions/{r2.data['id']}/"
    assert first.duplicate_distance == second.duplicate_distance
    back = api.as_user(city.users.office).get(f"{URL}{r1.data['id']}/").data
    assert back["files"][0]["duplicate_of"]["id"] == second.pk
    # and 住建局 cannot read 城管局's submission
    assert api.as_user(city.users.liaison2).get(f"{URL}{r1.data['id']}/").status_code == 404
    ids = [s["id"] for s in api.as_user(city.users.liaison2).get(URL).data["results"]]
    assert r1.data["id"] not in ids


def test_a_different_picture_is_not_a_duplicate(city, api, req_cg, req_zj, run_tasks,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _create(api, city.users.liaison, req_cg)
        r = _create(api, city.users.liaison2, req_zj, data=jpeg_bytes(seed=99))
    assert LedgerPhoto.objects.get(submission_id=r.data["id"]).duplicate_of_id is None


def test_sign_approve_and_return_roles(city, api, req_cg):
    sid = _create(api, city.users.liaison, req_cg).data["id"]
    # the report is required before signing
    r = api.as_user(city.users.unitleader).post(f"{URL}{sid}/sign/")
    assert r.status_code == 400 and "report" in r.data
    r = api.as_user(city.users.liaison).patch(f"{URL}{sid}/", {"report": REPORT}, format="json")
    assert r.status_code == 200 and r.data["report"]["results"] == "群众满意"
    assert api.as_user(city.users.liaison).post(f"{URL}{sid}/sign/").status_code == 403
    assert api.as_user(city.users.leader).post(f"{URL}{sid}/sign/").status_code == 403
    r = api.as_user(city.users.unitleader).post(f"{URL}{sid}/sign/")
    assert r.status_code == 200 and r.data["status"] == "signed" and r.data["signed_at"]
    # the office returns with a comment; the liaison is notified
    assert api.as_user(city.users.unitleader).post(f"{URL}{sid}/approve/").status_code == 403
    r = api.as_user(city.users.office).post(f"{URL}{sid}/return/",
                                            {"comments": {"data": "缺少数据来源"}}, format="json")
    assert r.status_code == 200 and r.data["status"] == "returned"
    assert city.users.liaison.notifications.filter(title__contains="退回").exists()
    # a new version, signed again, then approved
    r = api.as_user(city.users.liaison).post(f"{URL}{sid}/new-version/")
    assert r.status_code == 201 and r.data["version"] == 2 and r.data["previous"] == sid
    assert len(r.data["files"]) == 1
    new = r.data["id"]
    assert api.as_user(city.users.unitleader).post(f"{URL}{new}/sign/").status_code == 200
    r = api.as_user(city.users.office).post(f"{URL}{new}/approve/")
    assert r.status_code == 200 and r.data["status"] == "approved"
    assert LedgerSubmission.objects.get(pk=sid).is_current is False
    # another district's office cannot see it at all
    assert api.as_user(city.users.office_b).post(f"{URL}{new}/approve/").status_code == 404


def test_a_disguised_jpeg_is_refused_and_nothing_is_stored(city, api, req_cg, settings):
    r = _create(api, city.users.liaison, req_cg,
                data=b"<html>not a photo</html>" * 20)
    assert r.status_code == 400 and "files" in r.data
    assert not LedgerSubmission.objects.exists() and not LedgerPhoto.objects.exists()
    assert not os.path.exists(settings.MEDIA_ROOT / "ledgers") or not any(
        (settings.MEDIA_ROOT / "ledgers").rglob("*.*"))


def test_an_oversize_file_is_refused(city, api, req_cg, settings):
    settings.UPLOAD_MAX_BYTES = 5_000
    r = _create(api, city.users.liaison, req_cg)
    assert r.status_code in (400, 413)
    assert "不能超过" in str(r.data["files"])
    assert not LedgerSubmission.objects.exists()


def test_bad_input_names_the_field(city, api, req_cg, req_zj):
    r = api.as_user(city.users.liaison).post(URL, {"requirement": req_cg.pk}, format="multipart")
    assert r.status_code == 400 and "files" in r.data
    # a requirement of another unit
    r = _create(api, city.users.liaison, req_zj)
    assert r.status_code == 400 and "requirement" in r.data
    sid = _create(api, city.users.liaison, req_cg).data["id"]
    r = api.as_user(city.users.liaison).patch(f"{URL}{sid}/", {"report": {"x": "1"}},
                                              format="json")
    assert r.status_code == 400 and "report" in r.data


@pytest.mark.parametrize("who", ["office", "leader", "unitleader", "liaison2"])
def test_only_liaisons_create(city, api, req_cg, who):
    r = _create(api, getattr(city.users, who), req_cg)
    assert r.status_code in (403, 400)
    assert not LedgerSubmission.objects.exists()


def test_anonymous_gets_401(api):
    assert api.get(URL).status_code == 401


def test_list_query_count_is_constant(city, api, req_cg, django_assert_num_queries):
    _create(api, city.users.liaison, req_cg)
    client = api.as_user(city.users.office)
    # user + count + page (unit joined) + photos, documents and copy-check fingerprints
    # prefetched (a page without checked reports reads no matches)
    with django_assert_num_queries(6):
        assert client.get(URL).status_code == 200


def test_adding_a_photo_reads_the_drafts_photos_once(city, api, req_cg):
    """PATCH with a photo: the draft is found in scope without its files, the service adds
    the photo, and the answer lists every photo of the draft from one read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sid = _create(api, city.users.liaison, req_cg).data["id"]
    client = api.as_user(city.users.liaison)
    for seed in (21, 22):
        assert client.patch(f"{URL}{sid}/", {"files": [upload(jpeg_bytes(seed=seed))]},
                            format="multipart").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        r = client.patch(f"{URL}{sid}/", {"files": [upload(jpeg_bytes(seed=23))]},
                         format="multipart")
    assert r.status_code == 200 and len(r.data["files"]) == 4
    assert LedgerPhoto.objects.filter(submission_id=sid).count() == 4
    photo_reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")
                   and '"ledgers_ledgerphoto"' in q["sql"].split(" WHERE ")[0]]
    assert len(photo_reads) == 1


def test_a_photo_is_written_out_as_its_serializer_fields_would(city, api, req_cg):
    """LedgerPhotoSerializer writes its fields out by hand for speed: the same answer as the
    field-by-field serializer, for a photo just sent (nothing checked yet) and for one the
    worker processed and flagged (every field set)."""
    import datetime as dt

    from rest_framework import serializers

    from ledgers.serializers import LedgerPhotoSerializer

    sid = _create(api, city.users.liaison, req_cg).data["id"]
    photo = LedgerPhoto.objects.get(submission_id=sid)
    when = dt.datetime(2024, 5, 1, 2, 0, 0, 123456, tzinfo=dt.UTC)
    flagged = LedgerPhoto.objects.get(pk=photo.pk)
    flagged.__dict__.update(
        exif_taken_at=when, exif_lat=36.5, exif_lng=101.75, processed_at=when,
        checked_at=when + dt.timedelta(hours=1), duplicate_of_model="issues.issuephoto",
        duplicate_of_id=7, duplicate_distance=3, duplicate_of_url="/issues/7/",
        exif_outside_window=True, no_exif=False, caption_place="人民广场")
    for obj in (photo, flagged):
        fast = LedgerPhotoSerializer(obj).data
        fields = serializers.ModelSerializer.to_representation(LedgerPhotoSerializer(obj), obj)
        assert fast == fields and list(fast) == list(fields)
    assert LedgerPhotoSerializer(flagged).data["exif_taken_at"] == "2024-05-01T10:00:00.123456+08:00"
