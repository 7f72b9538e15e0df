"""An issue from the unit's phone to the office's desk: the liaison uploads the after-photo
with a note and submits; the office sees the photo and closes the issue."""

import pytest
from playwright.sync_api import expect

from issues import services
from issues.models import Issue, IssuePhoto
from issues.tasks import process_issue_photo
from tests.issues.factories import IssueCategoryFactory, photo

from .conftest import assert_clean, jpeg_file, log_in, natural_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def assigned_issue(city):
    """An issue filed by the inspector with a before-photo and dispatched to 区城管局."""
    category = IssueCategoryFactory(name="垃圾堆放", deadline_value=3)
    issue = services.issue_file(by=city.users.inspector, category=category,
                                description="东街菜市场门口垃圾堆放", address="东街 18 号",
                                photos=[photo("before.jpg", seed=1)])
    services.issue_assign(issue=issue, by=city.users.office, responsible_unit=city.units.cg)
    for p in IssuePhoto.objects.filter(issue=issue):
        process_issue_photo(p.pk)
    return issue


def test_liaison_submits_the_rectification_and_the_office_closes_it(
        phone, desktop, city, assigned_issue, tmp_path):
    issue = assigned_issue
    after = jpeg_file(tmp_path / "整改后.jpg", color=(90, 170, 90), seed=7)

    # The liaison, on a phone, finds the issue on the workbench and opens it.
    log_in(phone, "liaison")
    phone.get_by_role("link", name=f"#{issue.pk} 垃圾堆放").first.click()
    phone.wait_for_url(f"**/issues/{issue.pk}/")
    expect(phone.locator(".badge", has_text="整改中")).to_be_visible()
    assert natural_width(phone.locator(".photo-compare img.thumb").first) > 0
    assert_clean(phone)

    phone.get_by_label("整改后照片").set_input_files(str(after))
    phone.get_by_label("整改情况说明").fill("已清运垃圾，设置分类垃圾桶")
    phone.get_by_role("button", name="提交整改").click()
    expect(phone.locator(".alert-success")).to_contain_text(f"问题 #{issue.pk} 的整改已提交")
    expect(phone.locator(".badge", has_text="待复核")).to_be_visible()
    expect(phone.locator(".timeline")).to_contain_text("已清运垃圾，设置分类垃圾桶")
    assert_clean(phone)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SUBMITTED
    after_photo = IssuePhoto.objects.get(issue=issue, kind="after")
    assert after_photo.original_name == "整改后.jpg"

    # The worker makes the thumbnail and the watermarked copy.
    process_issue_photo(after_photo.pk)

    # The office reviews on the desktop: the after-photo shows beside the before-photo.
    log_in(desktop, "office")
    desktop.get_by_role("link", name=f"#{issue.pk} 垃圾堆放").first.click()
    desktop.wait_for_url(f"**/issues/{issue.pk}/")
    after_column = desktop.locator(".photo-compare > div").nth(1)
    assert natural_width(after_column.locator("img.thumb")) > 0
    with desktop.context.expect_page() as opened:
        after_column.locator("a").first.click()
    full = opened.value
    full.wait_for_load_state()
    assert full.evaluate("document.images[0].naturalWidth") > 0
    full.close()
    assert_clean(desktop)

    # 销号 asks on a page of its own (no script dialog), naming the issue; 确认 closes it.
    desktop.get_by_role("button", name="复核通过，销号").click()
    expect(desktop.locator("[data-confirm-page]")).to_contain_text(f"销号：问题 #{issue.pk}")
    desktop.get_by_role("button", name="确认销号").click()
    expect(desktop.locator(".alert-success")).to_contain_text(f"已销号：问题 #{issue.pk}")
    expect(desktop.locator(".badge", has_text="已销号")).to_be_visible()
    assert_clean(desktop)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.CLOSED and issue.closed_at is not None


def test_liaison_filters_the_issue_list_on_a_phone(phone, city, assigned_issue):
    log_in(phone, "liaison")
    phone.goto("/issues/")
    # The conditions are folded so the list starts on the first screen; one tap opens them.
    expect(phone.locator("#filter-bar")).to_be_hidden()
    row = phone.locator("table.issue-table tbody tr").first
    assert row.bounding_box()["y"] < 844
    phone.get_by_role("button", name="筛选条件").tap()
    expect(phone.locator("#filter-bar")).to_be_visible()
    phone.locator("#filter-bar select[name=status]").select_option(label="整改中")
    phone.get_by_role("button", name="查询").tap()
    expect(phone.get_by_role("button", name="筛选条件（已筛选）")).to_be_visible()
    expect(phone.locator("table.issue-table tbody tr")).to_have_count(1)
    # The table scrolls inside its box; the page itself never scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("link", name=f"#{assigned_issue.pk}").tap()
    expect(phone.locator("h1")).to_contain_text(f"问题 #{assigned_issue.pk}")
    assert_clean(phone)


def test_inspector_files_an_issue_with_a_photo_on_a_phone(phone, city, tmp_path):
    IssueCategoryFactory(name="占道经营", deadline_value=1)
    before = jpeg_file(tmp_path / "现场.jpg", color=(200, 60, 40), seed=3)
    log_in(phone, "inspector")
    phone.goto("/issues/new/")
    phone.get_by_label("问题类别").select_option(label="占道经营")
    phone.get_by_label("问题描述").fill("人行道上摆摊设点")
    phone.get_by_label("地址").fill("东街 20 号")
    phone.get_by_label("问题照片（1–9 张）").set_input_files(str(before))
    phone.get_by_role("button", name="上报", exact=True).tap()
    expect(phone.locator(".alert-success")).to_contain_text("已上报")
    issue = Issue.objects.get()
    assert issue.status == Issue.Status.NEW and issue.created_by == city.users.inspector
    assert IssuePhoto.objects.get(issue=issue).original_name == "现场.jpg"
    assert_clean(phone)
