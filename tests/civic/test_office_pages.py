"""The office's pages: queue, one report and its decisions, settings, keys, figures."""

import pytest
from django.urls import reverse

from civic.models import ApiKey, CivicPolicy, CivicReport, ReportCategory
from issues.models import Issue

from .conftest import lookalikes, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client, civic):
    client.force_login(civic.city.users.office)
    return client


def test_the_queue_lists_new_reports_of_the_district_with_a_map(office, civic):
    mine = submit(civic, description="东街垃圾没人清理")
    other = submit(civic, description="高新区那边的垃圾", latitude="38.980000",
                   longitude="100.520000", seed=3)
    assert other.region == civic.city.units.b
    response = office.get(reverse("civic:report-list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "东街垃圾没人清理" in text and "高新区那边的垃圾" not in text
    assert f'[{mine.pk}, 38.93, 100.45' in text  # the map's row
    assert mine.code not in text


def test_the_queue_exports_to_excel_without_formulas(office, civic):
    submit(civic, description="=HYPERLINK(\"http://x\")垃圾")
    response = office.get(reverse("civic:report-list") + "?export=xlsx")
    assert response.status_code == 200
    import io
    import zipfile

    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet


@pytest.mark.parametrize("role", ["leader", "inspector", "liaison", "pointchief"])
def test_others_may_not_open_the_queue(client, civic, role):
    submit(civic)
    client.force_login(getattr(civic.city.users, role))
    assert client.get(reverse("civic:report-list")).status_code == 403
    assert client.get(reverse("civic:report-detail",
                              args=[CivicReport.objects.get().pk])).status_code == 403


def test_another_districts_office_gets_404(client, civic):
    report = submit(civic)
    client.force_login(civic.city.users.office_b)
    assert client.get(reverse("civic:report-detail", args=[report.pk])).status_code == 404
    assert client.post(reverse("civic:report-action", args=[report.pk, "accept"])
                       ).status_code == 404
    assert Issue.objects.count() == 0


def test_the_detail_offers_the_duplicate_for_merging_and_merges_it(office, civic):
    first = submit(civic, seed=5)
    second = submit(civic, seed=5)
    page = office.get(reverse("civic:report-detail", args=[second.pk])).content.decode()
    assert f"合并到 #{first.pk}" in page and "照片相似" in page and "相距约 0 米" in page
    response = office.post(reverse("civic:report-action", args=[second.pk, "merge"]),
                           {"into": first.pk})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == CivicReport.Status.MERGED and second.duplicate_of == first


def test_accepting_from_the_page_routes_to_the_suggested_unit(office, civic):
    report = submit(civic)
    page = office.get(reverse("civic:report-detail", args=[report.pk])).content.decode()
    assert "东街农贸市场" in page and "建议：区城管局" in page
    response = office.post(reverse("civic:report-action", args=[report.pk, "accept"]),
                           {"category": civic.garbage.issue_category_id,
                            "point": civic.point.pk, "unit": civic.city.units.zj.pk})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.issue.responsible_unit == civic.city.units.zj


def test_accepting_with_a_unit_of_another_district_is_refused(office, civic):
    report = submit(civic)
    response = office.post(reverse("civic:report-action", args=[report.pk, "accept"]),
                           {"unit": civic.city.units.b_dept.pk})
    # A unit outside the office's scope is not offered and not taken: the suggestion stands.
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.issue.responsible_unit == civic.city.units.cg


def test_rejecting_needs_a_reason(office, civic):
    report = submit(civic)
    url = reverse("civic:report-action", args=[report.pk, "reject"])
    response = office.post(url, {"reason": ""})
    assert response.status_code == 400 and "请选择不予受理的原因" in response.content.decode()
    asked = office.post(url, {"reason": "out_of_area", "note": "不在本市"})
    body = asked.content.decode()
    assert asked.status_code == 200 and f"不予受理：随手拍 #{report.pk}（" in body
    assert 'name="note" value="不在本市"' in body
    report.refresh_from_db()
    assert report.status == "new"  # asked only
    assert office.post(url, {"reason": "out_of_area", "confirmed": "1"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "rejected"
    assert office.post(url, {"reason": "out_of_area"}).status_code == 409


def test_merging_into_nothing_is_refused(office, civic):
    report = submit(civic)
    url = reverse("civic:report-action", args=[report.pk, "merge"])
    assert office.post(url, {"into": "abc"}).status_code == 400
    assert office.post(url, {"into": report.pk}).status_code == 400


def test_the_photo_is_served_to_the_office_only(client, civic):
    report = submit(civic)
    photo = report.photos.get()
    url = reverse("civic:photo-file", args=[photo.pk, "file"])
    client.force_login(civic.city.users.office)
    response = client.get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert client.get(reverse("civic:photo-file", args=[photo.pk, "bogus"])).status_code == 404
    client.force_login(civic.city.users.office_b)
    assert client.get(url).status_code == 404


def test_the_city_office_keeps_the_categories(client, civic, city_office):
    client.force_login(city_office)
    response = client.post(reverse("civic:category-create"), {
        "name": "占道摆摊", "service_code": "vending",
        "issue_category": civic.garbage.issue_category_id, "order": "3"})
    assert response.status_code == 302
    assert ReportCategory.objects.filter(service_code="vending").exists()
    bad = client.post(reverse("civic:category-create"), {"name": "重复", "service_code": "garbage",
                                                         "issue_category": "x"})
    assert bad.status_code == 400 and "请选择对应的问题类别" in bad.content.decode()
    bad = client.post(reverse("civic:category-create"), {
        "name": "", "service_code": "garbage", "issue_category": civic.garbage.issue_category_id})
    assert bad.status_code == 400
    assert ReportCategory.objects.count() == 3
    response = client.post(reverse("civic:category-edit", args=[civic.parking.pk]), {
        "name": "车辆乱停乱放", "service_code": "parking",
        "issue_category": civic.parking.issue_category_id, "order": "1"})
    assert response.status_code == 302
    civic.parking.refresh_from_db()
    assert civic.parking.name == "车辆乱停乱放" and not civic.parking.is_active
    page = client.get(reverse("civic:settings")).content.decode()
    assert 'action="/civic/office/categories/new/"' in page


@pytest.mark.parametrize("role", ["office", "office_b"])
def test_district_offices_may_not_change_the_categories(client, civic, role):
    """The categories are the same on every district's poster and in the Open311 service
    list: a district office reads them and keeps its own retention period, nothing more."""
    client.force_login(getattr(civic.city.users, role))
    response = client.post(reverse("civic:category-create"), {
        "name": "占道摆摊", "service_code": "vending",
        "issue_category": civic.garbage.issue_category_id})
    assert response.status_code == 403 and "只有市创城办可以修改" in response.content.decode()
    response = client.post(reverse("civic:category-edit", args=[civic.garbage.pk]), {
        "name": "改掉", "service_code": "garbage",
        "issue_category": civic.garbage.issue_category_id})
    assert response.status_code == 403
    civic.garbage.refresh_from_db()
    assert civic.garbage.name == "垃圾没人清" and civic.garbage.is_active
    assert not ReportCategory.objects.filter(service_code="vending").exists()
    page = client.get(reverse("civic:settings"))
    text = page.content.decode()
    assert page.status_code == 200 and "垃圾没人清" in text
    assert "由市创城办维护" in text and "categories/new/" not in text


@pytest.mark.parametrize("role", ["leader", "inspector", "liaison"])
def test_others_may_not_change_the_categories(client, civic, role):
    client.force_login(getattr(civic.city.users, role))
    assert client.post(reverse("civic:category-edit", args=[civic.garbage.pk]), {
        "name": "改掉"}).status_code == 403


def test_the_service_refuses_a_district_office(civic):
    from django.core.exceptions import PermissionDenied

    from civic import services

    civic.garbage.name = "改掉"
    with pytest.raises(PermissionDenied):
        services.report_category_save(category=civic.garbage, by=civic.city.users.office)


def test_the_office_keeps_the_retention_period(office, civic):
    region = civic.city.units.a
    assert office.post(reverse("civic:policy-save", args=[region.pk]),
                       {"phone_retention_days": "90"}).status_code == 302
    assert CivicPolicy.objects.get(region=region).phone_retention_days == 90
    assert office.post(reverse("civic:policy-save", args=[region.pk]),
                       {"phone_retention_days": "-1"}).status_code == 400
    assert office.post(reverse("civic:policy-save", args=[civic.city.units.b.pk]),
                       {"phone_retention_days": "9"}).status_code == 404


def test_a_key_is_shown_once_and_can_be_revoked(office, civic):
    response = office.post(reverse("civic:key-create"),
                           {"name": "12345 热线", "region": civic.city.units.a.pk})
    text = response.content.decode()
    key = ApiKey.objects.get()
    assert "ccms_" in text and key.prefix in text
    assert "ccms_" not in office.get(reverse("civic:key-list")).content.decode()
    assert office.post(reverse("civic:key-create"), {"name": "", "region": ""}).status_code == 400
    asked = office.post(reverse("civic:key-revoke", args=[key.pk]))
    assert asked.status_code == 200 and f"吊销密钥：12345 热线（{key.prefix}…）" in \
        asked.content.decode()
    key.refresh_from_db()
    assert key.is_active  # asked only
    office.post(reverse("civic:key-revoke", args=[key.pk]), {"confirmed": "1"})
    key.refresh_from_db()
    assert not key.is_active and key.revoked_at
    assert office.get(reverse("civic:key-calls", args=[key.pk])).status_code == 200


def test_the_qr_code_is_a_png(office, civic):
    response = office.get(reverse("civic:qr"))
    assert response.status_code == 200 and response.content[:4] == b"\x89PNG"


def test_the_monthly_figures_count_received_accepted_and_closed(client, civic):
    from civic import services

    office = civic.city.users.office
    a = submit(civic, seed=1)
    submit(civic, seed=2, category=civic.parking)
    services.report_accept(report=a, by=office)
    client.force_login(civic.city.users.leader)
    response = client.get(reverse("civic:stats"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert ("城关区", "垃圾没人清", 1, 1, 0) in rows and ("城关区", "车辆乱停", 1, 0, 0) in rows
    assert response.context["totals"] == [2, 1, 0]
    assert "小区门口" not in response.content.decode()  # figures, not residents' words
    xlsx = client.get(reverse("civic:stats") + "?export=xlsx&month=bogus")
    assert xlsx.status_code == 200
    client.force_login(civic.city.users.liaison)
    assert client.get(reverse("civic:stats")).status_code == 403


def test_the_workbench_shows_this_months_reports_to_office_and_leader_only(client, civic):
    from civic import services

    users = civic.city.users
    accepted = submit(civic, seed=1)
    submit(civic, seed=2, category=civic.parking)
    submit(civic, seed=3, latitude="38.980000", longitude="100.520000")  # 高新区
    services.report_accept(report=accepted, by=users.office)

    client.force_login(users.office)
    panel = dict(client.get(reverse("home")).context["home_panels"])["civic/partials/home.html"]
    # 城关区 received two this month, accepted one, closed none; one still waits.
    assert (panel["received"], panel["accepted"], panel["closed"], panel["waiting"]) == (
        2, 1, 0, 1)

    client.force_login(users.office_b)
    panel = dict(client.get(reverse("home")).context["home_panels"])["civic/partials/home.html"]
    assert (panel["received"], panel["waiting"]) == (1, 1)

    client.force_login(users.leader)
    response = client.get(reverse("home"))
    panel = dict(response.context["home_panels"])["civic/partials/home.html"]
    assert panel["received"] == 2 and panel["waiting"] is None
    assert "文明随手拍" in response.content.decode()

    client.force_login(users.liaison)
    panels = dict(client.get(reverse("home")).context["home_panels"])
    assert "civic/partials/home.html" not in panels


def test_the_queue_marks_reports_with_a_likely_duplicate(office, civic):
    """Same photo → both flagged; same place within the radius → flagged; a report elsewhere
    with another photo is not."""
    a = civic.city.units.a
    first, copy, near = lookalikes(civic)
    alone = submit(civic, seed=13, latitude="38.940000", longitude="100.440000", region=a,
                   description="西街完全不同的问题")
    flags = dict(CivicReport.objects.values_list("pk", "likely_duplicate"))
    assert flags == {first.pk: True, copy.pk: True, near.pk: True, alone.pk: False}
    page = office.get(reverse("civic:report-list")).content.decode()
    rows = {pk: page.split(f'href="/civic/office/{pk}/"')[1].split("</tr>")[0]
            for pk in flags}
    assert all("疑似重复" in rows[pk] for pk in (first.pk, copy.pk, near.pk))
    assert "疑似重复" not in rows[alone.pk]
    detail = office.get(reverse("civic:report-detail", args=[copy.pk])).content.decode()
    assert f"合并到 #{first.pk}" in detail and "照片相似" in detail


def test_the_queue_counts_photos_per_row(office, civic):
    from ..issues.factories import photo

    two = submit(civic, photos=[photo(seed=21), photo(seed=22)], description="两张照片的随手拍")
    page = office.get(reverse("civic:report-list")).content.decode()
    row = page.split(f'href="/civic/office/{two.pk}/"')[1].split("</tr>")[0]
    assert "<td>2</td>" in row
