import pytest

from .conftest import aborted, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_liaison_logs_in_on_a_phone_and_sees_their_workbench(phone, city):
    errors = []
    phone.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    phone.on("requestfailed", lambda req: aborted(req) or errors.append(f"failed: {req.url}"))
    log_in(phone, "liaison")
    assert "单位联络员" in phone.text_content("main")
    assert "区城管局" in phone.text_content("main")
    # The navigation collapses behind the menu button on a phone and opens on tap.
    phone.click("button.navbar-toggler")
    phone.wait_for_selector("#mainnav.show")
    assert errors == []  # no CSP violation, no missing asset


def test_wrong_password_shows_the_chinese_message(phone, city):
    phone.goto("/accounts/login/")
    phone.fill("#id_username", "liaison")
    phone.fill("#id_password", "wrong")
    phone.click("button[type=submit]")
    assert "用户名或密码不正确" in phone.text_content(".alert-danger")
