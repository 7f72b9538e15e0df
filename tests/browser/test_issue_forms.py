"""The office's and the unit's forms on an issue's page: a past deadline is refused with a
clear message, 改派 starts from the unit in charge, and a refused form keeps what was typed."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from issues import services
from issues.models import Issue, IssuePhoto
from tests.issues.factories import IssueCategoryFactory, photo

from .conftest import assert_clean, jpeg_file, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_issue(city):
    category = IssueCategoryFactory(name="垃圾堆放", deadline_value=3,
                                    suggested_unit=city.units.zj)
    return services.issue_file(by=city.users.inspector, category=category,
                               description="东街菜市场门口垃圾堆放", address="东街 18 号",
                               photos=[photo("before.jpg", seed=1)])


def test_dispatch_refuses_a_deadline_already_gone(desktop, city, new_issue):
    log_in(desktop, "office")
    desktop.goto(f"/issues/{new_issue.pk}/")
    desktop.select_option("#act-unit", label="区城管局")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    desktop.fill("#act-deadline", yesterday.isoformat())
    desktop.get_by_role("button", name="派发").click()
    expect(desktop.locator("#act-deadline-error")).to_have_text("整改期限不能早于今天。")
    # What was chosen stays chosen.
    expect(desktop.locator("#act-unit option:checked")).to_have_text("区城管局")
    expect(desktop.locator("#act-deadline")).to_have_value(yesterday.isoformat())
    new_issue.refresh_from_db()
    assert new_issue.status == Issue.Status.NEW and new_issue.deadline is None
    assert_clean(desktop)

    # Today is fine, and the message says what happened.
    desktop.fill("#act-deadline", timezone.localdate().isoformat())
    desktop.get_by_role("button", name="派发").click()
    expect(desktop.locator(".alert-success")).to_contain_text(
        f"问题 #{new_issue.pk} 已派发给区城管局")
    new_issue.refresh_from_db()
    assert new_issue.status == Issue.Status.ASSIGNED
    assert new_issue.responsible_unit == city.units.cg
    assert_clean(desktop)


def test_reassign_after_a_return_starts_from_the_unit_in_charge(desktop, city, new_issue):
    # Dispatched to 区城管局 although the category suggests 区住建局, then returned.
    services.issue_assign(issue=new_issue, by=city.users.office, responsible_unit=city.units.cg)
    services.issue_submit(issue=new_issue, by=city.users.liaison,
                          photos=[photo("after.jpg", color=(20, 160, 40), seed=9)])
    services.issue_reject(issue=new_issue, by=city.users.office, reason="现场仍有垃圾")
    log_in(desktop, "office")
    desktop.goto(f"/issues/{new_issue.pk}/")
    selected = desktop.locator("#act-unit option[selected]")
    expect(selected).to_have_count(1)
    expect(selected).to_have_text("区城管局")
    expect(desktop.locator("#act-unit option:checked")).to_have_text("区城管局")
    desktop.get_by_role("button", name="改派 / 维持原派").click()
    expect(desktop.locator(".alert-success")).to_contain_text("现由区城管局整改")
    new_issue.refresh_from_db()
    assert new_issue.responsible_unit == city.units.cg
    assert_clean(desktop)


def test_a_refused_rectification_keeps_the_note(plain_phone, city, new_issue, tmp_path):
    phone = plain_phone
    services.issue_assign(issue=new_issue, by=city.users.office, responsible_unit=city.units.cg)
    # The same photo as before: refused as not showing the rectification.
    same = tmp_path / "same.jpg"
    IssuePhoto.objects.get(issue=new_issue).file.open("rb")
    same.write_bytes(IssuePhoto.objects.get(issue=new_issue).file.read())
    log_in(phone, "liaison")
    phone.goto(f"/issues/{new_issue.pk}/")
    phone.get_by_label("整改后照片").set_input_files(str(same))
    phone.get_by_label("整改情况说明").fill("已清运垃圾，设置分类垃圾桶")
    phone.get_by_role("button", name="提交整改").click()
    expect(phone.locator("#action-errors")).to_be_visible()
    expect(phone.get_by_label("整改情况说明")).to_have_value("已清运垃圾，设置分类垃圾桶")
    expect(phone.locator("#act-photos-again")).to_contain_text("请重新选择照片")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path="test-artifacts/issue-submit-refused-phone.png", full_page=True)
    assert_clean(phone)

    after = jpeg_file(tmp_path / "整改后.jpg", color=(90, 170, 90), seed=7)
    phone.get_by_label("整改后照片").set_input_files(str(after))
    phone.get_by_role("button", name="提交整改").click()
    expect(phone.locator(".alert-success")).to_contain_text("整改已提交")
    new_issue.refresh_from_db()
    assert new_issue.status == Issue.Status.SUBMITTED
    assert_clean(phone)
