"""With no tile server configured (MAP_TILE_URL empty), every map still draws its markers:
the points map, a point's page, a circle's page and the issues map."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from points.models import PointCircle
from tests.dashboard.factories import make_issue
from tests.points.factories import PointFactory

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mapped(city, settings):
    settings.MAP_TILE_URL = ""
    u = city.units
    points = [PointFactory(name=f"东街点位{i}", territorial_unit=u.street,
                           latitude=Decimal("38.933") + Decimal(i) / 1000,
                           longitude=Decimal("100.455") + Decimal(i) / 1000) for i in range(3)]
    circle = PointCircle.objects.create(core=points[0], name="东街点位圈", radius_m=500)
    circle.members.set(points)
    now = timezone.now()
    for i in range(2):
        make_issue(unit=u.cg, region=u.a, created=now - dt.timedelta(days=1),
                   deadline=now + dt.timedelta(days=2), lat=36.06 + i / 100, lng=103.83)
    return points, circle


def markers_drawn(page, selector):
    """How many markers (single or clustered) the map inside `selector` shows."""
    page.locator(f"{selector} .leaflet-marker-icon, {selector} path.leaflet-interactive").first \
        .wait_for(state="visible")
    return page.locator(f"{selector} .leaflet-marker-icon, {selector} path.leaflet-interactive") \
        .count()


def test_every_map_draws_markers_with_no_tile_server(desktop, city, mapped):
    points, circle = mapped
    log_in(desktop, "office")
    for url, selector in [("/points/map/", "#point-map"),
                          (f"/points/{points[0].pk}/", "#point-map"),
                          (f"/points/circles/{circle.pk}/", "#point-map"),
                          ("/issues/map/", "#issue-map")]:
        desktop.goto(url)
        assert markers_drawn(desktop, selector) >= 1, url
        assert desktop.locator(f"{selector} .leaflet-tile").count() == 0
        assert_clean(desktop)
    desktop.goto("/points/map/")
    markers_drawn(desktop, "#point-map")
    desktop.screenshot(path="test-artifacts/points-map-no-tiles.png")
