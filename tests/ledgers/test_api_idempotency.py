"""Ledger photos sent again by the phone's queue are saved once."""

import uuid

import pytest

from ledgers.models import LedgerPhoto, LedgerSubmission

from ..evidence.images import jpeg_bytes, upload

URL = "/api/v1/ledger-submissions/"

pytestmark = pytest.mark.django_db


def test_a_new_draft_sent_twice_is_saved_once(api, city, req_cg):
    key = str(uuid.uuid4())
    client = api.as_user(city.users.liaison)
    answers = [client.post(URL, {"requirement": req_cg.pk, "files": [upload(jpeg_bytes(seed=3))],
                                 "caption_place": "人民广场"}, format="multipart",
                           HTTP_IDEMPOTENCY_KEY=key) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert LedgerSubmission.objects.count() == 1
    assert LedgerPhoto.objects.get().caption_place == "人民广场"


def test_photos_added_to_a_draft_twice_are_added_once_with_their_caption(api, city, req_cg):
    client = api.as_user(city.users.liaison)
    sub = client.post(URL, {"requirement": req_cg.pk, "files": [upload(jpeg_bytes(seed=3))]},
                      format="multipart").json()
    key = str(uuid.uuid4())
    for _ in range(3):
        response = client.patch(f"{URL}{sub['id']}/", {
            "files": [upload(jpeg_bytes(seed=4))], "caption_subject": "清明祭英烈",
            "client_uuid": key}, format="multipart")
        assert response.status_code == 200, response.json()
    assert LedgerPhoto.objects.filter(submission_id=sub["id"]).count() == 2
    assert LedgerPhoto.objects.filter(caption_subject="清明祭英烈").count() == 1
    # another unit's liaison cannot even find the draft
    assert api.as_user(city.users.liaison2).patch(
        f"{URL}{sub['id']}/", {"files": [upload(jpeg_bytes(seed=5))], "client_uuid": key},
        format="multipart").status_code == 404


def test_a_text_file_as_a_photo_is_400_and_saves_nothing(api, city, req_cg):
    key = str(uuid.uuid4())
    response = api.as_user(city.users.liaison).post(URL, {
        "requirement": req_cg.pk, "files": [upload("不是照片".encode(), name="a.jpg")]},
        format="multipart", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert LedgerSubmission.objects.count() == 0
