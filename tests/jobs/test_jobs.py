"""Jobs: who sees them, the progress page, the runner's idempotency, the sweeper, exports
started through the jobs API."""

import io
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from jobs import services
from jobs.models import Job
from jobs.registry import register
from jobs.tasks import run_job_task
from points.models import Point, PointCategory

pytestmark = pytest.mark.django_db

POINT_HEADERS = ["名称", "类别", "地址", "经度", "纬度", "属地单位", "主管部门", "点位长", "类型"]


def make_job(user, **kwargs):
    kwargs.setdefault("kind", Job.Kind.ISSUES_EXPORT)
    job = Job(created_by=user, unit=user.unit, **kwargs)
    if kwargs.get("status") == Job.Status.DONE:
        job.result_name = "结果.xlsx"
        job.result.save("r.xlsx", io.BytesIO(b"PK\x05\x06" + b"\0" * 18), save=False)
    job.save()
    return job


def points_workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(POINT_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "points.xlsx"
    return buffer


# --- Scope -------------------------------------------------------------------------------------

def test_creator_and_office_of_the_region_see_a_job_others_get_404(api, city):
    u = city.users
    job = make_job(u.liaison2, status=Job.Status.DONE)  # 区住建局, district A
    for who in (u.liaison2, u.office):
        assert api.as_user(who).get(f"/api/v1/jobs/{job.pk}/").status_code == 200
        assert api.as_user(who).get(f"/api/v1/jobs/{job.pk}/download/").status_code == 200
    for who in (u.liaison, u.inspector, u.leader, u.office_b, u.liaison_b):
        assert api.as_user(who).get(f"/api/v1/jobs/{job.pk}/").status_code == 404, who
        assert api.as_user(who).get(f"/api/v1/jobs/{job.pk}/download/").status_code == 404
        assert api.as_user(who).get("/api/v1/jobs/").json()["count"] == 0
    assert APIClient().get(f"/api/v1/jobs/{job.pk}/").status_code == 401
    assert APIClient().get("/api/v1/jobs/").status_code == 401


def test_pages_are_scoped(client, city):
    job = make_job(city.users.liaison2, status=Job.Status.DONE)
    assert client.get(f"/jobs/{job.pk}/").status_code == 302  # anonymous → login
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 302
    client.force_login(city.users.office)
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and "已完成" in page.content.decode()
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert client.get("/jobs/").status_code == 200
    client.force_login(city.users.liaison)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert f"#{job.pk}" not in client.get("/jobs/").content.decode()


def test_download_of_a_job_without_result_is_404(api, city):
    job = make_job(city.users.office)
    assert api.as_user(city.users.office).get(f"/api/v1/jobs/{job.pk}/download/").status_code == 404


def test_list_query_count_is_constant(api, client, city, django_assert_max_num_queries):
    for _ in range(2):
        make_job(city.users.liaison2, status=Job.Status.DONE)
    office = api.as_user(city.users.office)
    client.force_login(city.users.office)
    with django_assert_max_num_queries(6) as small:
        assert office.get("/api/v1/jobs/").json()["count"] == 2
    for _ in range(25):
        make_job(city.users.liaison2)
        make_job(city.users.office, status=Job.Status.DONE)
    with django_assert_max_num_queries(len(small)):
        assert office.get("/api/v1/jobs/").json()["count"] == 52
    with django_assert_max_num_queries(10) as page_small:
        client.get("/jobs/")
    make_job(city.users.inspector)
    with django_assert_max_num_queries(len(page_small)):
        client.get("/jobs/")


# --- Progress page ---------------------------------------------------------------------------

def test_progress_partial_polls_while_running_and_stops_when_finished(client, city):
    job = make_job(city.users.office, status=Job.Status.RUNNING, progress_done=50,
                   progress_total=200)
    client.force_login(city.users.office)
    partial = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert 'hx-trigger="every 2s"' in partial and "job-bar-25" in partial
    assert "已处理 50 / 200 行" in partial
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED, message="共有 1 处错误",
        errors=[{"row": 7, "column": "类别", "message": "类别“x”不存在"}])
    partial = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in partial
    assert "第 7 行" in partial and "类别“x”不存在" in partial and "未完成" in partial


# --- Runner -------------------------------------------------------------------------------------

@pytest.fixture
def market(db):
    return PointCategory.objects.create(name="农贸市场")


def _queued_points_import(city, rows):
    upload = points_workbook(rows)
    return services.import_start(kind=Job.Kind.POINTS_IMPORT, file=upload, by=city.users.office)


def test_running_a_job_twice_imports_once(city, market):
    job = _queued_points_import(city, [["西关市场", "农贸市场", "", "", "", "东街街道", "", "", "固定"]])
    assert job.status == Job.Status.QUEUED and job.upload.name.startswith("jobs/uploads/")
    assert services.job_run(job_id=job.pk) is not None
    run_job_task(job.pk)  # a duplicate message
    assert services.job_run(job_id=job.pk) is None
    assert services.job_run(job_id=job.pk, redelivered=True) is None  # done stays done
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 1
    assert Point.objects.filter(name="西关市场").count() == 1


def test_a_running_job_is_left_alone_until_its_heartbeat_is_stale(city, market):
    job = _queued_points_import(city, [["西关市场", "农贸市场", "", "", "", "东街街道", "", "", "固定"]])
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, updated=now)
    assert services.job_run(job_id=job.pk, now=now) is None
    later = now + services.STALE_AFTER + timedelta(seconds=1)
    assert services.job_run(job_id=job.pk, now=later) is not None
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and Point.objects.filter(name="西关市场").count() == 1


def test_a_message_redelivered_after_its_worker_was_lost_claims_the_running_job(city, market):
    """The worker running the job was killed: the broker puts the message that claimed it back
    flagged redelivered, and the job runs again at once instead of after STALE_AFTER. Another
    message (the sweeper's resend, say), redelivered or not, leaves the running job alone."""
    job = _queued_points_import(city, [["西关市场", "农贸市场", "", "", "", "东街街道", "", "", "固定"]])
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, updated=now, attempts=1,
                                         task_id="message-1")
    assert services.job_run(job_id=job.pk, now=now, task_id="message-2", redelivered=True) is None
    assert services.job_run(job_id=job.pk, now=now, task_id="message-1") is None
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
    assert services.job_run(job_id=job.pk, now=now, task_id="message-1", redelivered=True)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.DONE, 2)
    assert Point.objects.filter(name="西关市场").count() == 1


def test_a_job_whose_worker_dies_every_time_is_failed_after_three_claims(city, market):
    """Each claim counts; the third lost worker ends it: the job fails with a message instead
    of killing the next worker."""
    job = _queued_points_import(city, [["西关市场", "农贸市场", "", "", "", "东街街道", "", "", "固定"]])
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, updated=now, attempts=3,
                                         task_id="message-1")
    assert services.job_run(job_id=job.pk, now=now, task_id="message-1", redelivered=True) is None
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == 3
    assert job.message == "处理已中断 3 次，未完成。请检查文件大小或联系管理员后重新发起。"
    assert not Point.objects.filter(name="西关市场").exists()


def test_a_transient_database_error_requeues_the_job_for_the_retry(city):
    calls = []

    def flaky(job, progress):
        calls.append(job.pk)
        if len(calls) == 1:
            raise OperationalError("connection lost")
        return "好了"

    register("test_flaky", flaky)
    job = make_job(city.users.office, kind="test_flaky")
    with pytest.raises(OperationalError):
        services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.message, job.attempts) == (Job.Status.DONE, "好了", 2)


def test_an_unexpected_error_fails_the_job_with_a_message(city):
    def broken(job, progress):
        raise ValueError("boom")

    register("test_broken", broken)
    job = make_job(city.users.office, kind="test_broken")
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "请稍后重试" in job.message


def test_sweeper_resends_jobs_stuck_in_the_queue(city, monkeypatch):
    sent = []
    monkeypatch.setattr(run_job_task, "delay", sent.append)
    old = make_job(city.users.office)
    fresh = make_job(city.users.office)
    done = make_job(city.users.office, status=Job.Status.DONE)
    Job.objects.filter(pk__in=[old.pk, done.pk]).update(
        created=timezone.now() - timedelta(minutes=10))
    assert services.job_sweep() == [old.pk]
    assert sent == [old.pk] and fresh.pk not in sent


def test_sweeper_with_the_broker_still_down_leaves_jobs_queued(city, monkeypatch):
    def down(job_id):
        raise BrokerError("refused")

    monkeypatch.setattr(run_job_task, "delay", down)
    job = make_job(city.users.office)
    Job.objects.filter(pk=job.pk).update(created=timezone.now() - timedelta(minutes=10))
    assert services.job_sweep() == []
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED


def test_broker_down_at_upload_keeps_the_job_queued(api, city, market, monkeypatch,
                                                     django_capture_on_commit_callbacks):
    def down(job_id):
        raise BrokerError("refused")

    monkeypatch.setattr(run_job_task, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(city.users.office).post(
            "/api/v1/points/import/",
            {"file": points_workbook([["甲", "农贸市场", "", "", "", "东街街道", "", "", "固定"]])},
            format="multipart")
    assert response.status_code == 202
    assert Job.objects.get().status == Job.Status.QUEUED


def test_a_refused_upload_stores_no_file(api, city, settings):
    upload = io.BytesIO(b"not a workbook")
    upload.name = "x.xlsx"
    response = api.as_user(city.users.office).post("/api/v1/points/import/", {"file": upload},
                                                   format="multipart")
    assert response.status_code == 400
    uploads = settings.MEDIA_ROOT / "jobs" / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


# --- Exports through the jobs API ---------------------------------------------------------------

def test_ledger_export_via_jobs_api_is_for_office_with_a_year(api, city, run_jobs):
    office = api.as_user(city.users.office)
    bad = office.post("/api/v1/jobs/", {"kind": "ledgers_export", "params": {"year": "明年"}},
                      format="json")
    assert bad.status_code == 400 and "年度" in str(bad.json()["params"])
    unknown = office.post("/api/v1/jobs/", {"kind": "nothing"}, format="json")
    assert unknown.status_code == 400 and "kind" in unknown.json()
    liaison = api.as_user(city.users.liaison).post(
        "/api/v1/jobs/", {"kind": "ledgers_export", "params": {"year": 2024}}, format="json")
    assert liaison.status_code == 403
    assert not Job.objects.exists()
    office = api.as_user(city.users.office)
    with run_jobs():
        response = office.post("/api/v1/jobs/",
                               {"kind": "ledgers_export", "params": {"year": 2024}},
                               format="json")
    assert response.status_code == 202, response.content
    job = office.get(f"/api/v1/jobs/{response.json()['id']}/").json()
    assert job["status"] == "done" and job["download_url"].endswith("/download/")
    assert office.get(job["download_url"]).status_code == 200


def test_issue_export_uses_the_creators_scope_and_filters(api, city, run_jobs):
    from issues.models import Issue, Status
    from tests.issues.factories import IssueCategoryFactory, IssueFactory

    cat = IssueCategoryFactory(name="乱停乱放")
    IssueFactory(region=city.units.a, category=cat, description="城关新问题", status=Status.NEW)
    IssueFactory(region=city.units.a, category=cat, description="城关已派发",
                 status=Status.ASSIGNED, responsible_unit=city.units.cg,
                 deadline=timezone.now() + timedelta(days=2))
    IssueFactory(region=city.units.b, category=cat, description="高新区问题", status=Status.NEW)
    assert Issue.objects.count() == 3

    def exported(user, query=""):
        client = api.as_user(user)
        with run_jobs():
            response = client.post("/api/v1/issues/export/" + query)
        assert response.status_code == 202
        job = client.get(f"/api/v1/jobs/{response.json()['id']}/").json()
        body = b"".join(client.get(job["download_url"]).streaming_content)
        sheet = load_workbook(io.BytesIO(body)).active
        return {row[10] for row in sheet.iter_rows(min_row=3, values_only=True)}

    assert exported(city.users.office) == {"城关新问题", "城关已派发"}
    assert exported(city.users.office, "?status=new") == {"城关新问题"}
    assert exported(city.users.liaison) == {"城关已派发"}
    assert exported(city.users.liaison2) == set()
    assert exported(city.users.office_b) == {"高新区问题"}


def test_a_file_of_bad_rows_reports_the_first_thousand(city, market, monkeypatch):
    from jobs import registry

    monkeypatch.setattr(registry, "MAX_REPORTED_ERRORS", 3)
    job = _queued_points_import(city, [[f"点{n}", "无此类别", "", "", "", "东街街道", "", "", "固定"]
                                       for n in range(5)])
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and len(job.errors) == 3
    assert "共有 5 处错误" in job.message and "前 3 处" in job.message
    assert [e["row"] for e in job.errors] == [2, 3, 4]


def test_ledger_export_page_starts_a_job_and_serves_it_in_scope(client, city, run_jobs):
    client.force_login(city.users.liaison)
    assert client.get("/ledgers/exports/").status_code == 403
    client.force_login(city.users.office)
    bad = client.post("/ledgers/exports/", {"year": "去年"}, follow=True)
    assert "请填写年度" in bad.content.decode() and not Job.objects.exists()
    with run_jobs():
        response = client.post("/ledgers/exports/", {"year": "2024"})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.kind == Job.Kind.LEDGERS_EXPORT and job.status == Job.Status.DONE
    page = client.get("/ledgers/exports/").content.decode()
    assert f"/jobs/{job.pk}/download/" in page
    download = client.get(f"/ledgers/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert "2024" in download["Content-Disposition"]
    client.force_login(city.users.office_b)
    assert client.get(f"/ledgers/exports/{job.pk}/download/").status_code == 404
    assert f"/jobs/{job.pk}/" not in client.get("/ledgers/exports/").content.decode()


# --- Clean-up of uploaded import files -------------------------------------------------------

def test_uploads_of_jobs_finished_a_week_ago_are_deleted_recent_and_running_kept(city, settings,
                                                                               tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    now = timezone.now()

    def import_job(status, finished_days_ago):
        job = make_job(city.users.office, kind=Job.Kind.POINTS_IMPORT, status=status,
                       upload_name="点位.xlsx")
        job.upload.save("p.xlsx", io.BytesIO(b"PK\x05\x06" + b"\0" * 18))
        if finished_days_ago is not None:
            Job.objects.filter(pk=job.pk).update(finished=now - timedelta(days=finished_days_ago))
        job.refresh_from_db()
        return job

    old_done = import_job(Job.Status.DONE, 8)
    old_failed = import_job(Job.Status.FAILED, 30)
    recent = import_job(Job.Status.DONE, 2)
    running = import_job(Job.Status.RUNNING, None)
    old_path = tmp_path / old_done.upload.name

    assert services.job_uploads_clean(now=now) == 2
    assert not old_path.exists()
    for job in (old_done, old_failed):
        job.refresh_from_db()
        assert job.upload.name == "" and job.upload_name == "点位.xlsx"
    for job in (recent, running):
        job.refresh_from_db()
        assert (tmp_path / job.upload.name).exists()
    assert services.job_uploads_clean(now=now) == 0  # a second run finds nothing more


def test_orphan_upload_files_older_than_the_retention_are_deleted(city, settings, tmp_path):
    import os

    settings.MEDIA_ROOT = str(tmp_path)
    folder = tmp_path / "jobs" / "uploads"
    folder.mkdir(parents=True)
    orphan_old, orphan_new = folder / "old.xlsx", folder / "new.xlsx"
    orphan_old.write_bytes(b"x")
    orphan_new.write_bytes(b"x")
    week_ago = (timezone.now() - timedelta(days=8)).timestamp()
    os.utime(orphan_old, (week_ago, week_ago))
    kept = make_job(city.users.office, kind=Job.Kind.POINTS_IMPORT)
    kept.upload.save("k.xlsx", io.BytesIO(b"PK"))
    kept_path = tmp_path / kept.upload.name
    os.utime(kept_path, (week_ago, week_ago))  # queued: still needed, whatever its age

    assert services.job_uploads_clean() == 1
    assert not orphan_old.exists() and orphan_new.exists() and kept_path.exists()
