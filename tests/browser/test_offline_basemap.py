"""The offline base map in a real browser: the office uploads street outlines on
/points/basemap/, and with no tile server every map (points map, a point's and a circle's page,
the issues map, the dashboard) draws the outlines with their names under the markers."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from points.basemap import parse_geojson
from points.models import BaseMapLayer, PointCircle
from tests.dashboard.factories import make_issue
from tests.points.factories import PointFactory
from tests.points.shapefiles import STREET_ROWS, shapefile_parts, zipped

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def square(lng, lat, size):
    return [[[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size],
             [lng, lat]]]


def collection(*shapes):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name},
         "geometry": {"type": "Polygon", "coordinates": square(*corner, size)}}
        for name, corner, size in shapes]}


STREETS = collection(("东街街道", (100.450, 38.930), 0.010), ("西街街道", (100.436, 38.930), 0.012))


@pytest.fixture
def offline(city, city_office, settings):
    settings.MAP_TILE_URL = ""
    u = city.units
    district = parse_geojson(json.dumps(
        collection(("城关区", (100.42, 38.91), 0.06)), ensure_ascii=False).encode())
    BaseMapLayer.objects.create(region=u.root, kind="district", features=district,
                                feature_count=1)
    points = [PointFactory(name=f"东街点位{i}", territorial_unit=u.street,
                           latitude=Decimal("38.932") + Decimal(i) / 300,
                           longitude=Decimal("100.452") + Decimal(i) / 300) for i in range(3)]
    circle = PointCircle.objects.create(core=points[0], name="东街点位圈", radius_m=500)
    circle.members.set(points)
    now = timezone.now()
    make_issue(unit=u.cg, region=u.a, created=now - dt.timedelta(days=1),
               deadline=now + dt.timedelta(days=2), lat=38.936, lng=100.456)
    make_issue(unit=u.zj, region=u.a, created=now - dt.timedelta(days=10),
               deadline=now - dt.timedelta(days=5), lat=38.934, lng=100.440)
    return points, circle


def outlines(page, selector):
    """(outline paths, label texts) of the base map inside `selector`, once drawn."""
    pane = f"{selector} .leaflet-ccms-basemap-pane path"
    page.locator(pane).first.wait_for(state="attached")
    labels = page.locator(f"{selector} .ccms-basemap-label")
    return page.locator(pane).count(), labels.all_inner_texts()


def markers(page, selector):
    found = page.locator(f"{selector} .leaflet-marker-icon, {selector} path.leaflet-interactive")
    found.first.wait_for(state="visible")
    return found.count()


def test_office_uploads_streets_and_every_map_draws_them_without_tiles(desktop, city, offline,
                                                                       tmp_path):
    points, circle = offline
    log_in(desktop, "office")
    desktop.goto("/points/basemap/")
    bad = tmp_path / "wrong.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    desktop.select_option("#id_kind", "street")
    desktop.set_input_files("#id_file", str(bad))
    desktop.click("form.dj-form button[type=submit]")
    assert "文件中没有任何轮廓" in desktop.inner_text("form.dj-form")

    good = tmp_path / "东街.geojson"
    good.write_text(json.dumps(STREETS, ensure_ascii=False), encoding="utf-8")
    desktop.select_option("#id_kind", "street")
    desktop.set_input_files("#id_file", str(good))
    desktop.click("form.dj-form button[type=submit]")
    desktop.wait_for_url("**/points/basemap/")
    assert "共 2 个轮廓" in desktop.inner_text("main") or "共 2 个轮廓" in desktop.content()
    count, labels = outlines(desktop, "#point-map")
    assert count == 3 and {"城关区", "东街街道", "西街街道"} <= set(labels)
    assert_clean(desktop)

    for url, selector in [("/points/map/", "#point-map"),
                          (f"/points/{points[0].pk}/", "#point-map"),
                          (f"/points/circles/{circle.pk}/", "#point-map"),
                          ("/issues/map/", "#issue-map"),
                          ("/dashboard/", "#dashboard-map")]:
        desktop.goto(url)
        assert markers(desktop, selector) >= 1, url
        count, labels = outlines(desktop, selector)
        assert count == 3, url
        assert "东街街道" in labels and "城关区" in labels, (url, labels)
        assert desktop.locator(f"{selector} .leaflet-tile").count() == 0
        # The outlines lie under the markers and take no clicks.
        assert desktop.locator(f"{selector} .leaflet-ccms-basemap-pane path.leaflet-interactive") \
            .count() == 0
        assert_clean(desktop)
        desktop.wait_for_timeout(600)  # let the zoom animation finish before a screenshot
        if url == "/points/map/":
            desktop.screenshot(path="test-artifacts/offline-basemap-points.png")
        if url == "/issues/map/":
            desktop.screenshot(path="test-artifacts/offline-basemap-issues.png")

    # The outlines' pane lets clicks through to the markers.
    desktop.goto("/points/map/")
    outlines(desktop, "#point-map")
    assert desktop.locator("#point-map .leaflet-ccms-basemap-pane").evaluate(
        "el => getComputedStyle(el).pointerEvents") == "none"
    assert_clean(desktop)


def test_another_district_draws_only_the_citys_layers(desktop, city, offline):
    BaseMapLayer.objects.create(region=city.units.a, kind="street", features=parse_geojson(
        json.dumps(STREETS, ensure_ascii=False).encode()), feature_count=2)
    log_in(desktop, "office_b")
    desktop.goto("/points/map/")
    desktop.locator("#point-map[data-basemap-layers]").wait_for(state="attached")
    count, labels = outlines(desktop, "#point-map")
    assert count == 1 and labels == ["城关区"]
    assert_clean(desktop)


def test_office_uploads_a_gbk_shapefile_and_the_maps_draw_its_names(desktop, city, offline,
                                                                   tmp_path):
    archive = tmp_path / "街道.zip"
    archive.write_bytes(zipped(shapefile_parts(STREET_ROWS, encoding="gbk")))
    log_in(desktop, "office")
    desktop.goto("/points/basemap/")
    desktop.select_option("#id_kind", "street")
    desktop.set_input_files("#id_file", str(archive))
    desktop.click("form.dj-form button[type=submit]")
    desktop.wait_for_url("**/points/basemap/")
    assert "共 2 个轮廓" in desktop.content()
    count, labels = outlines(desktop, "#point-map")
    # 城关区 (the city's layer), 东街, and 西街's two parts drawn as one outline.
    assert count == 3 and {"城关区", "东街街道", "西街街道"} <= set(labels)
    desktop.goto("/points/map/")
    count, labels = outlines(desktop, "#point-map")
    assert count == 3 and "西街街道" in labels
    assert_clean(desktop)
