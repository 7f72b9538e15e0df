"""Media on S3 (django-storages against a real S3 API server, moto in server mode): uploads
land in the private bucket, the worker's renditions and exports too, and every download goes
through the app's permission check and is streamed from the bucket — never a redirect to a
bucket URL. Runs on both CI legs (SQLite and PostgreSQL)."""

import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone

from issues.models import Issue, IssuePhoto
from issues.tasks import process_issue_photo

from ..evidence.images import jpeg_bytes, upload
from ..issues.factories import IssueCategoryFactory
from ..ledgers.factories import LedgerRequirementFactory

pytestmark = pytest.mark.django_db


def _keys(client, bucket):
    return {o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def _body(response):
    assert response.status_code == 200, response.content
    assert "Location" not in response  # streamed by the app, not a redirect to the bucket
    assert response["X-Content-Type-Options"] == "nosniff"
    return b"".join(response.streaming_content)


def _issue(city):
    u = city.units
    return Issue.objects.create(category=IssueCategoryFactory(name="垃圾堆放"),
                                description="路边垃圾堆放", region=u.a, responsible_unit=u.cg,
                                status=Issue.Status.ASSIGNED,
                                deadline=timezone.now() + dt.timedelta(days=2))


def test_an_issue_photo_is_stored_in_the_bucket_and_served_only_through_the_app(
        city, api, client, s3_media):
    s3, bucket = s3_media
    issue = _issue(city)
    data = jpeg_bytes(seed=5)
    response = api.as_user(city.users.liaison).post(
        f"/api/v1/issues/{issue.pk}/submit/", {"note": "已清理", "photos": [upload(data)]},
        format="multipart")
    assert response.status_code == 200, response.content
    photo = IssuePhoto.objects.get(issue=issue, kind=IssuePhoto.Kind.AFTER)
    assert photo.file.name in _keys(s3, bucket)
    # The bucket is private: an anonymous request for the object is refused by the server.
    import urllib.error
    import urllib.request

    endpoint = s3.meta.endpoint_url
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{endpoint}/{bucket}/{photo.file.name}")
    assert refused.value.code == 403

    process_issue_photo(photo.pk)  # what the worker runs
    photo.refresh_from_db()
    assert {photo.thumbnail.name, photo.display.name} <= _keys(s3, bucket)

    client.force_login(city.users.liaison)
    original = client.get(f"/issues/photos/{photo.pk}/file/")
    assert original["Content-Length"] == str(len(data))
    assert _body(original) == data
    assert _body(client.get(f"/issues/photos/{photo.pk}/thumbnail/"))[:4] == b"RIFF"
    assert _body(client.get(f"/issues/photos/{photo.pk}/display/"))[:4] == b"RIFF"

    client.force_login(city.users.liaison_b)  # another district's unit: the photo is not there
    assert client.get(f"/issues/photos/{photo.pk}/file/").status_code == 404

    # An object gone from the bucket answers 404, not 500.
    s3.delete_object(Bucket=bucket, Key=photo.file.name)
    client.force_login(city.users.liaison)
    assert client.get(f"/issues/photos/{photo.pk}/file/").status_code == 404


def test_the_ledger_zip_export_reads_and_writes_the_bucket(city, client, s3_media, run_jobs):
    from ledgers import services
    from ledgers.export import export_start

    from ..ledgers.conftest import REPORT

    s3, bucket = s3_media
    data = jpeg_bytes(seed=6)
    sub = services.ledger_submission_create(
        requirement=LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg),
        by=city.users.liaison, photos=[_validated(upload(data))], report=REPORT,
        captions={"caption_subject": "文明交通宣传"})
    services.ledger_submission_sign(submission=sub, by=city.users.unitleader)
    services.ledger_submission_approve(submission=sub, by=city.users.office)
    with run_jobs():
        job = export_start(by=city.users.office, year=sub.requirement.year)
    job.refresh_from_db()
    assert job.status == job.Status.DONE, job.error if hasattr(job, "error") else job
    assert job.result.name in _keys(s3, bucket)

    client.force_login(city.users.office)
    body = _body(client.get(f"/ledgers/exports/{job.pk}/download/"))
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        photos = [n for n in zf.namelist() if n.endswith(".jpg")]
        assert [zf.read(n) for n in photos] == [data]
    client.force_login(city.users.office_b)
    assert client.get(f"/ledgers/exports/{job.pk}/download/").status_code == 404


def test_a_report_is_written_to_the_bucket_and_downloaded_through_the_app(
        city, client, s3_media):
    from dashboard.services import report_request
    from jobs.services import job_run

    s3, bucket = s3_media
    report, _queued = report_request(kind="on_demand", by=city.users.office,
                                     start=dt.date(2026, 1, 12), end=dt.date(2026, 1, 18))
    job_run(job_id=report.job_id)
    report.refresh_from_db()
    job = report.job
    assert job.status == job.Status.DONE and job.result.name in _keys(s3, bucket)
    client.force_login(city.users.office)
    assert _body(client.get(f"/jobs/{job.pk}/download/"))[:2] == b"PK"
    client.force_login(city.users.office_b)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


def _validated(f):
    from evidence.validators import validate_image

    f.evidence_info = validate_image(f)
    return f
