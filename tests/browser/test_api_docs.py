"""The API documentation page draws under the CSP from files the app serves."""

import pytest

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_draw_their_operations(desktop, city, settings):
    settings.DEBUG = True
    log_in(desktop, "office")
    desktop.goto("/api/docs/")
    desktop.locator(".opblock").first.wait_for(state="visible", timeout=30000)
    assert desktop.locator(".opblock").count() > 20
    assert_clean(desktop)
