"""The smaller defects users met (issue list item 9): Chinese download names, the street
filter of the user's own district, the office never offered as a responsible unit, the
holiday form's date, the ledger export's year."""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.utils import timezone

from accounts.models import Unit
from issues.models import Issue
from jobs.models import Job

from .factories import UnitFactory
from .issues.factories import IssueCategoryFactory, IssueFactory

XLSX_DOWNLOADS = [
    ("office", "/points/import/template/", "点位导入模板.xlsx"),
    ("office", "/points/framework/import/template/", "测评体系导入模板.xlsx"),
    ("office", "/issues/import/template/", None),
    ("office_city", "/issues/holidays/import/template/", None),
    ("office", "/ledgers/requirements/import/template/", None),
    ("office", "/ledgers/requirements/export/", "台账任务.xlsx"),
    ("office", "/points/export/", "点位.xlsx"),
]


def filename_of(response):
    """The name a browser saves: the RFC 5987 `filename*` (percent-encoded UTF-8)."""
    header = response["Content-Disposition"]
    assert header.isascii(), header  # a raw Chinese name is MIME-mangled to download.xlsx
    match = re.search(r"filename\*=utf-8''([^;]+)", header, re.IGNORECASE)
    assert match, header
    from urllib.parse import unquote
    return unquote(match.group(1))


@pytest.mark.parametrize(("who", "url", "expected"), XLSX_DOWNLOADS)
def test_downloads_are_saved_under_their_chinese_names(client, city, city_office, who, url,
                                                       expected):
    user = city_office if who == "office_city" else getattr(city.users, who)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    name = filename_of(response)
    assert name.endswith(".xlsx") and re.search(r"[\u4e00-\u9fff]", name), name
    if expected:
        assert name == expected
        assert quote(expected) in response["Content-Disposition"]


def test_issue_export_download_keeps_its_chinese_name(client, city, run_jobs):
    client.force_login(city.users.office)
    with run_jobs():
        client.get("/issues/export/")
    job = Job.objects.get()
    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert "问题" in filename_of(response)


# --- the street filter ------------------------------------------------------------------------

def street_options(page):
    block = re.search(r'<select[^>]*name="street".*?</select>', page, re.S)
    assert block, "no street filter on the page"
    return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', block.group(0))


@pytest.mark.parametrize("url", ["/issues/", "/points/"])
def test_street_filter_offers_only_the_users_district(client, city, url):
    UnitFactory(name="高新街道", kind=Unit.Kind.STREET, parent=city.units.b)
    UnitFactory(name="已撤销街道", kind=Unit.Kind.STREET, parent=city.units.a, is_active=False)
    client.force_login(city.users.office)
    assert street_options(client.get(url).content.decode()) == ["东街街道"]
    client.force_login(city.users.office_b)
    assert street_options(client.get(url).content.decode()) == ["高新街道"]


def test_a_street_of_another_district_is_refused_by_the_filter(client, city, api):
    other = UnitFactory(name="高新街道", kind=Unit.Kind.STREET, parent=city.units.b)
    response = api.as_user(city.users.office).get("/api/v1/issues/", {"street": other.pk})
    assert response.status_code == 400
    assert "street" in response.json().get("errors", response.json())
    own = api.as_user(city.users.office).get("/api/v1/issues/", {"street": city.units.street.pk})
    assert own.status_code == 200


# --- the office is not a responsible unit ---------------------------------------------------------

def test_the_office_is_not_offered_nor_accepted_as_responsible_unit(client, city):
    category = IssueCategoryFactory(name="乱贴乱画")
    issue = IssueFactory(region=city.units.a, category=category, created_by=city.users.inspector)
    client.force_login(city.users.office)
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    select = re.search(r'<select[^>]*name="responsible_unit".*?</select>', page, re.S).group(0)
    assert "区城管局" in select
    assert "创城办" not in select and "城关区</option>" not in select
    deadline = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(f"/issues/{issue.pk}/assign/",
                           {"responsible_unit": city.units.office.pk, "deadline": deadline})
    assert response.status_code == 400
    assert "不能是创城办自己" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.NEW and issue.responsible_unit_id is None


def test_the_api_refuses_the_office_as_responsible_unit(api, city):
    issue = IssueFactory(region=city.units.a, category=IssueCategoryFactory(name="乱贴乱画"))
    response = api.as_user(city.users.office).post(f"/api/v1/issues/{issue.pk}/assign/", {
        "responsible_unit": city.units.office.pk, "deadline": "2030-05-08"})
    assert response.status_code == 400
    assert "responsible_unit" in str(response.json())


# --- dates the forms start from -------------------------------------------------------------------

def date_value(page, name):
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def test_holiday_form_starts_at_an_iso_date_the_date_input_shows(client, city, city_office):
    client.force_login(city_office)
    page = client.get("/issues/holidays/").content.decode()
    assert date_value(page, "date") == timezone.localdate().isoformat()
    next_year = timezone.localdate().year + 1
    page = client.get(f"/issues/holidays/?year={next_year}").content.decode()
    assert date_value(page, "date") == f"{next_year}-01-01"


def test_ledger_export_year_starts_at_this_year(client, city):
    client.force_login(city.users.office)
    page = client.get("/ledgers/exports/").content.decode()
    assert date_value(page, "year") == str(timezone.localdate().year)
