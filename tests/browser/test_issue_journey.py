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

    phone.set_input_files("#act-photos", str(after))
    phone.fill("textarea[name=note]", "已清运垃圾，设置分类垃圾桶")
    phone.get_by_role("button", name="提交整改").click()
    expect(phone.locator(".alert-success")).to_contain_text("操作成功")
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

    desktop.get_by_role("button", name="复核通过，销号").click()
    expect(desktop.locator(".alert-success")).to_contain_text("操作成功")
    expect(desktop.locator(".badge", has_text="已销号")).to_be_visible()
    assert_clean(desktop)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.CLOSED and issue.closed_at is not None
