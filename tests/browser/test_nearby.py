"""The inspector's 附近点位 on a phone: with the position allowed, the page reopens sorted by
distance (nearest 20 first, 更多 for the next); with scripts off (as in a locked-down WeChat
browser) it still lists 20 by name and 更多 still works, as plain links."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.points.factories import PointCategoryFactory, PointFactory

from .conftest import PHONE, assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def row_of_points(city):
    """45 points due east of (38.9, 100.4), 点位000 nearest, about 110 m apart."""
    category = PointCategoryFactory(name="背街小巷")
    for i in range(45):
        PointFactory(name=f"点位{44 - i:03d}号", territorial_unit=city.units.community,
                     category=category, latitude=Decimal("38.900000"),
                     longitude=Decimal("100.400100") + Decimal(44 - i) * Decimal("0.0013"))


def test_nearest_first_with_the_position_then_more(open_page, city, row_of_points):
    page = open_page(**PHONE, geolocation={"latitude": 38.9, "longitude": 100.4},
                     permissions=["geolocation"])
    log_in(page, "inspector")
    page.goto("/points/inspections/nearby/")
    page.wait_for_url(lambda url: "lat=" in url)
    items = page.locator(".nearby-item")
    expect(items).to_have_count(20)
    expect(items.first).to_contain_text("点位000号")
    expect(items.first.locator(".distance")).to_have_text("9 米")
    expect(page.locator("#geo-status")).to_contain_text("已按与您的距离排序")
    page.get_by_role("link", name="更多").click()
    expect(items).to_have_count(40)
    expect(items.nth(39)).to_contain_text("点位039号")
    page.get_by_role("link", name="更多").click()
    expect(items).to_have_count(45)
    expect(page.get_by_role("link", name="更多")).to_have_count(0)
    assert_clean(page)


def test_without_scripts_by_name_and_more_still_works(open_page, city, row_of_points):
    page = open_page(**PHONE, java_script_enabled=False)
    log_in(page, "inspector")
    page.goto("/points/inspections/nearby/")
    items = page.locator(".nearby-item")
    expect(items).to_have_count(20)
    expect(items.first).to_contain_text("点位000号")
    page.get_by_role("link", name="更多").click()
    expect(items).to_have_count(40)
    page.get_by_label("筛选点位").fill("点位04")
    page.get_by_role("button", name="筛选").click()
    expect(items).to_have_count(5)
    assert_clean(page)
