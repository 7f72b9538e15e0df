"""Office pages for issue categories and the holiday calendar."""

import datetime as dt
import io
import re

import pytest
from openpyxl import Workbook

from issues import deadlines
from issues.models import Holiday, IssueCategory
from jobs.models import Job

pytestmark = pytest.mark.django_db


def test_pages_are_for_office_only(client, city, category, city_office):
    urls = ["/issues/categories/", "/issues/categories/new/",
            f"/issues/categories/{category.pk}/edit/", "/issues/holidays/",
            "/issues/holidays/import/"]
    for url in urls:
        assert client.get(url).status_code == 302, url  # anonymous → login
    for who in ("liaison", "inspector", "leader", "pointchief"):
        client.force_login(getattr(city.users, who))
        for url in urls:
            assert client.get(url).status_code == 403, (who, url)
        assert client.post("/issues/holidays/", {"date": "2026-10-01", "name": "国庆节",
                                                 "kind": "off"}).status_code == 403
    client.force_login(city_office)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert not Holiday.objects.exists()
    assert client.get("/issues/categories/999999/edit/").status_code == 404


def test_office_edits_a_category_deadline_and_severity(client, city, category, city_office):
    client.force_login(city_office)
    response = client.post(f"/issues/categories/{category.pk}/edit/", {
        "name": "乱停乱放", "deadline_value": 24, "deadline_unit": "hours",
        "severity": "major", "order": 1, "is_active": "on"})
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.deadline_value, category.deadline_unit, category.severity) == (
        24, "hours", "major")
    assert category.history.count() >= 1
    response = client.post("/issues/categories/new/", {
        "name": "飞线充电", "deadline_value": 2, "deadline_unit": "working_days",
        "severity": "severe", "suggested_unit": city.units.cg.pk, "order": 2, "is_active": "on"})
    assert response.status_code == 302
    assert IssueCategory.objects.get(name="飞线充电").suggested_unit == city.units.cg


def test_bad_category_input_gets_400_with_chinese_messages(client, city, category,
                                                           city_office):
    client.force_login(city_office)
    response = client.post("/issues/categories/new/", {
        "name": "乱停乱放", "deadline_value": 0, "deadline_unit": "weeks", "severity": "minor",
        "suggested_unit": city.units.b_dept.pk, "order": 1})
    assert response.status_code == 400
    body = response.content.decode()
    assert "已存在" in body and "选择一个有效的选项" in body
    assert IssueCategory.objects.count() == 1
    response = client.post("/issues/categories/new/", {
        "name": "占道经营", "deadline_value": 0, "deadline_unit": "hours", "severity": "minor",
        "order": 1})
    assert response.status_code == 400 and "须大于 0" in response.content.decode()


def test_reference_data_written_by_a_district_office_is_refused(client, city, category):
    """Categories and the holiday calendar are the city's: a district office reads them and
    changes nothing (403), on the pages and in the API."""
    holiday = Holiday.objects.create(date="2026-10-01", name="国庆节")
    for who in ("office", "office_b"):
        client.force_login(getattr(city.users, who))
        assert client.get("/issues/categories/").status_code == 200
        page = client.get("/issues/holidays/?year=2026")
        assert page.status_code == 200 and "由市创城办维护" in page.content.decode()
        response = client.post(f"/issues/categories/{category.pk}/edit/", {
            "name": "乱停乱放", "deadline_value": 3, "deadline_unit": "working_days",
            "severity": "minor", "suggested_unit": city.units.cg.pk, "order": 1})
        assert response.status_code == 403
        assert client.post(f"/issues/holidays/{holiday.pk}/delete/").status_code == 403
        assert client.post("/issues/holidays/", {"date": "2026-10-02", "name": "国庆节",
                                                 "kind": "off"}).status_code == 403
        assert client.post("/issues/holidays/import/", {}).status_code == 403
    category.refresh_from_db()
    assert category.suggested_unit is None
    assert list(Holiday.objects.values_list("date", flat=True)) == [dt.date(2026, 10, 1)]


def test_holidays_and_adjusted_weekends_move_working_day_deadlines(client, city, city_office):
    client.force_login(city_office)
    # 2026-10-01 (Thu) and 10-02 (Fri) off, Sunday 2026-10-11 worked (调休).
    for day, name, kind in [("2026-10-01", "国庆节", "off"), ("2026-10-02", "国庆节", "off"),
                            ("2026-10-11", "国庆节调休", "work")]:
        response = client.post("/issues/holidays/", {"date": day, "name": name, "kind": kind})
        assert response.status_code == 302, response.content.decode()
    page = client.get("/issues/holidays/?year=2026").content.decode()
    assert "10月1日" in page and "国庆节调休" in page
    assert "2026 年放假（2 天）" in page and "2026 年调休上班（1 天）" in page
    calendar = deadlines.WorkCalendar.load()
    assert calendar.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 5)
    assert calendar.is_workday(dt.date(2026, 10, 11))
    # a weekday cannot be a 调休 working day, a Saturday cannot be a holiday, a name is needed
    for data in ({"date": "2026-10-12", "name": "x", "kind": "work"},
                 {"date": "2026-10-10", "name": "x", "kind": "off"},
                 {"date": "2026-10-12", "name": " ", "kind": "off"},
                 {"date": "十月一日", "name": "x", "kind": "off"}):
        response = client.post("/issues/holidays/", data)
        assert response.status_code == 400, data
    assert Holiday.objects.count() == 3
    holiday = Holiday.objects.get(date="2026-10-02")
    client.force_login(city.users.liaison)
    assert client.post(f"/issues/holidays/{holiday.pk}/delete/").status_code == 403
    client.force_login(city_office)
    asked = client.post(f"/issues/holidays/{holiday.pk}/delete/")
    assert asked.status_code == 200 and "确认删除节假日" in asked.content.decode()
    assert Holiday.objects.filter(date="2026-10-02").exists()  # asked first, nothing deleted
    done = client.post(f"/issues/holidays/{holiday.pk}/delete/", {"confirmed": "1"},
                       follow=True)
    assert not Holiday.objects.filter(date="2026-10-02").exists()
    # 撤销 on the message adds the same day back, named and kind as it was.
    page = done.content.decode()
    assert "已删除：2026-10-02 国庆节。" in page and "撤销" in page
    undo = re.search(r'<form method="post" action="/issues/holidays/"[^>]*data-undo>(.*?)</form>',
                     page, re.S).group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', undo))
    assert {k: fields[k] for k in ("date", "name", "kind", "undo")} == {
        "date": "2026-10-02", "name": "国庆节", "kind": "off", "undo": "1"}
    undone = client.post("/issues/holidays/", fields, follow=True)
    assert "已撤销删除：2026-10-02 国庆节（放假）已恢复。" in undone.content.decode()
    restored = Holiday.objects.get(date="2026-10-02")
    assert (restored.name, restored.is_workday) == ("国庆节", False)
    # The undo is the calendar's own form: a district office may not use it either.
    restored.delete()
    client.force_login(city.users.office)
    assert client.post("/issues/holidays/", fields).status_code == 403
    assert not Holiday.objects.filter(date="2026-10-02").exists()


def _calendar_workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "名称", "类型"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "节假日.xlsx"
    return buffer


def test_calendar_import_is_all_or_nothing(client, city, run_jobs, city_office):
    client.force_login(city_office)
    bad = _calendar_workbook([["2027-01-01", "元旦", "放假"], ["2027-01-04", "元旦", "上班"],
                              ["明天", "", "补班"]])
    with run_jobs():
        response = client.post("/issues/holidays/import/", {"file": bad})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and not Holiday.objects.exists()
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (3, "类型"), (4, "日期"), (4, "名称"), (4, "类型")}
    good = _calendar_workbook([[dt.datetime(2027, 1, 1), "元旦", "放假"],
                               ["2027/02/07", "春节调休", "上班"]])
    with run_jobs():
        client.post("/issues/holidays/import/", {"file": good})
    assert dict(Holiday.objects.values_list("date", "is_workday")) == {
        dt.date(2027, 1, 1): False, dt.date(2027, 2, 7): True}
    template = client.get("/issues/holidays/import/template/")
    assert template.status_code == 200 and template.content[:2] == b"PK"
