"""文明随手拍 from a resident's phone to a closed issue: the resident files a report with a
photo and the phone's position and gets a tracking code; the office accepts it as an issue;
the resident's page says 已转办 and, once the issue is closed, 已办结. A second resident's
report of the same place and photo is offered to the office for merging and then follows
the first."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from civic.models import CivicReport, ReportCategory
from issues import services as issue_services
from points.models import Point
from tests.issues.factories import IssueCategoryFactory, photo
from tests.points.factories import PointCategoryFactory

from .conftest import PHONE, assert_clean, jpeg_file, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HERE = {"latitude": 38.93001, "longitude": 100.45002}


@pytest.fixture
def civic_city(city):
    cache.clear()
    garbage = IssueCategoryFactory(name="垃圾清运不及时")
    Point.objects.create(name="东街农贸市场", category=PointCategoryFactory(name="农贸市场"),
                         territorial_unit=city.units.street, supervising_unit=city.units.cg,
                         latitude="38.930000", longitude="100.450000")
    ReportCategory.objects.create(name="垃圾没人清", service_code="garbage",
                                  issue_category=garbage, hint="垃圾堆了好几天没人清运")
    return city


def file_report(page, picture, text):
    page.goto("/civic/report/")
    expect(page.get_by_role("heading", name="文明随手拍")).to_be_visible()
    page.get_by_label("1. 现场照片").set_input_files(str(picture))
    page.get_by_role("button", name="获取我的位置").click()
    expect(page.locator("#locate-status")).to_contain_text("已定位")
    page.get_by_label("垃圾没人清").check()
    page.get_by_label("4. 简单说说看到了什么").fill(text)
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".alert-success")).to_contain_text("提交成功")
    expect(page.locator("#public-state")).to_have_text("已受理")
    return page.locator("#tracking-code").inner_text().strip()


def test_a_resident_report_becomes_an_issue_and_its_page_follows_it(
        open_page, desktop, civic_city, tmp_path):
    picture = jpeg_file(tmp_path / "现场.jpg", color=(120, 110, 90), seed=3)
    geo = {"geolocation": HERE, "permissions": ["geolocation"]}
    resident = open_page(**PHONE, **geo)
    code = file_report(resident, picture, "菜市场门口垃圾堆了三天没人清理")
    assert len(code) >= 32
    assert_clean(resident)
    report = CivicReport.objects.get(code=code)
    assert float(report.latitude) == pytest.approx(HERE["latitude"], abs=1e-5)

    # The office accepts it as an issue, dispatched to the unit the point suggests.
    log_in(desktop, "office")
    desktop.goto("/civic/office/")
    desktop.get_by_role("link", name=f"#{report.pk}").click()
    expect(desktop.locator("#accept-unit")).to_have_value(str(civic_city.units.cg.pk))
    desktop.get_by_role("button", name="转为问题").click()
    expect(desktop.locator(".alert-success")).to_contain_text("已转为问题")
    assert_clean(desktop)
    report.refresh_from_db()
    issue = report.issue
    assert issue.responsible_unit == civic_city.units.cg
    assert issue.photos.filter(kind="before").count() == 1

    resident.reload()
    expect(resident.locator("#public-state")).to_have_text("已转办")

    # The unit rectifies, the office closes the issue: the resident's page says 已办结.
    issue_services.issue_submit(issue=issue, by=civic_city.users.liaison,
                                photos=[photo("after.jpg", seed=60, color=(20, 200, 30))])
    issue_services.issue_approve(issue=issue, by=civic_city.users.office)
    resident.reload()
    expect(resident.locator("#public-state")).to_have_text("已办结")
    assert_clean(resident)

    # Another resident reports the same place with the same photo: offered for merging.
    neighbour = open_page(**PHONE, **geo)
    second_code = file_report(neighbour, picture, "垃圾又堆在菜市场门口了")
    second = CivicReport.objects.get(code=second_code)
    desktop.goto(f"/civic/office/{second.pk}/")
    duplicates = desktop.locator("#duplicates")
    expect(duplicates).to_contain_text("照片相似")
    expect(duplicates).to_contain_text("相距约")
    duplicates.get_by_role("button", name=f"合并到 #{report.pk}").click()
    expect(desktop.locator(".alert-success")).to_contain_text(f"已合并到随手拍 #{report.pk}")
    expect(desktop.locator("#report-status")).to_have_text("已合并")
    neighbour.reload()
    expect(neighbour.locator("#public-state")).to_have_text("已办结")
    assert_clean(desktop)
    assert_clean(neighbour)
