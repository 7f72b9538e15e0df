"""A unit's ledger draft from upload to the leader's signature, on the liaison's phone, and
the office's task form refusing a deadline already gone."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Notification
from ledgers.models import LedgerPhoto, LedgerSubmission
from tests.ledgers.factories import LedgerRequirementFactory, framework_standard

from .conftest import assert_clean, jpeg_file, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT = {"responsibility": "局长负总责", "deployment": "城管发〔2026〕1号",
          "measures": "开展宣传12次", "data": "覆盖3000人次", "results": "群众满意"}


def accept_dialogs(page):
    page.on("dialog", lambda dialog: dialog.accept())


def test_liaison_fixes_a_wrong_upload_and_asks_the_leader_to_sign(plain_phone, open_page, city,
                                                                   tmp_path):
    phone = plain_phone
    requirement = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                                           photo_count=1, document_count=0,
                                           title="文明交通宣传活动台账")
    wrong = jpeg_file(tmp_path / "拍错了.jpg", color=(30, 30, 30), seed=2)
    right = jpeg_file(tmp_path / "宣传现场.jpg", color=(40, 150, 220), seed=4)
    accept_dialogs(phone)
    log_in(phone, "liaison")
    phone.goto(requirement.get_absolute_url())
    phone.get_by_label("照片").set_input_files([str(wrong), str(right)])
    phone.get_by_label("地点").fill("东街广场")
    phone.get_by_role("button", name="保存为草稿").click()
    sub = LedgerSubmission.objects.get()
    phone.goto(sub.get_absolute_url())
    expect(phone.get_by_role("button", name="删除", exact=False)).to_have_count(2)

    # A bad upload is refused and keeps the captions typed.
    bad = tmp_path / "坏.jpg"
    bad.write_bytes(b"not a photo")
    form = phone.locator("form", has=phone.get_by_role("button", name="上传", exact=True))
    form.get_by_label("照片").set_input_files(str(bad))
    form.get_by_label("主题").fill("文明交通劝导")
    form.get_by_role("button", name="上传", exact=True).click()
    expect(phone.locator(".invalid-feedback, .errorlist").first).to_be_visible()
    expect(phone.get_by_label("主题")).to_have_value("文明交通劝导")
    expect(phone.locator("main")).to_contain_text("请重新选择照片")
    assert_clean(phone)

    # Delete the wrong photo.
    wrong_photo = LedgerPhoto.objects.get(original_name="拍错了.jpg")

    def delete_wrong_photo():
        phone.locator("form", has=phone.locator(f"input[name=file][value='{wrong_photo.pk}']")) \
            .filter(has=phone.get_by_role("button", name="删除", exact=False)) \
            .get_by_role("button").click()
        # The delete asks on a page of its own, naming the photo; 确认 deletes it.
        expect(phone.locator("[data-confirm-page]")).to_contain_text("删除照片：")
        phone.get_by_role("button", name="确认删除照片").click()
        expect(phone.locator(".alert-success")).to_contain_text("已删除：照片")
        assert list(LedgerPhoto.objects.values_list("original_name", flat=True)) == \
            ["宣传现场.jpg"]

    delete_wrong_photo()
    # The message offers 撤销 for 10 minutes: one tap puts the photo back.
    expect(phone.locator(".alert-success")).to_contain_text("10 分钟内可以撤销")
    assert_clean(phone)
    phone.locator(".alert-success").get_by_role("button", name="撤销").click()
    expect(phone.locator(".alert-success")).to_contain_text("已撤销删除：照片")
    expect(phone.get_by_role("button", name="删除", exact=False)).to_have_count(2)
    delete_wrong_photo()

    # Replace the remaining photo: the caption stays.
    kept = LedgerPhoto.objects.get()
    phone.locator("details.replace-photo summary").click()
    phone.get_by_label("新照片").set_input_files(str(jpeg_file(
        tmp_path / "新拍.jpg", color=(200, 150, 20), seed=6)))
    phone.get_by_role("button", name="换成这张").click()
    expect(phone.locator(".alert-success")).to_contain_text("照片已替换")
    replaced = LedgerPhoto.objects.get()
    assert replaced.pk != kept.pk and replaced.original_name == "新拍.jpg"
    assert replaced.caption_place == "东街广场"

    # The report, then 提交领导签字: the leader is told.
    for key, text in REPORT.items():
        phone.locator(f"textarea[name={key}]").fill(text)
    phone.get_by_role("button", name="保存说明报告").click()
    phone.get_by_role("button", name="提交领导签字").click()
    expect(phone.locator(".alert-success")).to_contain_text("已通知本单位主要领导")
    expect(phone.locator("main")).to_contain_text("提交领导签字")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path="test-artifacts/ledger-draft-phone.png", full_page=True)
    assert_clean(phone)
    note = Notification.objects.get(recipient=city.users.unitleader)
    assert "请签字确认台账" in note.title

    leader = open_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    accept_dialogs(leader)
    log_in(leader, "unitleader")
    leader.goto(sub.get_absolute_url())
    expect(leader.locator(".alert-info")).to_contain_text("联络员已提交领导签字")
    leader.get_by_role("button", name="主要领导签字确认").click()
    expect(leader.locator("[data-confirm-page]")).to_contain_text("签字：“")
    leader.get_by_role("button", name="确认签字").click()
    expect(leader.locator(".alert-success")).to_contain_text(f"已签字：“{requirement.title}”台账")
    sub.refresh_from_db()
    assert sub.status == LedgerSubmission.Status.SIGNED
    # The history speaks Chinese.
    history = leader.locator("main ul").last.text_content()
    assert "新建草稿" in history and "删除文件" in history and "主要领导签字确认" in history
    assert "create" not in history and "sign" not in history
    assert_clean(leader)


def test_a_task_deadline_already_gone_is_refused_and_passed_tasks_read_closed(desktop, city):
    framework_standard()
    LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg, title="已过期的任务",
                             deadline=timezone.now() - dt.timedelta(days=2))
    log_in(desktop, "office")
    desktop.goto("/ledgers/")
    row = desktop.locator("tr", has_text="已过期的任务")
    expect(row.locator(".badge", has_text="已截止")).to_be_visible()

    desktop.goto("/ledgers/requirements/new/")
    desktop.select_option("#id_standard", index=1)
    desktop.fill("#id_title", "志愿服务台账")
    desktop.select_option("#id_lead_unit", label="区城管局")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    desktop.fill("#id_deadline", f"{yesterday.isoformat()}T18:00")
    desktop.get_by_role("button", name="保存").click()
    expect(desktop.locator("main")).to_contain_text("截止时间不能早于今天")
    expect(desktop.locator("#id_title")).to_have_value("志愿服务台账")
    assert_clean(desktop)
