"""An inspector walks a point's checklist on the phone; a checklist the server refuses comes
back as it was filled in."""

import pytest
from playwright.sync_api import expect

from points.models import Inspection
from tests.points.factories import CheckItemFactory, PointCategoryFactory, PointFactory

from .conftest import assert_clean, jpeg_file, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refused_checklist_keeps_its_verdicts_and_notes(plain_phone, city, tmp_path):
    phone = plain_phone
    category = PointCategoryFactory(name="农贸市场")
    items = [CheckItemFactory(category=category, text=t, order=i)
             for i, t in enumerate(["地面无垃圾", "摊位整齐", "公益广告"])]
    point = PointFactory(name="东街菜市场", category=category, territorial_unit=city.units.street)
    log_in(phone, "inspector")
    phone.goto(f"/points/{point.pk}/inspect/")
    phone.locator(f"label[for=v{items[0].pk}fail]").click()
    phone.locator(f"label[for=v{items[1].pk}pass]").click()
    phone.locator(f"label[for=v{items[2].pk}fail]").click()
    shot = jpeg_file(tmp_path / "广告.jpg", color=(200, 60, 60), seed=3)
    phone.set_input_files(f"#photo_{items[2].pk}", str(shot))
    phone.fill(f"input[name=note_{items[0].pk}]", "入口处有垃圾")
    phone.get_by_label("督查备注").fill("上午十点检查")
    phone.get_by_role("button", name="提交督查").click()

    expect(phone.locator(".alert-danger")).to_contain_text("“地面无垃圾”不合格，需要拍照")
    for item, verdict in zip(items, ["fail", "pass", "fail"], strict=True):
        expect(phone.locator(f"#v{item.pk}{verdict}")).to_be_checked()
    expect(phone.locator(f"input[name=note_{items[0].pk}]")).to_have_value("入口处有垃圾")
    expect(phone.get_by_label("督查备注")).to_have_value("上午十点检查")
    # Only the item whose photo was chosen asks for it again.
    expect(phone.locator(".photo-again")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path="test-artifacts/inspection-refused-phone.png", full_page=True)
    assert not Inspection.objects.exists()
    assert_clean(phone)

    phone.set_input_files(f"#photo_{items[0].pk}", str(jpeg_file(
        tmp_path / "垃圾.jpg", color=(60, 60, 200), seed=5)))
    phone.set_input_files(f"#photo_{items[2].pk}", str(shot))
    phone.get_by_role("button", name="提交督查").click()
    expect(phone.locator(".alert-success")).to_contain_text("督查已保存")
    inspection = Inspection.objects.get()
    assert inspection.notes == "上午十点检查"
    assert inspection.results.filter(verdict="fail").count() == 2
    assert_clean(phone)
