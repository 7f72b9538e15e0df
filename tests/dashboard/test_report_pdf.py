"""The printable accountability report (PDF): its text, the missing-font refusal, the retry
and who may download it."""

import io
from unittest import mock

import pytest
from django.core.files.base import ContentFile

from dashboard import pdf, services, tasks
from dashboard.models import Report

from .test_reports import MONDAY_AFTER, _weekly

needs_cjk_font = pytest.mark.skipif(
    not pdf.cjk_fonts(),
    reason="没有安装中文字体（fc-list :lang=zh 为空）：PDF 报告需要 fonts-noto-cjk，"
           "由 .ci/run 安装；本机跳过 PDF 文字检查。")


def _pdf_text(data):
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _with_pdf_file(report):
    """A report whose PDF is on disk (its content does not matter to the access checks)."""
    report.pdf.save(report.pdf_download_name, ContentFile(b"%PDF-1.7\n%test\n"))
    return report


@needs_cjk_font
def test_the_pdf_names_the_units_and_their_figures(city, week, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _weekly(city, week)
    services.report_pdf_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.pdf.name.endswith(".pdf") and not report.pdf_error
    data = report.pdf.read()
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    # The units of the district, their composite and the parts of the report. The PDF is
    # drawn after the week, so its figures stand at the week's end (tests/dashboard/conftest):
    # 东街街道's issue due Friday the 20th is late by then (逾期 0/1) and the region's 逾期 is
    # 3/6 → 区城管局 (25·50 + 20·(2 + 2.5)/9·100 + 10·76.2 + 20·50) / 75 = 53.5, 东街街道
    # (1250 + 20·41.7 + 556 + 1000) / 75 = 48.5.
    for expected in ("城关区创建全国文明城市工作周报", "区住建局", "区城管局", "东街街道",
                     "53.5", "48.5", "红榜", "黑榜", "逾期未整改问题通报", "测评得分预估", "签发人"):
        assert expected in text, expected
    assert "高新区城管局" not in text  # the other district's unit is not in this report
    assert f"#{week.overdue.pk}" in text  # the overdue issue is listed


@needs_cjk_font
def test_generating_the_pdf_twice_keeps_the_first(city, week, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _weekly(city, week)
    services.report_pdf_generate(report_id=report.pk)
    report.refresh_from_db()
    name = report.pdf.name
    services.report_pdf_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.pdf.name == name


def test_without_a_cjk_font_the_pdf_job_fails_with_a_chinese_message(
        city, week, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    # A fontconfig that knows no font at all: what a server without fonts-noto-cjk sees.
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?><fontconfig><cachedir>'
                     f"{tmp_path}/fc-cache</cachedir></fontconfig>")
    monkeypatch.setenv("FONTCONFIG_FILE", str(empty))
    assert pdf.cjk_fonts() == []
    report = _weekly(city, week)
    with pytest.raises(pdf.PdfUnavailable):
        services.report_pdf_generate(report_id=report.pk)
    report.refresh_from_db()
    assert not report.pdf and "中文字体" in report.pdf_error and "fonts-noto-cjk" in report.pdf_error
    # The Excel version is unaffected.
    assert report.status == Report.Status.DONE and report.file


def test_the_office_queues_a_failed_pdf_again(city, week, settings, tmp_path,
                                              django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    report = _weekly(city, week)
    Report.objects.filter(pk=report.pk).update(pdf_error=pdf.NO_CJK_FONT)
    with mock.patch.object(tasks.generate_report_pdf_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.report_retry(report=report, by=city.users.office)
        with django_capture_on_commit_callbacks(execute=True):
            assert not services.report_retry(report=report, by=city.users.office)
    delay.assert_called_once_with(report.pk)
    report.refresh_from_db()
    assert report.pdf_error == "" and report.pdf_pending


def test_a_failed_report_is_queued_again_by_asking_for_it(city, week,
                                                          django_capture_on_commit_callbacks):
    report, _queued = services.report_request(kind="weekly", by=city.users.office,
                                              today=MONDAY_AFTER)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.FAILED, error="磁盘已满")
    with mock.patch.object(tasks.generate_report_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            again, queued = services.report_request(kind="weekly", by=city.users.office,
                                                    today=MONDAY_AFTER)
    assert again.pk == report.pk and queued
    delay.assert_called_once_with(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.PENDING and report.error == ""


def test_the_xlsx_job_queues_the_pdf_job(city, week, django_capture_on_commit_callbacks):
    report, _queued = services.report_request(kind="weekly", by=city.users.office,
                                              today=MONDAY_AFTER)
    with mock.patch.object(tasks.generate_report_pdf_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            services.report_generate(report_id=report.pk, now=week.now)
    delay.assert_called_once_with(report.pk)


def test_only_the_office_retries(city, week):
    report = _weekly(city, week)
    with pytest.raises(services.PermissionDenied):
        services.report_retry(report=report, by=city.users.leader)


# Downloads: the web page and the API, each scoped.


def test_the_report_page_offers_the_pdf_and_the_leader_downloads_it(city, week, client,
                                                                    settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _with_pdf_file(_weekly(city, week))
    client.force_login(city.users.leader)
    html = client.get("/dashboard/reports/").content.decode()
    assert f"/dashboard/reports/{report.pk}/pdf/" in html and "下载 PDF" in html
    response = client.get(f"/dashboard/reports/{report.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_pdf_download_scoping_on_the_web(city, week, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _with_pdf_file(_weekly(city, week))
    url = f"/dashboard/reports/{report.pk}/pdf/"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert not getattr(anonymous, "streaming", False)
    client.force_login(city.users.office_b)
    assert client.get(url).status_code == 404  # another district's report
    client.force_login(city.users.liaison)
    assert client.get(url).status_code == 403  # a unit's liaison: not a reader
    client.force_login(city.users.office)
    assert client.get(url).status_code == 200


def test_pdf_download_scoping_in_the_api(city, week, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _with_pdf_file(_weekly(city, week))
    url = f"/api/v1/reports/{report.pk}/pdf/"
    anonymous = api.get(url)
    assert anonymous.status_code in (401, 403) and not getattr(anonymous, "streaming", False)
    assert api.as_user(city.users.office_b).get(url).status_code == 404
    assert api.as_user(city.users.liaison).get(url).status_code == 403
    assert api.as_user(city.users.liaison_b).get(url).status_code == 404
    response = api.as_user(city.users.leader).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    listed = api.as_user(city.users.leader).get("/api/v1/reports/").json()["results"]
    assert listed[0]["pdf_url"] == url


def test_a_report_without_its_pdf_answers_404(city, week, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _weekly(city, week)
    client.force_login(city.users.leader)
    assert client.get(f"/dashboard/reports/{report.pk}/pdf/").status_code == 404


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


def test_the_retry_button_queues_the_pdf_for_the_office_only(city, week, client, settings,
                                                            tmp_path,
                                                            django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    report = _weekly(city, week)
    Report.objects.filter(pk=report.pk).update(pdf_error=pdf.NO_CJK_FONT)
    client.force_login(city.users.office)
    html = client.get("/dashboard/reports/").content.decode()
    assert "重新生成 PDF" in html and "fonts-noto-cjk" in html
    client.force_login(city.users.leader)
    assert client.post("/dashboard/reports/", {"retry": report.pk}).status_code == 403
    client.force_login(city.users.office_b)
    assert client.post("/dashboard/reports/", {"retry": report.pk}).status_code == 404
    client.force_login(city.users.office)
    assert client.post("/dashboard/reports/", {"retry": "x"}).status_code == 404
    with mock.patch.object(tasks.generate_report_pdf_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/dashboard/reports/", {"retry": report.pk})
    assert response.status_code == 302
    delay.assert_called_once_with(report.pk)
    report.refresh_from_db()
    assert report.pdf_error == ""


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
