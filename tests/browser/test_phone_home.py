"""The liaison's phone: 我的待办 cards for issues and ledger tasks with their counts on one
home screen, and the ledger pages, all without sideways scrolling at 390 px."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from issues import services
from tests.issues.factories import IssueCategoryFactory, photo
from tests.ledgers.factories import LedgerRequirementFactory

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_liaison_home_shows_todo_cards_on_a_phone(phone, city):
    category = IssueCategoryFactory(name="占道经营", deadline_value=3)
    issue = services.issue_file(by=city.users.inspector, category=category,
                                description="人行道占道经营", address="东街菜市场北侧人行道",
                                photos=[photo("p.jpg", seed=3)])
    services.issue_assign(issue=issue, by=city.users.office, responsible_unit=city.units.cg)
    task = LedgerRequirementFactory(
        region=city.units.a, lead_unit=city.units.cg, year=timezone.localdate().year,
        title="文明交通宣传教育活动开展情况（含宣传照片、说明报告和部署文件）",
        deadline=timezone.now() + dt.timedelta(days=5))
    log_in(phone, "liaison")
    phone.goto("/")
    card = phone.locator(".todo-card", has_text=f"#{issue.pk} 占道经营")
    expect(card.first).to_be_visible()
    expect(card.first).to_contain_text("下一步：现场整改，拍照提交")
    expect(card.first).to_contain_text("期限")
    expect(phone.locator("main")).to_contain_text("未销号")
    expect(phone.locator("main")).to_contain_text("下一步：上传照片和说明报告")
    assert no_sideways_scroll(phone)
    phone.screenshot(path="test-artifacts/liaison-home-phone.png", full_page=True)
    assert_clean(phone)

    card.first.click()
    phone.wait_for_url(f"**/issues/{issue.pk}/")
    for url in ("/ledgers/", task.get_absolute_url()):
        phone.goto(url)
        assert no_sideways_scroll(phone), (url, phone.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
            ".right > 391).slice(0, 5).map(e => e.tagName + '.' + e.className + ' '"
            " + (e.textContent || '').slice(0, 30))"))
    name = phone.locator("h1")
    assert name.bounding_box()["width"] > 200
    phone.goto("/ledgers/")
    cell = phone.locator("td.ledger-task").first
    # The task name is not wrapped a character a line.
    assert cell.bounding_box()["width"] > 120
    phone.screenshot(path="test-artifacts/ledger-list-phone.png", full_page=True)
    assert_clean(phone)
