import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from accounts.models import Notification
from dashboard import services, tasks
from dashboard.models import Report

URL = "/api/v1/reports/"
MONDAY_AFTER = dt.date(2026, 11, 23)


def _weekly(city, week):
    report, created = services.report_request(kind="weekly", by=city.users.office,
                                              today=MONDAY_AFTER)
    services.report_generate(report_id=report.pk, now=week.now)
    report.refresh_from_db()
    return report


def test_the_weekly_report_covers_last_monday_to_sunday(city):
    first, last = services.report_period("weekly", today=MONDAY_AFTER)
    assert (first, last) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert services.report_period("monthly", today=dt.date(2026, 12, 1)) == (
        dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def test_a_requested_report_is_enqueued_once_per_period(city, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.generate_report_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            report, created = services.report_request(kind="weekly", by=city.users.office,
                                                      today=MONDAY_AFTER)
        with django_capture_on_commit_callbacks(execute=True):
            again, created_again = services.report_request(kind="weekly", by=city.users.office,
                                                           today=MONDAY_AFTER + dt.timedelta(1))
    assert created and not created_again and again.pk == report.pk
    delay.assert_called_once_with(report.pk)
    assert Report.objects.count() == 1


def test_the_weekly_xlsx_names_the_units_and_matches_the_database(city, week, tmp_path):
    report = _weekly(city, week)
    assert report.status == Report.Status.DONE and report.progress == 100
    path = tmp_path / "w.xlsx"
    path.write_bytes(report.file.read())
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


def test_generating_twice_does_nothing_the_second_time(city, week):
    report = _weekly(city, week)
    name = report.file.name
    services.report_generate(report_id=report.pk, now=week.now)
    report.refresh_from_db()
    assert report.file.name == name
    assert Notification.objects.filter(recipient=city.users.leader).count() == 1


def test_a_failure_is_kept_on_the_row(city, week):
    report, _created = services.report_request(kind="weekly", by=city.users.office,
                                               today=MONDAY_AFTER)
    with mock.patch("dashboard.services.write_report", side_effect=ValueError("磁盘已满")):
        with pytest.raises(ValueError):
            services.report_generate(report_id=report.pk, now=week.now)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED and "磁盘已满" in report.error


def test_only_the_office_requests_reports(city):
    with pytest.raises(PermissionDenied):
        services.report_request(kind="weekly", by=city.users.leader, today=MONDAY_AFTER)


def test_the_beat_task_requests_one_report_per_district(city, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.generate_report_task, "delay"):
        tasks.schedule_reports_task("monthly")
        tasks.schedule_reports_task("monthly")
    assert sorted(Report.objects.values_list("region__name", flat=True)) == ["城关区", "高新区"]


# API


def test_office_requests_a_report_and_gets_202_then_200(city, api):
    client = api.as_user(city.users.office)
    with mock.patch.object(tasks.generate_report_task, "delay"):
        first = client.post(URL, {"kind": "weekly"}, format="json")
        second = client.post(URL, {"kind": "weekly"}, format="json")
    assert first.status_code == 202 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]


def test_bad_kind_names_the_field(city, api):
    response = api.as_user(city.users.office).post(URL, {"kind": "daily"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()


def test_an_on_demand_period_in_the_wrong_order_names_the_field(city, api):
    response = api.as_user(city.users.office).post(
        URL, {"kind": "on_demand", "period_start": "2026-11-20", "period_end": "2026-11-01"},
        format="json")
    assert response.status_code == 400 and "period_end" in response.json()


def test_leader_downloads_but_cannot_request(city, week, api):
    report = _weekly(city, week)
    client = api.as_user(city.users.leader)
    assert client.post(URL, {"kind": "weekly"}, format="json").status_code == 403
    response = client.get(f"{URL}{report.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert [r["id"] for r in client.get(URL).json()["results"]] == [report.pk]


def test_other_district_and_units_cannot_download(city, week, api):
    report = _weekly(city, week)
    assert api.as_user(city.users.office_b).get(f"{URL}{report.pk}/download/").status_code == 404
    # A unit's liaison is in the report's district but not a reader: 403; another
    # district's liaison does not find it: 404.
    assert api.as_user(city.users.liaison).get(f"{URL}{report.pk}/download/").status_code == 403
    assert api.as_user(city.users.liaison_b).get(f"{URL}{report.pk}/download/").status_code == 404
    assert api.as_user(city.users.liaison).get(URL).status_code == 403


def test_anonymous_cannot_list_reports(city, api):
    assert api.get(URL).status_code in (401, 403)


def test_the_report_page_lists_and_downloads(city, week, client):
    report = _weekly(city, week)
    client.force_login(city.users.leader)
    html = client.get("/dashboard/reports/").content.decode()
    assert f"/dashboard/reports/{report.pk}/download/" in html
    assert client.get(f"/dashboard/reports/{report.pk}/download/").status_code == 200
    client.force_login(city.users.liaison)
    assert client.get("/dashboard/reports/").status_code == 403
