"""Word where offices use Word: the ledger 说明报告 with its five elements as headings and the
通报 draft in 红头 layout, both scoped like the pages they come from."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from issues.models import Issue, Reminder
from ledgers.models import REPORT_ELEMENTS, LedgerSubmission

from .issues.factories import IssueCategoryFactory
from .ledgers.factories import LedgerRequirementFactory

pytestmark = pytest.mark.django_db
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _doc(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == DOCX
    return Document(io.BytesIO(response.content))


@pytest.fixture
def submission(city):
    req = LedgerRequirementFactory(title="我们的节日·春节", region=city.units.a,
                                   lead_unit=city.units.cg)
    return LedgerSubmission.objects.create(requirement=req, unit=city.units.cg, report={
        "responsibility": "分管副局长牵头，宣传科具体负责。", "deployment": "城管发〔2026〕3号",
        "measures": "组织志愿服务 12 场。", "data": "覆盖 3,200 人次。", "results": ""})


def test_ledger_report_has_the_five_elements_as_headings(client, city, submission):
    client.force_login(city.users.liaison)
    doc = _doc(client.get(reverse("ledgers:submission-report-docx", args=[submission.pk])))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"{n}、{label}" for n, (label, _h) in
                        zip("一二三四五", REPORT_ELEMENTS.values(), strict=True)]
    text = [p.text for p in doc.paragraphs]
    assert "我们的节日·春节说明报告" in text
    assert text[text.index("一、主体责任") + 1] == "分管副局长牵头，宣传科具体负责。"
    assert text[text.index("五、取得成效") + 1] == "（未填写）"


def test_ledger_report_of_another_unit_is_not_found(client, city, submission):
    url = reverse("ledgers:submission-report-docx", args=[submission.pk])
    for role in ("liaison2", "office_b", "liaison_b"):
        client.force_login(getattr(city.users, role))
        assert client.get(url).status_code == 404
    client.force_login(city.users.office)
    assert client.get(url).status_code == 200
    assert client.get(reverse("ledgers:submission-report-docx", args=[999999])
                      ).status_code == 404


def _overdue_issue(city, unit, region):
    issue = Issue.objects.create(
        category=IssueCategoryFactory(name="占道经营"), description="早市占道", region=region,
        responsible_unit=unit, status=Issue.Status.ASSIGNED, address="东街菜市场门口",
        deadline=timezone.now() - timezone.timedelta(days=10))
    Reminder.objects.create(issue=issue, kind=Reminder.Kind.NOTICE, deadline=issue.deadline,
                            day="1970-01-01", unit=unit)
    return issue


def test_notice_draft_is_a_red_header_document(client, city):
    mine = _overdue_issue(city, city.units.cg, city.units.a)
    other = _overdue_issue(city, city.units.b_dept, city.units.b)
    client.force_login(city.users.office)
    doc = _doc(client.get(reverse("issues:notice-docx")))
    head = doc.paragraphs[0]
    assert head.text == "城关区创城办"
    assert head.runs[0].font.color.rgb is not None and str(head.runs[0].font.color.rgb) == "E60012"
    assert "关于逾期未整改问题的通报" in [p.text for p in doc.paragraphs]
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert f"#{mine.pk}" in cells and "区城管局" in cells
    assert f"#{other.pk}" not in cells  # another district's issue


def test_notice_draft_is_for_office_and_leaders(client, city):
    for role in ("liaison", "pointchief", "inspector"):
        client.force_login(getattr(city.users, role))
        assert client.get(reverse("issues:notice-docx")).status_code == 403
    client.force_login(city.users.leader)
    assert client.get(reverse("issues:notice-docx")).status_code == 200
