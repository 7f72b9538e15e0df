"""Drafts sent again from a phone (the answer was lost, the queue retries) file one issue and
one rectification, whatever the number of repeats."""

import uuid

import pytest

from evidence.models import ClientSubmission
from issues.models import Issue, IssueEvent, IssuePhoto

from .factories import photo

pytestmark = pytest.mark.django_db


def draft(point, category, **extra):
    return {"point": point.pk, "category": category.pk, "description": "垃圾桶满溢",
            "photos": [photo(seed=1), photo(seed=2)], **extra}


def file_issue(client, data, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": str(key)} if key else {}
    return client.post("/api/v1/issues/", data, format="multipart", **headers)


def test_the_same_key_twice_answers_the_same_issue_and_files_one(api, city, point, category):
    key = uuid.uuid4()
    client = api.as_user(city.users.inspector)
    first = file_issue(client, draft(point, category), key)
    assert first.status_code == 201, first.json()
    assert "Idempotent-Replayed" not in first
    again = file_issue(client, draft(point, category), key)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Issue.objects.count() == 1
    assert IssuePhoto.objects.count() == 2
    assert ClientSubmission.objects.get().object_id == first.json()["id"]


def test_the_key_may_come_as_a_form_field(api, city, point, category):
    key = str(uuid.uuid4())
    client = api.as_user(city.users.inspector)
    ids = {file_issue(client, draft(point, category, client_uuid=key)).json()["id"]
           for _ in range(3)}
    assert len(ids) == 1 and Issue.objects.count() == 1


def test_another_user_with_the_same_key_files_its_own_issue(api, city, point, category):
    key = uuid.uuid4()
    mine = file_issue(api.as_user(city.users.inspector), draft(point, category), key)
    theirs = file_issue(api.as_user(city.users.office), draft(point, category), key)
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert mine.json()["id"] != theirs.json()["id"]
    assert Issue.objects.count() == 2


def test_a_bad_draft_answers_400_in_chinese_and_keeps_the_key_free(api, city, point, category):
    key = uuid.uuid4()
    client = api.as_user(city.users.inspector)
    text = photo()
    text.name, text.content_type = "note.jpg", "image/jpeg"
    text.file.seek(0)
    text.file.truncate()
    text.file.write("这是一段文字，不是照片".encode())
    text.file.seek(0)
    bad = file_issue(client, {"category": category.pk, "description": "无点位无位置",
                              "photos": [text]}, key)
    assert bad.status_code == 400
    body = bad.json()
    assert "photos" in body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(body["photos"]))
    assert Issue.objects.count() == 0 and ClientSubmission.objects.count() == 0
    # the corrected draft goes out under the same key and is filed once
    no_point = file_issue(client, {"category": category.pk, "description": "无点位无位置",
                                   "photos": [photo(seed=3)]}, key)
    assert no_point.status_code == 400
    assert "point" in no_point.json() or "latitude" in no_point.json()
    fixed = file_issue(client, draft(point, category), key)
    assert fixed.status_code == 201
    assert Issue.objects.count() == 1


def test_a_malformed_key_is_refused(api, city, point, category):
    response = file_issue(api.as_user(city.users.inspector), draft(point, category), "abc")
    assert response.status_code == 400
    assert "client_uuid" in response.json()
    assert Issue.objects.count() == 0


def test_a_key_reused_for_another_submission_answers_409(api, city, point, make_issue):
    first, second = (make_issue(status="assigned", responsible_unit=city.units.cg, point=point)
                     for _ in range(2))
    key = str(uuid.uuid4())
    client = api.as_user(city.users.liaison)
    assert client.post(f"/api/v1/issues/{first.pk}/submit/", {"photos": [photo(seed=5)]},
                       format="multipart", HTTP_IDEMPOTENCY_KEY=key).status_code == 200
    response = client.post(f"/api/v1/issues/{second.pk}/submit/", {"photos": [photo(seed=6)]},
                           format="multipart", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 409
    assert "草稿编号" in response.json()["detail"]
    second.refresh_from_db()
    assert second.status == "assigned"


def test_a_rectification_sent_three_times_is_submitted_once(api, city, point, make_issue):
    issue = make_issue(status="assigned", responsible_unit=city.units.cg, point=point)
    key = str(uuid.uuid4())
    client = api.as_user(city.users.liaison)
    answers = [client.post(f"/api/v1/issues/{issue.pk}/submit/",
                           {"photos": [photo(seed=7)], "note": "已清理"}, format="multipart",
                           HTTP_IDEMPOTENCY_KEY=key) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert {a.json()["status"] for a in answers} == {"submitted"}
    assert [a.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
    assert IssueEvent.objects.filter(issue=issue, to_status="submitted").count() == 1
    assert issue.photos.filter(kind="after").count() == 1
    # without a key a repeat is refused as before: the issue is no longer 待整改
    assert client.post(f"/api/v1/issues/{issue.pk}/submit/", {"photos": [photo(seed=8)]},
                       format="multipart").status_code == 409


def test_a_half_sent_multipart_request_leaves_nothing(api, city, point, category):
    client = api.as_user(city.users.inspector)
    boundary = "XyZ"
    jpeg = photo(seed=4).read()
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"point\"\r\n\r\n{point.pk}"
            f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\n"
            f"{category.pk}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"description\"\r\n\r\n断网\r\n--{boundary}\r\nContent-Disposition: "
            f"form-data; name=\"photos\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
    body = head.encode() + jpeg[: len(jpeg) // 2]  # the connection dropped mid-photo
    response = client.generic("POST", "/api/v1/issues/", body,
                              content_type=f"multipart/form-data; boundary={boundary}",
                              HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 400
    assert Issue.objects.count() == 0 and IssuePhoto.objects.count() == 0
    assert ClientSubmission.objects.count() == 0


def test_a_replay_of_an_issue_gone_out_of_scope_answers_404(api, city, point, category):
    key = uuid.uuid4()
    client = api.as_user(city.users.inspector)
    first = file_issue(client, draft(point, category), key)
    Issue.objects.filter(pk=first.json()["id"]).update(region=city.units.b)
    again = file_issue(client, draft(point, category), key)
    assert again.status_code == 404
    assert Issue.objects.count() == 1
