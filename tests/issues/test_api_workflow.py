import datetime as dt

import pytest
from django.utils import timezone

from issues.models import Issue, IssueEvent, IssuePhoto, Reminder
from issues.reminders import send_reminders

from .factories import photo

pytestmark = pytest.mark.django_db


def file_issue(client, point, category, **extra):
    data = {"point": point.pk, "category": category.pk, "description": "共享单车乱停乱放",
            "source": "undercover", "photos": [photo(seed=1)], **extra}
    return client.post("/api/v1/issues/", data, format="multipart")


def test_the_whole_workflow_over_the_api(api, city, point, category, run_jobs):
    u = city.users
    # an inspector files an issue with a photo
    response = file_issue(api.as_user(u.inspector), point, category)
    assert response.status_code == 201, response.content
    issue_id = response.json()["id"]
    assert response.json()["status"] == "new"
    # the office assigns it to 区城管局 with a deadline
    response = api.as_user(u.office).post(f"/api/v1/issues/{issue_id}/assign/", {
        "responsible_unit": city.units.cg.pk, "deadline": "2030-05-08"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "assigned"
    assert response.json()["deadline"].startswith("2030-05-08T23:59:59")
    # 区住建局's liaison: 404 by id, absent from list and export
    other = api.as_user(u.liaison2)
    assert other.get(f"/api/v1/issues/{issue_id}/").status_code == 404
    assert other.get("/api/v1/issues/").json()["count"] == 0
    with run_jobs():
        export = other.post("/api/v1/issues/export/")
    assert export.status_code == 202
    job = other.get(f"/api/v1/jobs/{export.json()['id']}/").json()
    assert job["status"] == "done" and job["result_count"] == 0
    download = other.get(job["download_url"])
    assert download.status_code == 200
    assert "共享单车".encode() not in b"".join(download.streaming_content)
    # the 城管局 liaison cannot approve, submits with an after-photo
    liaison = api.as_user(u.liaison)
    assert liaison.post(f"/api/v1/issues/{issue_id}/approve/").status_code == 403
    response = liaison.post(f"/api/v1/issues/{issue_id}/submit/",
                            {"note": "已清理", "photos": [photo(seed=7, color=(20, 160, 60))]},
                            format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    # the office rejects with a reason; a second reject of an assigned issue is refused
    office = api.as_user(u.office)
    response = office.post(f"/api/v1/issues/{issue_id}/reject/", {"reason": "仍有车辆"})
    assert response.json()["status"] == "assigned"
    response = office.post(f"/api/v1/issues/{issue_id}/reject/", {"reason": "再退"})
    assert response.status_code == 409
    assert "不能退回" in response.json()["detail"]
    # resubmission, approval, reopen → relapse_count 1
    response = api.as_user(u.liaison).post(
        f"/api/v1/issues/{issue_id}/submit/",
        {"photos": [photo(seed=11, color=(30, 30, 200))]}, format="multipart")
    assert response.status_code == 200, response.content
    office = api.as_user(u.office)
    assert office.post(f"/api/v1/issues/{issue_id}/approve/").json()["status"] == "closed"
    response = office.post(f"/api/v1/issues/{issue_id}/reopen/",
                           {"reason": "又出现乱停", "deadline": "2030-06-01"})
    assert response.status_code == 200, response.content
    assert response.json()["relapse_count"] == 1
    kinds = list(IssueEvent.objects.filter(issue_id=issue_id).values_list("kind", flat=True))
    assert kinds == ["file", "assign", "submit", "reject", "submit", "approve", "reopen"]
    assert IssuePhoto.objects.filter(issue_id=issue_id, kind="after").count() == 2


def test_a_corrupt_photo_answers_400_and_saves_nothing(api, city, point, category):
    bad = photo(seed=1)
    bad = type(bad)("broken.jpg", bad.read()[:200], content_type="image/jpeg")
    response = file_issue(api.as_user(city.users.inspector), point, category,
                          photos=[photo(seed=2), bad])
    assert response.status_code == 400
    assert "photos" in response.json()
    assert Issue.objects.count() == 0 and IssuePhoto.objects.count() == 0


def test_an_after_photo_identical_to_the_before_photo_is_refused(api, city, point, category):
    issue_id = file_issue(api.as_user(city.users.inspector), point, category).json()["id"]
    api.as_user(city.users.office).post(f"/api/v1/issues/{issue_id}/assign/",
                                        {"responsible_unit": city.units.cg.pk})
    response = api.as_user(city.users.liaison).post(
        f"/api/v1/issues/{issue_id}/submit/", {"photos": [photo(seed=1)]}, format="multipart")
    assert response.status_code == 400
    assert "相同" in str(response.json()["photos"])
    assert Issue.objects.get(pk=issue_id).status == "assigned"


def test_submit_without_photos_names_the_field(api, city, make_issue):
    issue = make_issue(status="assigned", responsible_unit=city.units.cg,
                       deadline=timezone.now() + dt.timedelta(days=1))
    response = api.as_user(city.users.liaison).post(f"/api/v1/issues/{issue.pk}/submit/",
                                                    {"note": "x"}, format="multipart")
    assert response.status_code == 400 and "photos" in response.json()


def test_a_back_dated_deadline_is_overdue(api, city, make_issue):
    issue = make_issue(status="assigned", responsible_unit=city.units.cg,
                       deadline=timezone.now() - dt.timedelta(days=2))
    body = api.as_user(city.users.office).get(f"/api/v1/issues/{issue.pk}/").json()
    assert body["is_overdue"] is True
    listed = api.get("/api/v1/issues/", {"overdue": "true"}).json()
    assert [row["id"] for row in listed["results"]] == [issue.pk]


def test_send_reminders_twice_leaves_one_overdue_reminder(city, make_issue):
    from django.core.management import call_command

    issue = make_issue(status="assigned", responsible_unit=city.units.cg,
                       deadline=timezone.now() - dt.timedelta(days=2))
    call_command("send_reminders")
    first = Reminder.objects.count()
    call_command("send_reminders")
    assert Reminder.objects.count() == first
    # on a working day exactly one daily overdue reminder exists for the deadline
    wednesday = dt.datetime(2026, 11, 18, 10, tzinfo=dt.UTC)
    Issue.objects.filter(pk=issue.pk).update(deadline=wednesday - dt.timedelta(days=2))
    send_reminders(now=wednesday)
    send_reminders(now=wednesday)
    assert Reminder.objects.filter(issue=issue, kind=Reminder.Kind.OVERDUE,
                                   deadline=wednesday - dt.timedelta(days=2)).count() == 1
