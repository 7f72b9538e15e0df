"""The office uploads a points workbook on the phone-sized page; the progress page polls the
job (htmx, under the strict CSP) and shows the row errors when the worker is done."""

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from jobs import services
from jobs.models import Job
from jobs.tasks import run_job_task
from points.models import Point, PointCategory

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["名称", "类别", "地址", "经度", "纬度", "属地单位", "主管部门", "点位长", "类型"]


def test_office_imports_points_and_watches_the_job(phone, city, tmp_path, monkeypatch):
    queued = []
    monkeypatch.setattr(run_job_task, "delay", queued.append)  # the "worker" is this test
    PointCategory.objects.create(name="农贸市场")
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(["西关市场", "农贸市场", "", "100.45", "38.93", "东街街道", "", "", "固定"])
    sheet.append(["坏点位", "无此类别", "", "东经100度", "38.93", "东街街道", "", "", "固定"])
    path = tmp_path / "点位.xlsx"
    book.save(path)

    log_in(phone, "office")
    phone.goto("/points/import/")
    phone.set_input_files("input[type=file]", str(path))
    phone.get_by_role("button", name="上传并导入").click()
    phone.wait_for_url("**/jobs/*/")
    expect(phone.get_by_text("排队中")).to_be_visible()
    assert queued, "the job was not sent to the worker"

    services.job_run(job_id=queued[0])  # the worker runs it; the page polls every 2 s
    expect(phone.get_by_text("第 3 行").first).to_be_visible(timeout=10_000)
    expect(phone.get_by_text("未完成")).to_be_visible()
    expect(phone.get_by_role("link", name="改好后重新上传")).to_be_visible()
    assert Job.objects.get().status == Job.Status.FAILED
    assert not Point.objects.filter(name="西关市场").exists()
    assert_clean(phone)
