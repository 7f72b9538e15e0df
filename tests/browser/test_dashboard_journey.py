"""A leader opens the ranking dashboard and the trend chart is drawn."""

import datetime as dt

import pytest
from django.utils import timezone

from issues.models import Issue, IssueEvent
from tests.dashboard.factories import make_event, make_issue

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def recent_work(city):
    """Issues of the last weeks, closed on time or overdue, so the trend has points."""
    u = city.units
    now = timezone.now()
    for weeks_ago in range(4):
        created = now - dt.timedelta(weeks=weeks_ago, days=1)
        done = make_issue(unit=u.cg, region=u.a, created=created,
                          deadline=created + dt.timedelta(days=3),
                          status=Issue.Status.CLOSED, closed_at=created + dt.timedelta(days=1))
        make_event(done, IssueEvent.Kind.APPROVE, created + dt.timedelta(days=1))
    make_issue(unit=u.zj, region=u.a, created=now - dt.timedelta(days=10),
               deadline=now - dt.timedelta(days=5), lat=36.06, lng=103.83)


def test_leader_sees_the_trend_chart_drawn(desktop, city, recent_work):
    log_in(desktop, "leader")
    desktop.goto("/dashboard/")
    chart = desktop.locator("#dashboard-trend")
    drawn = chart.locator("canvas, svg").first
    drawn.wait_for(state="visible")
    box = drawn.bounding_box()
    assert box["width"] > 200 and box["height"] > 100
    # Something was painted: the canvas is not blank.
    painted = drawn.evaluate("""c => {
        if (c.tagName !== 'CANVAS') return c.childElementCount > 0;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
        return false; }""")
    assert painted
    assert "区城管局" in desktop.text_content("main")
    assert_clean(desktop)


def test_leader_dashboard_on_a_phone(phone, city, recent_work):
    log_in(phone, "leader")
    phone.goto("/dashboard/")
    drawn = phone.locator("#dashboard-trend canvas, #dashboard-trend svg").first
    drawn.wait_for(state="visible")
    box = drawn.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    # Nothing wider than the screen pushes the page sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert_clean(phone)
