"""Field work with no signal, on a phone: drafts wait in IndexedDB, the service worker opens
the kept pages, and when the network is back each draft is filed exactly once."""

import pytest
from playwright.sync_api import expect

from issues import services
from issues.models import Issue, IssuePhoto
from points.models import Inspection, InspectionResult
from tests.issues.factories import IssueCategoryFactory, photo
from tests.points.factories import CheckItemFactory, PointCategoryFactory, PointFactory

from .conftest import PHONE, _watch, assert_clean, jpeg_file, log_in, send_market_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFLINE = ("ERR_INTERNET_DISCONNECTED", "ERR_FAILED")


def offline_noise_only(page):
    """Requests the browser could not send while offline are expected; anything else (a
    console error, a CSP violation, a script error) is still a failure."""
    page.problems = [p for p in page.problems
                     if not (p.startswith("request failed") and any(o in p for o in OFFLINE))]
    assert_clean(page)


def wait_for_worker(page):
    """The service worker installed (app shell and the role's pages kept) and in control."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


@pytest.fixture
def market(city):
    category = PointCategoryFactory(name="农贸市场")
    return PointFactory(name="东关农贸市场", category=category,
                        territorial_unit=city.units.community)


def test_an_issue_filed_offline_waits_survives_closing_and_is_filed_once(
        phone, city, market, tmp_path):
    IssueCategoryFactory(name="占道经营", deadline_value=1)
    photos = [str(jpeg_file(tmp_path / f"现场{i}.jpg", color=(200, 60, 40), seed=i))
              for i in (1, 2)]
    log_in(phone, "inspector")
    phone.goto("/issues/new/")
    wait_for_worker(phone)
    assert_clean(phone)
    context = phone.context

    context.set_offline(True)
    send_market_issue(phone, "市场门口占道摆摊", photos)
    expect(phone.locator("[data-draft-status]")).to_contain_text("当前没有网络")
    expect(phone.locator("#field-queue-badge")).to_contain_text("待上传 1 条")
    assert Issue.objects.count() == 0
    offline_noise_only(phone)
    phone.close()

    # Reopened with no signal: the page comes from the worker, the draft is still queued.
    again = _watch(context.new_page())
    again.goto("/issues/new/")
    expect(again.locator("#field-queue-badge")).to_contain_text("待上传 1 条")
    again.locator("#field-queue-badge").tap()
    item = again.locator(".queue-item")
    expect(item).to_contain_text("上报问题：市场门口占道摆摊")
    expect(item).to_contain_text("2 个文件")
    offline_noise_only(again)

    context.set_offline(False)
    again.reload()
    expect(again.locator(".queue-item [data-state-label]")).to_have_text("已上传", timeout=20_000)
    issue = Issue.objects.get()
    assert issue.point == market and issue.created_by == city.users.inspector
    assert IssuePhoto.objects.filter(issue=issue).count() == 2
    assert sorted(IssuePhoto.objects.values_list("original_name", flat=True)) == [
        "现场1.jpg", "现场2.jpg"]
    offline_noise_only(again)


def test_a_request_cut_after_the_server_committed_is_retried_into_one_issue(
        phone, city, market, tmp_path):
    IssueCategoryFactory(name="占道经营", deadline_value=1)
    log_in(phone, "inspector")
    phone.goto("/issues/new/")
    answers = []

    def cut_after_commit(route):
        response = route.fetch()  # the server files (or finds) the issue ...
        answers.append(response.headers.get("idempotent-replayed"))
        if len(answers) <= 3:
            route.abort("internetdisconnected")  # ... and the answer never arrives
        else:
            route.fulfill(response=response)

    # On the context, so the worker's Background Sync sends are cut as well.
    phone.context.route("**/api/v1/issues/", cut_after_commit)
    send_market_issue(phone, "断网重发",
                      str(jpeg_file(tmp_path / "a.jpg", color=(10, 90, 200), seed=5)))
    expect(phone.locator("[data-draft-status]")).to_contain_text("网络不稳定")
    phone.locator("#field-queue-badge").tap()
    retry = phone.locator(".queue-item button[data-action=retry]")
    for _ in range(10):
        if len(answers) > 3:
            break
        if retry.is_visible():
            retry.tap()
        phone.wait_for_timeout(500)
    expect(phone.locator(".queue-item [data-state-label]")).to_have_text("已上传", timeout=20_000)
    # the first request filed the issue; the three repeats found it
    assert answers[0] is None and answers[1:] == ["true"] * (len(answers) - 1)
    assert len(answers) >= 4
    assert Issue.objects.count() == 1 and IssuePhoto.objects.count() == 1
    offline_noise_only(phone)


def test_a_rectification_submitted_offline_is_sent_once(phone, city, tmp_path):
    category = IssueCategoryFactory(name="垃圾堆放", deadline_value=3)
    issue = services.issue_file(by=city.users.inspector, category=category,
                                description="垃圾堆放", address="东街 18 号",
                                photos=[photo("before.jpg", seed=1)])
    services.issue_assign(issue=issue, by=city.users.office, responsible_unit=city.units.cg)
    log_in(phone, "liaison")
    phone.goto(f"/issues/{issue.pk}/")
    wait_for_worker(phone)
    context = phone.context

    context.set_offline(True)
    phone.get_by_label("整改后照片").set_input_files(
        [str(jpeg_file(tmp_path / f"后{i}.jpg", color=(90, 170, 90), seed=i)) for i in (7, 8)])
    phone.get_by_label("整改情况说明").fill("已清运")
    phone.get_by_role("button", name="提交整改").tap()
    expect(phone.locator("#field-queue-badge")).to_contain_text("待上传 1 条")
    offline_noise_only(phone)
    phone.close()

    again = _watch(context.new_page())
    again.goto(f"/issues/{issue.pk}/")
    expect(again.locator("#field-queue-badge")).to_contain_text("待上传 1 条")
    context.set_offline(False)
    again.reload()
    again.locator("#field-queue-badge").tap()
    expect(again.locator(".queue-item [data-state-label]")).to_have_text("已上传", timeout=20_000)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SUBMITTED
    assert issue.photos.filter(kind="after").count() == 2
    assert issue.events.filter(to_status="submitted").count() == 1
    offline_noise_only(again)


def test_an_inspection_with_a_failed_item_is_kept_offline_and_recorded_once(
        phone, city, market, tmp_path):
    CheckItemFactory(category=market.category, text="四牌一图齐全", score=3)
    scale = CheckItemFactory(category=market.category, text="公平秤", score=1)
    log_in(phone, "inspector")
    phone.goto(f"/points/{market.pk}/inspect/")
    wait_for_worker(phone)
    context = phone.context

    context.set_offline(True)
    cards = phone.locator(".check-card")
    cards.nth(0).get_by_text("合格", exact=True).tap()
    cards.nth(1).get_by_text("不合格", exact=True).tap()
    cards.nth(1).locator("input[type=file]").set_input_files(
        str(jpeg_file(tmp_path / "秤.jpg", color=(200, 200, 40), seed=9)))
    cards.nth(1).locator("input[type=text]").fill("无公平秤")
    phone.get_by_role("button", name="提交督查").tap()
    expect(phone.locator("#field-queue-badge")).to_contain_text("待上传 1 条")
    offline_noise_only(phone)
    phone.close()

    again = _watch(context.new_page())
    again.goto(f"/points/{market.pk}/inspect/")
    expect(again.locator("#field-queue-badge")).to_contain_text("待上传 1 条")
    context.set_offline(False)
    again.reload()
    again.locator("#field-queue-badge").tap()
    expect(again.locator(".queue-item [data-state-label]")).to_have_text("已上传", timeout=20_000)
    inspection = Inspection.objects.get()
    failed = InspectionResult.objects.get(inspection=inspection, check_item=scale)
    assert failed.verdict == "fail" and failed.note == "无公平秤" and failed.photo
    assert not inspection.passed
    offline_noise_only(again)


def test_a_bad_draft_shows_the_chinese_reason_and_stays_editable(phone, city, market,
                                                                  tmp_path):
    IssueCategoryFactory(name="占道经营", deadline_value=1)
    text = tmp_path / "说明.jpg"
    text.write_text("这是一段文字，不是照片")
    log_in(phone, "inspector")
    phone.goto("/issues/new/")
    send_market_issue(phone, "照片有误", str(text))
    expect(phone.locator("[data-draft-status]")).to_contain_text("照片")
    phone.locator("#field-queue-badge").tap()
    item = phone.locator(".queue-item")
    expect(item.locator("[data-state-label]")).to_have_text("未通过")
    expect(item.locator(".queue-error")).to_contain_text("照片")
    # 修改: the form comes back filled from the draft; a real photo fixes it.
    item.locator("button[data-action=edit]").tap()
    # The form is filled from the draft once it is read back (its reason shown again); only
    # then is the photo replaced, or the draft's own would land over it.
    expect(phone.locator("[data-draft-status]")).to_contain_text("上次未能提交")
    expect(phone.get_by_label("问题描述")).to_have_value("照片有误")
    phone.get_by_label("问题照片（1–9 张）").set_input_files(
        str(jpeg_file(tmp_path / "ok.jpg", color=(10, 90, 200), seed=4)))
    phone.get_by_role("button", name="上报", exact=True).tap()
    expect(phone.locator(".alert-success")).to_contain_text("已上报")
    assert Issue.objects.count() == 1
    phone.problems = [p for p in phone.problems if "HTTP 400" not in p]
    assert_clean(phone)


def test_manifest_and_worker_load_without_errors(open_page, city):
    page = open_page(**PHONE)
    log_in(page, "inspector")
    manifest = page.request.get("/manifest.webmanifest").json()
    assert manifest["display"] == "standalone" and manifest["name"] == "创城管理平台"
    assert manifest["start_url"].startswith("/points/inspections/nearby/")
    for icon in manifest["icons"]:
        assert page.request.get(icon["src"]).ok
    wait_for_worker(page)
    assert page.evaluate("caches.keys()") and assert_clean(page) is None
