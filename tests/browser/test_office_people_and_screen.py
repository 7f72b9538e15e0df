"""The office adds and hands over an account and chooses delivery; the leader's big screen at
1920 px; screenshots kept in test-artifacts/ for a look."""

import pytest

from accounts.models import User

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREEN = {"viewport": {"width": 1920, "height": 1080}}


def test_office_adds_a_liaison_and_hands_over_the_old_one(desktop, city):
    log_in(desktop, "office")
    desktop.goto("/accounts/people/")
    desktop.click("text=新增账号")
    desktop.fill("#id_username", "wangwu")
    desktop.fill("#id_full_name", "王五")
    desktop.select_option("#id_unit", label="区城管局")
    desktop.select_option("#id_role", value="liaison")
    desktop.fill("#id_phone", "13900000009")
    desktop.click("button:has-text('创建账号')")
    password = desktop.text_content("#temp-password").strip()
    assert len(password) == 12
    desktop.screenshot(path="test-artifacts/account-created-1440.png", full_page=True)
    desktop.goto(f"/accounts/people/{city.users.liaison.pk}/")
    desktop.select_option("#id_successor", label="王五")
    desktop.click("button:has-text('交接')")
    # Asked on a page of its own (works with scripts off), then done.
    assert "交接：" in desktop.text_content("[data-confirm-page]")
    desktop.click("button:has-text('确认交接')")
    desktop.wait_for_url(f"**/accounts/people/{User.objects.get(username='wangwu').pk}/")
    assert "原账号已停用" in desktop.text_content("main")
    assert not User.objects.get(username="liaison").is_active
    desktop.goto("/accounts/people/")
    desktop.screenshot(path="test-artifacts/account-list-1440.png", full_page=True)
    assert_clean(desktop)


def test_liaison_chooses_sms_and_robot_for_new_assignments(desktop, city):
    log_in(desktop, "liaison")
    desktop.goto("/accounts/me/delivery/")
    desktop.fill("#id_phone", "13900000010")
    desktop.check("#id_kind_assigned_1")  # 单位群机器人 @本人
    desktop.check("#id_kind_assigned_2")  # 短信
    desktop.uncheck("#id_kind_assigned_0") if desktop.is_checked("#id_kind_assigned_0") else None
    desktop.click("button:has-text('保存')")
    assert "推送设置已保存" in desktop.text_content("main")
    desktop.screenshot(path="test-artifacts/delivery-settings-1440.png", full_page=True)
    user = User.objects.get(username="liaison")
    assert user.channels_for("assigned") == ["robot", "sms"]
    assert_clean(desktop)


def test_leader_big_screen_fills_1920(open_page, city):
    page = open_page(**SCREEN)
    log_in(page, "leader")
    page.goto("/dashboard/")
    page.click("text=大屏模式")
    page.wait_for_url("**/dashboard/screen/")
    page.locator("#dashboard-trend canvas").first.wait_for(state="visible")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.screen-count .value')).fontSize)")
    assert size >= 48
    page.screenshot(path="test-artifacts/leader-screen-1920.png")
    assert_clean(page)
