"""Every write service that takes an object finds it through `visible_to(by)`: called
directly (by a command, a task, the hotline interface), as a user of another unit or of
another district, it answers not-found and changes nothing, whatever the role would allow."""

import datetime as dt

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from accounts.models import NotInScope, Unit
from dashboard import services as dashboard
from dashboard.models import Report
from issues import services as issues
from issues.models import Issue
from jobs.models import Job
from ledgers import requirements as ledger_tasks
from ledgers import services as ledgers
from ledgers.models import LedgerSubmission
from points import services as points
from points.models import Point, PointCategory, PointCircle
from surveys import editing
from surveys import services as surveys
from surveys.models import Section
from tests.issues.factories import IssueFactory, photo
from tests.ledgers.factories import LedgerRequirementFactory
from tests.surveys.factories import SurveyFactory, question

LATER = timezone.now() + dt.timedelta(days=30)


@pytest.fixture
def world(city):
    """District A's objects: an issue of 区城管局 at a point of 幸福社区, its ledger task and
    material, a survey with a section, a question and options, a circle and a report."""
    u = city.units
    cat = PointCategory.objects.create(name="背街小巷")
    point = Point.objects.create(name="幸福巷", category=cat, territorial_unit=u.community)
    issue = IssueFactory(region=u.a, point=point, responsible_unit=u.cg,
                         status=Issue.Status.ASSIGNED, deadline=LATER)
    requirement = LedgerRequirementFactory(region=u.a, lead_unit=u.cg)
    submission = LedgerSubmission.objects.create(requirement=requirement, unit=u.cg,
                                                 created_by=city.users.liaison)
    survey = SurveyFactory(region=u.a, status="draft")
    section = Section.objects.create(survey=survey, title="一、知晓情况", order=1)
    q = question(survey, "您知道本市正在创建全国文明城市吗？", indicator="awareness",
                 options=[("知道", "awareness"), ("不知道", "")])
    circle = PointCircle.objects.create(core=point, name="幸福巷点位圈")
    report = Report.objects.create(region=u.a, kind=Report.Kind.WEEKLY,
                                   period_start=dt.date(2026, 1, 5),
                                   period_end=dt.date(2026, 1, 11))
    return dict(point=point, issue=issue, requirement=requirement, submission=submission,
                survey=survey, section=section, question=q, option=q.options.first(),
                circle=circle, report=report, unit=u.cg, region=u.a)


# (service, call) — each call gets the acting user and the world of district A.
SERVICES = {
    "issue_assign": lambda by, w: issues.issue_assign(
        issue=w["issue"], by=by, responsible_unit=w["unit"]),
    "issue_bulk_assign": lambda by, w: issues.issue_bulk_assign(
        issues=[w["issue"]], by=by, responsible_unit=w["unit"]),
    "issue_submit": lambda by, w: issues.issue_submit(issue=w["issue"], by=by,
                                                      photos=[photo()]),
    "issue_approve": lambda by, w: issues.issue_approve(issue=w["issue"], by=by),
    "issue_reject": lambda by, w: issues.issue_reject(issue=w["issue"], by=by, reason="不行"),
    "issue_dispute": lambda by, w: issues.issue_dispute(issue=w["issue"], by=by,
                                                        reason="不归我们管"),
    "issue_reassign": lambda by, w: issues.issue_reassign(
        issue=w["issue"], by=by, responsible_unit=w["unit"]),
    "issue_reopen": lambda by, w: issues.issue_reopen(issue=w["issue"], by=by, reason="反弹"),
    "issue_comment": lambda by, w: issues.issue_comment(issue=w["issue"], by=by, text="看过"),
    "extension_request": lambda by, w: issues.extension_request(
        issue=w["issue"], by=by, reason="雨天", deadline=LATER + dt.timedelta(days=3)),
    "extension_grant": lambda by, w: issues.extension_grant(issue=w["issue"], by=by),
    "extension_refuse": lambda by, w: issues.extension_refuse(issue=w["issue"], by=by,
                                                              reason="不同意"),
    "issue_file": lambda by, w: issues.issue_file(
        by=by, category=w["issue"].category, description="乱停车", photos=[photo()],
        point=w["point"], check_role=False),
    "ledger_submission_create": lambda by, w: ledgers.ledger_submission_create(
        requirement=w["requirement"], by=by),
    "ledger_submission_update": lambda by, w: ledgers.ledger_submission_update(
        submission=w["submission"], by=by, report={"data": "x"}),
    "ledger_file_remove": lambda by, w: ledgers.ledger_file_remove(
        submission=w["submission"], by=by, photo_id=1),
    "ledger_file_restore": lambda by, w: ledgers.ledger_file_restore(
        submission=w["submission"], by=by, photo_id=1),
    "ledger_photo_replace": lambda by, w: ledgers.ledger_photo_replace(
        submission=w["submission"], by=by, photo_id=1, uploaded=photo()),
    "ledger_submission_request_sign": lambda by, w: ledgers.ledger_submission_request_sign(
        submission=w["submission"], by=by),
    "ledger_submission_new_version": lambda by, w: ledgers.ledger_submission_new_version(
        submission=w["submission"], by=by),
    "ledger_submission_sign": lambda by, w: ledgers.ledger_submission_sign(
        submission=w["submission"], by=by),
    "ledger_submission_approve": lambda by, w: ledgers.ledger_submission_approve(
        submission=w["submission"], by=by),
    "ledger_submission_return": lambda by, w: ledgers.ledger_submission_return(
        submission=w["submission"], by=by, comments={"general": "补材料"}),
    "ledger_requirement_remind": lambda by, w: ledgers.ledger_requirement_remind(
        requirement=w["requirement"], by=by),
    "requirement_save": lambda by, w: ledger_tasks.requirement_save(
        requirement=w["requirement"], by=by),
    "point_save": lambda by, w: points.point_save(point=w["point"], by=by),
    "circle_save": lambda by, w: points.circle_save(circle=w["circle"], categories=[], by=by),
    "inspection_create": lambda by, w: points.inspection_create(point=w["point"], by=by,
                                                                results=[]),
    "question_add": lambda by, w: editing.question_add(survey=w["survey"], by=by, text="新题",
                                                       kind="text"),
    "survey_set_status": lambda by, w: surveys.survey_set_status(survey=w["survey"], by=by,
                                                                 status="open"),
    "survey_copy": lambda by, w: surveys.survey_copy(survey=w["survey"], by=by),
    "responses_void": lambda by, w: surveys.responses_void(survey=w["survey"], by=by,
                                                           reason="刷票", ids=[1]),
    "quotas_set": lambda by, w: surveys.quotas_set(survey=w["survey"], by=by, targets={}),
    "quotas_set_all": lambda by, w: surveys.quotas_set_all(survey=w["survey"], by=by,
                                                           target=20),
    "section_add": lambda by, w: editing.section_add(survey=w["survey"], by=by, title="二"),
    "section_update": lambda by, w: editing.section_update(section=w["section"], by=by,
                                                           title="二"),
    "section_delete": lambda by, w: editing.section_delete(section=w["section"], by=by),
    "section_move": lambda by, w: editing.section_move(section=w["section"], by=by,
                                                       direction="down"),
    "question_update": lambda by, w: editing.question_update(
        question=w["question"], by=by, text="改", required=True),
    "question_delete": lambda by, w: editing.question_delete(question=w["question"], by=by),
    "question_move": lambda by, w: editing.question_move(question=w["question"], by=by,
                                                         direction="down"),
    "option_add": lambda by, w: editing.option_add(question=w["question"], by=by, text="不清楚"),
    "option_update": lambda by, w: editing.option_update(option=w["option"], by=by, text="改"),
    "option_delete": lambda by, w: editing.option_delete(option=w["option"], by=by),
    "option_move": lambda by, w: editing.option_move(option=w["option"], by=by,
                                                     direction="down"),
    "targets_set": lambda by, w: editing.targets_set(survey=w["survey"], by=by,
                                                     targets={"awareness": 90}),
    "report_retry": lambda by, w: dashboard.report_retry(report=w["report"], by=by),
    "report_request": lambda by, w: dashboard.report_request(kind="weekly", by=by,
                                                             region=w["region"]),
    "negative_event_record": lambda by, w: dashboard.negative_event_record(
        by=by, unit=w["unit"], item="重大安全事故", is_veto=False, date=dt.date(2026, 1, 5)),
    "escalation_record": lambda by, w: dashboard.escalation_record(
        by=by, unit=w["unit"], kind="notice", decided_on=dt.date(2026, 1, 5), reason="逾期"),
}

# Objects of the whole region: a user of another unit of the same district may see them
# (and is refused by role), so only another district's users are strangers to them.
REGION_WIDE = {"report_retry", "report_request"}


def _snapshot(w):
    """What the services could change, as rows."""
    return [list(type(obj).objects.filter(pk=obj.pk).values())
            for key, obj in w.items() if key not in ("unit", "region")]


@pytest.mark.parametrize("stranger", ["liaison2", "office_b", "liaison_b"])
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_it_answers_not_found_to_another_units_or_districts_user(city, world, name, stranger):
    if stranger == "liaison2" and name in REGION_WIDE:
        pytest.skip("a region-wide object is visible to every unit of the district")
    # given: a user of 区住建局 (another unit of district A) or of 高新区 (district B)
    by = getattr(city.users, stranger)
    before = _snapshot(world)
    counts = {m: m.objects.count() for m in (Issue, Job, LedgerSubmission, Report, Unit)}
    # when / then
    with pytest.raises(NotInScope) as caught:
        SERVICES[name](by, world)
    assert isinstance(caught.value, ObjectDoesNotExist)
    assert _snapshot(world) == before
    assert counts == {m: m.objects.count() for m in counts}


def test_every_object_taking_service_is_listed():
    """A new write service that takes an object belongs in the table above."""
    import inspect

    modules = [issues, ledgers, ledger_tasks, points, surveys, editing, dashboard]
    taking = {"issue", "issues", "submission", "requirement", "point", "circle", "survey",
              "section", "question", "option", "report"}
    reads = {"region_for"}
    found = set()
    for module in modules:
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or fname.startswith("_"):
                continue
            params = inspect.signature(fn).parameters
            if "by" in params and taking & set(params):
                found.add(fname)
    assert found - set(SERVICES) - reads == set()
