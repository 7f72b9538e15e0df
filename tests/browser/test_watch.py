"""The journeys' error watch itself: a CSP violation, a script error and a missing asset are
caught, so a clean journey means something."""

import pytest

from .conftest import assert_clean

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_csp_violation_script_error_and_missing_asset_are_caught(phone):
    phone.goto("/accounts/login/")
    assert_clean(phone)
    # An inline script added by the page is refused by the CSP and reported.
    phone.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.inlineRan = true'; document.body.appendChild(s); }""")
    phone.wait_for_timeout(200)
    assert phone.evaluate("window.inlineRan") is None
    with pytest.raises(AssertionError, match="Content Security Policy"):
        assert_clean(phone)
    phone.evaluate("() => { setTimeout(() => { throw new Error('boom'); }); }")
    phone.wait_for_timeout(200)
    with pytest.raises(AssertionError, match="script error: boom"):
        assert_clean(phone)
    phone.evaluate("""() => new Promise(done => { const img = new Image();
        img.onerror = done; img.src = '/static/missing.png'; })""")
    with pytest.raises(AssertionError, match="HTTP 404"):
        assert_clean(phone)
