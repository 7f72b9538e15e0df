"""The printable accountability report (PDF), the second file of the report's job: its
text, the missing-font message, starting it again and who may download it."""

import datetime as dt
import io
from unittest import mock

import pytest

from dashboard import pdf, services
from jobs.models import Job
from jobs.tasks import run_job_task

from .test_reports import MONDAY_AFTER, _weekly, run_report

needs_cjk_font = pytest.mark.skipif(
    not pdf.cjk_fonts(),
    reason="没有安装中文字体（fc-list :lang=zh 为空）：PDF 报告需要 fonts-noto-cjk，"
           "由 .ci/run 安装；本机跳过 PDF 文字检查。")


def _pdf_text(data):
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _no_fonts(tmp_path, monkeypatch):
    """A fontconfig that knows no font at all: what a server without fonts-noto-cjk sees."""
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?><fontconfig><cachedir>'
                     f"{tmp_path}/fc-cache</cachedir></fontconfig>")
    monkeypatch.setenv("FONTCONFIG_FILE", str(empty))
    assert pdf.cjk_fonts() == []


def _without_pdf(report):
    """The report's job done with its Excel file alone, as on a worker without CJK font."""
    Job.objects.filter(pk=report.job_id).update(
        pdf="", pdf_name="", message=f"已生成 Excel 版；PDF 版未生成：{pdf.NO_CJK_FONT}")
    report.refresh_from_db()
    return report


@needs_cjk_font
def test_the_pdf_names_the_units_and_their_figures(city, week, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _weekly(city, week, now=None, pdf=True)
    job = report.job
    assert job.pdf.name.endswith(".pdf") and job.message == "已生成 Excel 版和 PDF 版。"
    assert job.pdf_name == "城关区周报_20261116-20261122.pdf"
    data = job.pdf.read()
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    # The units of the district, their composite and the parts of the report. This job runs
    # after the week, so its figures stand at the week's end (tests/dashboard/conftest):
    # 东街街道's issue due Friday the 20th is late by then (逾期 0/1) and the region's 逾期 is
    # 3/6 → 区城管局 (25·50 + 20·(2 + 2.5)/9·100 + 10·76.2 + 20·50) / 75 = 53.5, 东街街道
    # (1250 + 20·41.7 + 556 + 1000) / 75 = 48.5.
    for expected in ("城关区创建全国文明城市工作周报", "区住建局", "区城管局", "东街街道",
                     "53.5", "48.5", "红榜", "黑榜", "逾期未整改问题通报", "测评得分预估", "签发人"):
        assert expected in text, expected
    assert "高新区城管局" not in text  # the other district's unit is not in this report
    assert f"#{week.overdue.pk}" in text  # the overdue issue is listed


def test_without_a_cjk_font_the_job_is_done_with_the_excel_file_and_says_why(
        city, week, settings, tmp_path, monkeypatch, client):
    settings.MEDIA_ROOT = tmp_path
    _no_fonts(tmp_path, monkeypatch)
    report = _weekly(city, week, pdf=True)
    job = report.job
    assert job.status == Job.Status.DONE and job.result and not job.pdf
    assert job.message.startswith("已生成 Excel 版；PDF 版未生成：服务器未安装中文字体")
    assert "fonts-noto-cjk" in job.message and report.pdf_missing and report.may_retry
    # The reason is shown on the job's page and on the reports page, with the retry button.
    client.force_login(city.users.office)
    assert "fonts-noto-cjk" in client.get(f"/jobs/{job.pk}/").content.decode()
    html = client.get("/dashboard/reports/").content.decode()
    assert "fonts-noto-cjk" in html and f'name="retry" value="{report.pk}"' in html


def test_an_unexpected_pdf_error_keeps_the_excel_file(city, week):
    report, _created = services.report_request(kind="weekly", by=city.users.office,
                                               today=MONDAY_AFTER)
    with mock.patch("dashboard.pdf.render_report_pdf", side_effect=RuntimeError("排版失败")):
        report = run_report(report, week.now, pdf=True)
    job = report.job
    assert job.status == Job.Status.DONE and job.result and not job.pdf
    assert job.message == "已生成 Excel 版；PDF 版生成失败，请稍后在通报报告页点“重新生成 PDF”。"


def test_the_office_starts_a_report_without_its_pdf_again(city, week,
                                                          django_capture_on_commit_callbacks):
    report = _without_pdf(_weekly(city, week))
    first = report.job_id
    with mock.patch.object(run_job_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.report_retry(report=report, by=city.users.office)
        with django_capture_on_commit_callbacks(execute=True):
            assert not services.report_retry(report=report, by=city.users.office)
    report.refresh_from_db()
    delay.assert_called_once_with(report.job_id)
    assert report.job_id != first and report.job.status == Job.Status.QUEUED
    assert not report.pdf_missing and not report.may_retry


def test_a_failed_report_is_started_again_by_asking_for_it(city, week,
                                                           django_capture_on_commit_callbacks):
    report, _queued = services.report_request(kind="weekly", by=city.users.office,
                                              today=MONDAY_AFTER)
    Job.objects.filter(pk=report.job_id).update(status=Job.Status.FAILED, message="磁盘已满")
    with mock.patch.object(run_job_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            again, queued = services.report_request(kind="weekly", by=city.users.office,
                                                    today=MONDAY_AFTER)
    again.refresh_from_db()
    assert again.pk == report.pk and queued and again.job_id != report.job_id
    delay.assert_called_once_with(again.job_id)
    assert again.job.status == Job.Status.QUEUED and again.job.message == ""


def test_a_complete_report_asked_for_again_starts_nothing(city, week):
    report = _weekly(city, week)
    again, queued = services.report_request(kind="weekly", by=city.users.office,
                                            today=MONDAY_AFTER)
    again.refresh_from_db()
    assert not queued and again.job_id == report.job_id


def test_only_the_office_retries(city, week):
    report = _without_pdf(_weekly(city, week))
    with pytest.raises(services.PermissionDenied):
        services.report_retry(report=report, by=city.users.leader)


# Downloads: the job's PDF, on the web and in the API, each scoped as the job.


def test_the_report_page_offers_the_pdf_and_the_leader_downloads_it(city, week, client,
                                                                    settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _weekly(city, week)
    url = f"/jobs/{report.job_id}/pdf/"
    client.force_login(city.users.leader)
    html = client.get("/dashboard/reports/").content.decode()
    assert url in html and "下载 PDF" in html
    assert url in client.get(f"/jobs/{report.job_id}/").content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_pdf_download_scoping_on_the_web(city, week, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _weekly(city, week)
    url = f"/jobs/{report.job_id}/pdf/"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert not getattr(anonymous, "streaming", False)
    client.force_login(city.users.office_b)
    assert client.get(url).status_code == 404  # another district's report
    client.force_login(city.users.liaison)
    assert client.get(url).status_code == 404  # a unit's liaison: not a job of theirs
    client.force_login(city.users.office)
    assert client.get(url).status_code == 200


def test_pdf_download_scoping_in_the_api(city, week, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _weekly(city, week)
    url = f"/api/v1/jobs/{report.job_id}/pdf/"
    anonymous = api.get(url)
    assert anonymous.status_code in (401, 403) and not getattr(anonymous, "streaming", False)
    assert api.as_user(city.users.office_b).get(url).status_code == 404
    assert api.as_user(city.users.liaison).get(url).status_code == 404
    assert api.as_user(city.users.liaison_b).get(url).status_code == 404
    response = api.as_user(city.users.leader).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    listed = api.as_user(city.users.leader).get("/api/v1/reports/").json()["results"]
    assert listed[0]["job"]["pdf_url"] == url


def test_a_report_without_its_pdf_answers_404(city, week, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _without_pdf(_weekly(city, week))
    client.force_login(city.users.leader)
    assert client.get(f"/jobs/{report.job_id}/pdf/").status_code == 404
    assert f"/jobs/{report.job_id}/pdf/" not in client.get("/dashboard/reports/").content.decode()


def _row(uid, rank, previous_rank):
    return {"id": uid, "name": f"单位{uid}", "rank": rank, "score": 100 - rank,
            "previous_rank": previous_rank}


def test_interview_candidates_were_last_twice_by_rank_not_by_name():
    # Last period all six tied at rank 1: nobody was last, so nobody is to be interviewed.
    tied = [_row(i, i, 1) for i in range(1, 7)]
    assert services.interview_candidates(tied, 2) == []
    # Units 5 and 6 were 5th and 6th of six before and are last again; unit 4 was not.
    rows = [_row(1, 1, 2), _row(2, 2, 1), _row(3, 3, 3), _row(4, 4, 4), _row(5, 5, 6),
            _row(6, 6, 5)]
    assert [r["id"] for r in services.interview_candidates(rows, 2)] == [6, 5]


def test_the_retry_button_starts_the_report_again_for_the_office_only(
        city, week, client, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    report = _without_pdf(_weekly(city, week))
    client.force_login(city.users.office)
    html = client.get("/dashboard/reports/").content.decode()
    assert f'name="retry" value="{report.pk}"' in html and "fonts-noto-cjk" in html
    client.force_login(city.users.leader)
    assert 'name="retry"' not in client.get("/dashboard/reports/").content.decode()
    assert client.post("/dashboard/reports/", {"retry": report.pk}).status_code == 403
    client.force_login(city.users.office_b)
    assert client.post("/dashboard/reports/", {"retry": report.pk}).status_code == 404
    client.force_login(city.users.office)
    assert client.post("/dashboard/reports/", {"retry": "x"}).status_code == 404
    with mock.patch.object(run_job_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/dashboard/reports/", {"retry": report.pk})
    assert response.status_code == 302
    report.refresh_from_db()
    delay.assert_called_once_with(report.job_id)
    assert report.job.status == Job.Status.QUEUED


def test_overdue_rows_count_days_by_the_calendar_date(city, week):
    """Counted at Wednesday 18 November noon: the team's issue due Monday the 9th at 10:00
    is 9 days late; one due this morning at 09:00 is late since today (不足1天, not 0)."""
    from issues.models import Issue

    from .factories import at

    fresh = Issue.objects.create(category=week.overdue.category, description="路灯不亮",
                                 region=city.units.a, responsible_unit=city.units.cg,
                                 deadline=at(11, 18, 9), status=Issue.Status.ASSIGNED)
    report = _weekly(city, week)
    data = services.report_data(report, now=week.now)
    listed = {i["issue"].pk: i["days"] for i in
              services.report_pdf_context(report, data)["overdue_listed"]}
    assert listed[week.overdue.pk] == 9 and listed[fresh.pk] == 0
    from django.template.loader import render_to_string

    html = render_to_string("dashboard/report_pdf.html",
                            services.report_pdf_context(report, data))
    assert "不足1天" in html


def test_asking_again_for_a_missing_pdf_keeps_the_excel_and_the_moment_counted(
        city, week, settings, tmp_path):
    """The Excel file handed out (and cited by the 约谈 records) stays the report's; the PDF
    drawn later counts the same moment as the first job, not the day it is asked for."""
    settings.MEDIA_ROOT = tmp_path
    report = _without_pdf(_weekly(city, week))
    first = report.job
    assert dt.datetime.fromisoformat(first.params["as_of"]) == week.now
    assert services.report_retry(report=report, by=city.users.office) is True
    report.refresh_from_db()
    assert report.job_id != first.pk
    assert report.job.result.name == first.result.name
    assert dt.datetime.fromisoformat(report.job.params["as_of"]) == week.now
    later = week.now + dt.timedelta(days=9)
    with mock.patch("dashboard.services.report_data", wraps=services.report_data) as counted:
        run_report(report, later)
    assert counted.call_args.kwargs["now"] == week.now
    report.refresh_from_db()
    assert report.job.status == Job.Status.DONE and report.job.pdf.name.endswith(".pdf")
    assert report.job.result.name == first.result.name
    assert report.job.message == "已生成 PDF 版（Excel 版不变）。"


def test_a_superuser_asks_for_a_report_of_a_region(city, week):
    from accounts.models import User

    root = User.objects.create_superuser("root", password="x-long-password-1")
    report, created = services.report_request(kind="weekly", by=root, region=city.units.a,
                                              today=MONDAY_AFTER)
    assert created and report.job.status == Job.Status.QUEUED
    assert report.job.unit_id == city.units.a.pk
