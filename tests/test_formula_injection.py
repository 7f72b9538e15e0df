"""Excel formula injection: every export writes what people typed as text. A resident's
survey answer, an issue description, a unit or point name starting with =, +, - or @ is a
string cell in each of the six exports, never a formula (no <f> element in the sheet)."""

import io
import zipfile

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Unit
from issues.models import Issue
from jobs.models import Job
from surveys.services import response_submit

from .factories import UnitFactory
from .issues.factories import IssueFactory
from .ledgers.factories import LedgerRequirementFactory
from .points.factories import PointFactory
from .surveys.factories import opt, survey_with_questions

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://evil.example/x","点我")', "+1+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]


def assert_text_only(body):
    """No formula anywhere in the workbook, and every payload is there as a string value."""
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/"))
    assert "<f>" not in xml and "<f " not in xml
    book = load_workbook(io.BytesIO(body))
    values = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    values.add(cell.value)
    for payload in PAYLOADS:
        assert any(payload in value for value in values), payload


def _body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def hostile_units(city):
    return [UnitFactory(name=p, kind=Unit.Kind.DEPARTMENT, parent=city.units.a)
            for p in PAYLOADS]


def test_issues_export_writes_descriptions_as_text(api, city, run_jobs):
    for payload in PAYLOADS:
        IssueFactory(description=payload, region=city.units.a, responsible_unit=city.units.cg)
    client = api.as_user(city.users.office)
    with run_jobs():
        response = client.post("/api/v1/issues/export/")
    assert response.status_code == 202
    job = Job.objects.get()
    assert job.status == Job.Status.DONE, job.message
    assert_text_only(job.result.read())


def test_survey_raw_answers_export_writes_residents_text_as_text(client, city, exported):
    survey, q = survey_with_questions(city.units.a)
    for payload in PAYLOADS:
        response_submit(survey=survey, community=city.units.community, channel="household",
                        answers={q["age"].pk: opt(q["age"], "18–65周岁"),
                                 q["res"].pk: opt(q["res"], "6个月及以上"),
                                 q["aware"].pk: opt(q["aware"], "知道"),
                                 q["support"].pk: opt(q["support"], "支持"),
                                 q["part"].pk: [opt(q["part"], "志愿服务")],
                                 q["sat"].pk: opt(q["sat"], "满意"), q["text"].pk: payload})
    client.force_login(city.users.office)
    assert_text_only(exported(client, f"/surveys/{survey.pk}/export/responses.xlsx"))


def test_ranking_export_writes_unit_names_as_text(client, city, hostile_units):
    client.force_login(city.users.office)
    response = client.get("/dashboard/export/")
    assert response.status_code == 200
    assert_text_only(_body(response))


def test_report_xlsx_writes_unit_names_and_descriptions_as_text(city, hostile_units):
    from dashboard import services

    from .dashboard.test_reports import run_report

    for unit, payload in zip(hostile_units, PAYLOADS, strict=True):
        IssueFactory(description=payload, region=city.units.a, responsible_unit=unit,
                     status=Issue.Status.ASSIGNED,
                     deadline=timezone.now() - timezone.timedelta(days=3))
    report, _ = services.report_request(kind="weekly", by=city.users.office)
    report = run_report(report)
    assert report.job.result, report.job.message
    assert_text_only(report.job.result.read())


def test_points_export_writes_point_names_as_text(client, city):
    for payload in PAYLOADS:
        PointFactory(name=payload, territorial_unit=city.units.street,
                     supervising_unit=city.units.cg)
    client.force_login(city.users.office)
    response = client.get("/points/export/")
    assert response.status_code == 200
    assert_text_only(_body(response))


def test_ledger_task_export_writes_titles_as_text(client, city):
    for payload in PAYLOADS:
        LedgerRequirementFactory(title=payload, region=city.units.a, lead_unit=city.units.cg)
    client.force_login(city.users.office)
    response = client.get("/ledgers/requirements/export/")
    assert response.status_code == 200
    assert_text_only(_body(response))
