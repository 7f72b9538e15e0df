"""Accountability reports: the period, the request once per period, the job that builds them
(kind report of `jobs`) and who may see and download them."""

import contextlib
import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Notification
from dashboard import services, tasks
from dashboard.models import Report
from jobs.models import Job
from jobs.services import job_run, job_sweep
from jobs.tasks import run_job_task

URL = "/api/v1/reports/"
MONDAY_AFTER = dt.date(2026, 11, 23)


# What a test that is not about the PDF gets for it: laying out the real one takes seconds.
STAND_IN_PDF = b"%PDF-1.7\n%test\n"


def run_report(report, now=None, *, pdf=False):
    """Run the report's job here as the worker does (the clock at `now` when given); the
    PDF drawn for real only with `pdf`, else a stand-in."""
    report.refresh_from_db()
    with contextlib.ExitStack() as stack:
        if now is not None:
            stack.enter_context(time_machine.travel(now, tick=False))
        if not pdf:
            stack.enter_context(mock.patch("dashboard.pdf.render_report_pdf",
                                           return_value=STAND_IN_PDF))
        job_run(job_id=report.job_id)
    report.refresh_from_db()
    return report


def _weekly(city, week, now="week", *, pdf=False):
    """Last week's report of 城关区, its job run at the week's Wednesday noon (or at `now`,
    None for the real clock, after the week)."""
    report, _created = services.report_request(kind="weekly", by=city.users.office,
                                               today=MONDAY_AFTER)
    return run_report(report, week.now if now == "week" else now, pdf=pdf)


def test_the_weekly_report_covers_last_monday_to_sunday(city):
    first, last = services.report_period("weekly", today=MONDAY_AFTER)
    assert (first, last) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert services.report_period("monthly", today=dt.date(2026, 12, 1)) == (
        dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def test_a_requested_report_is_one_job_enqueued_once_per_period(
        city, django_capture_on_commit_callbacks):
    with mock.patch.object(run_job_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            report, created = services.report_request(kind="weekly", by=city.users.office,
                                                      today=MONDAY_AFTER)
        with django_capture_on_commit_callbacks(execute=True):
            again, created_again = services.report_request(kind="weekly", by=city.users.office,
                                                           today=MONDAY_AFTER + dt.timedelta(1))
    assert created and not created_again and again.pk == report.pk
    job = Job.objects.get()
    delay.assert_called_once_with(job.pk)
    assert (job.kind, job.status, job.created_by, job.unit) == (
        Job.Kind.REPORT, Job.Status.QUEUED, city.users.office, city.units.a)
    assert job.params == {"report": report.pk} and report.job == job
    assert Report.objects.count() == 1


def test_the_weekly_xlsx_names_the_units_and_matches_the_database(city, week, tmp_path):
    report = _weekly(city, week)
    job = report.job
    assert job.status == Job.Status.DONE and job.percent == 100
    assert job.result_name == "城关区周报_20261116-20261122.xlsx"
    path = tmp_path / "w.xlsx"
    path.write_bytes(job.result.read())
    wb = load_workbook(path)
    ws = wb["各单位情况"]
    assert ws.freeze_panes == "A3"
    header = [c.value for c in ws[2]]
    rows = {r[1]: dict(zip(header, r, strict=True))
            for r in ws.iter_rows(min_row=3, values_only=True)}
    assert list(rows) == ["东街街道", "区城管局", "区住建局"]
    cg = rows["区城管局"]
    assert (cg["排名"], cg["综合指数"], cg["收到问题"], cg["销号"], cg["按期销号"], cg["逾期"]) == \
        (2, 56.0, 2, 2, 1, 1)
    assert (rows["区住建局"]["排名"], rows["区住建局"]["综合指数"]) == ("数据不足", None)
    assert rows["东街街道"]["反弹"] == 1
    notice = wb["逾期问题通报"]
    listed = [r[0] for r in notice.iter_rows(min_row=3, values_only=True)]
    assert listed == [week.overdue.pk]  # the other district's overdue issue is not listed
    assert "约谈建议" in wb.sheetnames


def test_the_leaders_are_notified(city, week):
    _weekly(city, week)
    assert Notification.objects.filter(recipient=city.users.leader).exists()
    assert not Notification.objects.filter(recipient=city.users.office_b).exists()


def test_the_job_page_shows_the_report_step_by_step(city, week, client):
    """Three steps: figures counted (1 of 3), Excel written (2 of 3, 66 % while the PDF is
    drawn, the page naming the third step), PDF written (3 of 3, done)."""
    report, _created = services.report_request(kind="weekly", by=city.users.office,
                                               today=MONDAY_AFTER)
    client.force_login(city.users.office)
    seen = []

    def drawing(context):
        job = Job.objects.get(pk=report.job_id)
        seen.append((job.progress_done, job.progress_total, job.percent))
        page = client.get(f"/jobs/{job.pk}/").content.decode()
        assert "正在处理：第 3 步（共 3 步）：正在生成 PDF 版" in page
        assert "行" not in page.split("正在处理：")[1].split("</p>")[0]
        return STAND_IN_PDF

    with time_machine.travel(week.now, tick=False), \
            mock.patch("dashboard.pdf.render_report_pdf", side_effect=drawing):
        job_run(job_id=report.job_id)
    assert seen == [(2, 3, 66)]
    job = Job.objects.get(pk=report.job_id)
    assert (job.status, job.progress_done, job.progress_total) == (Job.Status.DONE, 3, 3)


def test_running_the_job_twice_does_nothing_the_second_time(city, week):
    report = _weekly(city, week)
    name = report.job.result.name
    assert job_run(job_id=report.job_id) is None
    report = run_report(report)
    assert report.job.result.name == name
    assert Notification.objects.filter(recipient=city.users.leader).count() == 1


def test_a_failure_is_kept_on_the_job(city, week):
    report, _created = services.report_request(kind="weekly", by=city.users.office,
                                               today=MONDAY_AFTER)
    with mock.patch("dashboard.services.write_report", side_effect=ValueError("磁盘已满")):
        report = run_report(report, week.now)
    assert report.job.status == Job.Status.FAILED and "ValueError" in report.job.message
    assert report.may_retry


def test_a_report_whose_row_is_gone_fails_its_job_in_chinese(city):
    report, _created = services.report_request(kind="weekly", by=city.users.office,
                                               today=MONDAY_AFTER)
    job_id = report.job_id
    report.delete()
    job_run(job_id=job_id)
    job = Job.objects.get(pk=job_id)
    assert job.status == Job.Status.FAILED and job.message == "这份通报报告已被删除。"


def test_only_the_office_requests_reports(city):
    with pytest.raises(PermissionDenied):
        services.report_request(kind="weekly", by=city.users.leader, today=MONDAY_AFTER)


def test_the_beat_task_requests_one_report_per_district_with_no_creator(
        city, django_capture_on_commit_callbacks):
    with mock.patch.object(run_job_task, "delay"):
        tasks.schedule_reports_task("monthly")
        tasks.schedule_reports_task("monthly")
    assert sorted(Report.objects.values_list("region__name", flat=True)) == ["城关区", "高新区"]
    jobs = Job.objects.filter(kind=Job.Kind.REPORT)
    assert jobs.count() == 2 and not jobs.exclude(created_by=None).exists()
    assert sorted(jobs.values_list("unit__name", flat=True)) == ["城关区", "高新区"]


def test_a_job_of_the_beat_runs_without_a_creator(city, week):
    report, _created = services.report_request(kind="weekly", region=city.units.a,
                                               today=MONDAY_AFTER)
    report = run_report(report, week.now)
    assert report.job.created_by is None and report.job.status == Job.Status.DONE
    assert report.job.result


def test_a_report_job_the_broker_lost_is_sent_again_by_the_jobs_sweeper(city, monkeypatch):
    report, _created = services.report_request(kind="weekly", by=city.users.office,
                                               today=MONDAY_AFTER)
    Job.objects.filter(pk=report.job_id).update(created=timezone.now() - dt.timedelta(hours=1))
    sent = []
    monkeypatch.setattr(run_job_task, "delay", sent.append)
    assert job_sweep() == [report.job_id] and sent == [report.job_id]


# API


def test_office_requests_a_report_and_gets_202_then_200(city, api):
    client = api.as_user(city.users.office)
    with mock.patch.object(run_job_task, "delay"):
        first = client.post(URL, {"kind": "weekly"}, format="json")
        second = client.post(URL, {"kind": "weekly"}, format="json")
    assert first.status_code == 202 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    job = first.json()["job"]
    assert (job["kind"], job["kind_display"], job["status"]) == ("report", "督查通报", "queued")
    assert job["page_url"] == f"/jobs/{job['id']}/"


def test_a_report_job_cannot_be_started_through_the_jobs_api(city, api):
    response = api.as_user(city.users.office).post(
        "/api/v1/jobs/", {"kind": "report", "params": {"report": 1}}, format="json")
    assert response.status_code == 400 and "kind" in response.json()
    assert not Job.objects.exists()


def test_bad_kind_names_the_field(city, api):
    response = api.as_user(city.users.office).post(URL, {"kind": "daily"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()


def test_an_on_demand_period_in_the_wrong_order_names_the_field(city, api):
    response = api.as_user(city.users.office).post(
        URL, {"kind": "on_demand", "period_start": "2026-11-20", "period_end": "2026-11-01"},
        format="json")
    assert response.status_code == 400 and "period_end" in response.json()


def test_leader_downloads_through_the_job_but_cannot_request(city, week, api):
    report = _weekly(city, week)
    client = api.as_user(city.users.leader)
    assert client.post(URL, {"kind": "weekly"}, format="json").status_code == 403
    listed = client.get(URL).json()["results"]
    assert [r["id"] for r in listed] == [report.pk]
    download = f"/api/v1/jobs/{report.job_id}/download/"
    assert listed[0]["job"]["download_url"] == download
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    # The region's report is among the leader's jobs.
    assert [j["id"] for j in client.get("/api/v1/jobs/").json()["results"]] == [report.job_id]


def test_other_district_and_units_get_404_or_403_for_the_report_and_its_job(city, week, api):
    report = _weekly(city, week)
    job = report.job_id
    office_b = api.as_user(city.users.office_b)
    assert office_b.get(f"{URL}{report.pk}/").status_code == 404
    assert office_b.get(f"/api/v1/jobs/{job}/").status_code == 404
    assert office_b.get(f"/api/v1/jobs/{job}/download/").status_code == 404
    # A unit's liaison is in the report's district but not a reader: 403 for the report,
    # 404 for its job (not theirs); another district's liaison finds neither.
    liaison = api.as_user(city.users.liaison)
    assert liaison.get(f"{URL}{report.pk}/").status_code == 403
    assert liaison.get(URL).status_code == 403
    assert liaison.get(f"/api/v1/jobs/{job}/download/").status_code == 404
    liaison_b = api.as_user(city.users.liaison_b)
    assert liaison_b.get(f"{URL}{report.pk}/").status_code == 404
    assert liaison_b.get(f"/api/v1/jobs/{job}/download/").status_code == 404


def test_a_saved_report_file_link_leads_to_its_jobs_file(city, week, api):
    """The report's own download and pdf addresses (links saved before the files moved to
    the report's job) redirect to the job's, which checks access again: another district's
    office 404 at the report, a liaison 403."""
    report = _weekly(city, week)
    for name in ("download", "pdf"):
        leader = api.as_user(city.users.leader)
        response = leader.get(f"{URL}{report.pk}/{name}/")
        assert response.status_code == 302
        assert response["Location"] == f"/api/v1/jobs/{report.job_id}/{name}/"
        assert leader.get(response["Location"]).status_code == 200
        assert api.as_user(city.users.office_b).get(
            f"{URL}{report.pk}/{name}/").status_code == 404
        assert api.as_user(city.users.liaison).get(
            f"{URL}{report.pk}/{name}/").status_code == 403


def test_anonymous_cannot_list_reports(city, api):
    assert api.get(URL).status_code in (401, 403)


# Pages


def test_the_report_page_links_the_job_page_and_its_download(city, week, client):
    report = _weekly(city, week)
    client.force_login(city.users.leader)
    html = client.get("/dashboard/reports/").content.decode()
    assert f"/jobs/{report.job_id}/download/" in html and f'href="/jobs/{report.job_id}/"' in html
    page = client.get(f"/jobs/{report.job_id}/").content.decode()
    assert "督查通报" in page and "城关区周报_20261116-20261122.xlsx" in page
    # The job's page names the report as the list does and leads back to it.
    assert '<a href="/dashboard/reports/">城关区周报（2026-11-16 至 2026-11-22）</a>' in page
    assert '<a href="/dashboard/reports/">返回</a>' in page
    assert client.get(f"/jobs/{report.job_id}/download/").status_code == 200
    client.force_login(city.users.liaison)
    assert client.get("/dashboard/reports/").status_code == 403


def test_a_job_left_in_the_queue_says_so_after_two_minutes(city, client):
    """No worker took the job: 马上开始 for the first two minutes (the sweeper's grace),
    then a warning that the background service may not be running."""
    report, _created = services.report_request(kind="weekly", by=city.users.office,
                                               today=MONDAY_AFTER)
    client.force_login(city.users.office)
    url = f"/jobs/{report.job_id}/"
    assert "排队中，马上开始" in client.get(url).content.decode()
    Job.objects.filter(pk=report.job_id).update(
        created=timezone.now() - dt.timedelta(minutes=3))
    page = client.get(url).content.decode()
    assert "还没有开始：后台任务服务可能正忙于其他任务，或者没有运行" in page and "马上开始" not in page


def test_another_districts_office_gets_404_for_the_report_jobs_pages(city, week, client):
    report = _weekly(city, week)
    for user, expected in ((city.users.office_b, 404), (city.users.liaison, 404),
                           (city.users.liaison_b, 404), (city.users.office, 200)):
        client.force_login(user)
        for url in (f"/jobs/{report.job_id}/", f"/jobs/{report.job_id}/download/"):
            assert client.get(url).status_code == expected, (user.username, url)
    client.force_login(city.users.office_b)
    assert f"/jobs/{report.job_id}/" not in client.get("/jobs/").content.decode()


def test_the_office_sees_a_failed_report_and_starts_it_again(city, week, client,
                                                             django_capture_on_commit_callbacks):
    report, _created = services.report_request(kind="weekly", by=city.users.office,
                                               today=MONDAY_AFTER)
    with mock.patch("dashboard.services.write_report", side_effect=ValueError("磁盘已满")):
        report = run_report(report, week.now)
    failed = report.job_id
    client.force_login(city.users.office)
    html = client.get("/dashboard/reports/").content.decode()
    assert "未完成" in html and "处理时出错" in html and "重新生成" in html
    with mock.patch.object(run_job_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/dashboard/reports/", {"retry": report.pk})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.job_id != failed and report.job.status == Job.Status.QUEUED
    delay.assert_called_once_with(report.job_id)
    assert Job.objects.get(pk=failed).status == Job.Status.FAILED  # kept in the history


def _reports(city, days):
    for day in days:
        report, _created = services.report_request(
            kind="on_demand", by=city.users.office, start=dt.date(2026, 1, day),
            end=dt.date(2026, 1, day))
        if day % 2:
            Job.objects.filter(pk=report.job_id).update(status=Job.Status.FAILED, message="失败")


def test_the_report_page_costs_the_same_queries_for_2_or_8_reports(city, client):
    """The page of reports reads each report with its region and job in one query."""
    client.force_login(city.users.office)

    def count():
        client.get("/dashboard/reports/")  # warm-up: per-process caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/dashboard/reports/").status_code == 200
        return len(ctx.captured_queries)

    _reports(city, [1, 2])
    small = count()
    _reports(city, range(3, 9))
    assert count() == small
