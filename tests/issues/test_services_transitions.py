import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from issues import services
from issues.models import IssueEvent

pytestmark = pytest.mark.django_db
LATER = timezone.now() + dt.timedelta(days=3)


@pytest.fixture
def assigned(city, make_issue):
    return make_issue(status="assigned", responsible_unit=city.units.cg, deadline=LATER)


def test_dispute_then_office_reassigns_to_another_unit(city, assigned):
    services.issue_dispute(issue=assigned, by=city.users.liaison, reason="不属于我局职责")
    issue = services.issue_reassign(issue=assigned, by=city.users.office,
                                    responsible_unit=city.units.zj)
    assert issue.status == "assigned" and issue.responsible_unit == city.units.zj
    kinds = list(IssueEvent.objects.filter(issue=issue).values_list("kind", "from_status",
                                                                     "to_status"))
    assert kinds == [("dispute", "assigned", "disputed"), ("reassign", "disputed", "assigned")]


def test_extension_request_and_grant_moves_the_deadline(city, assigned):
    new = LATER + dt.timedelta(days=5)
    services.extension_request(issue=assigned, by=city.users.liaison, reason="材料未到",
                               deadline=new)
    with pytest.raises(services.TransitionError):
        services.extension_request(issue=assigned, by=city.users.liaison, reason="再申请",
                                   deadline=new + dt.timedelta(days=1))
    issue = services.extension_grant(issue=assigned, by=city.users.office)
    assert issue.deadline == new


def test_extension_refuse_keeps_the_deadline(city, assigned):
    services.extension_request(issue=assigned, by=city.users.liaison, reason="x",
                               deadline=LATER + dt.timedelta(days=2))
    issue = services.extension_refuse(issue=assigned, by=city.users.office, reason="不合理")
    assert issue.deadline == LATER


@pytest.mark.parametrize("fn, who, extra", [
    (services.issue_approve, "liaison", {}),
    (services.issue_reject, "leader", {"reason": "x"}),
    (services.issue_submit, "office", {"photos": []}),
    (services.issue_dispute, "inspector", {"reason": "x"}),
    (services.issue_reassign, "liaison", {"responsible_unit": None}),
    (services.issue_reopen, "unitleader", {"reason": "x"}),  # sees it; may not reopen
])
def test_wrong_roles_are_refused(city, assigned, fn, who, extra):
    with pytest.raises(PermissionDenied):
        fn(issue=assigned, by=getattr(city.users, who), **extra)


@pytest.mark.parametrize("fn, who, extra", [
    (services.issue_approve, "office", {}),
    (services.issue_reject, "office", {"reason": "x"}),
    (services.issue_reopen, "office", {"reason": "x"}),
    (services.issue_assign, "office", {"responsible_unit": None}),
])
def test_illegal_transitions_are_refused(city, assigned, fn, who, extra):
    with pytest.raises(services.TransitionError):
        fn(issue=assigned, by=getattr(city.users, who), **extra)
    assert IssueEvent.objects.filter(issue=assigned).count() == 0


def test_assign_defaults_the_deadline_from_the_category(city, make_issue):
    issue = make_issue()
    monday = dt.datetime(2026, 11, 16, 2, 0, tzinfo=dt.UTC)  # 10:00 local
    issue = services.issue_assign(issue=issue, by=city.users.office,
                                  responsible_unit=city.units.cg, now=monday)
    assert timezone.localtime(issue.deadline).replace(tzinfo=None) == dt.datetime(
        2026, 11, 19, 23, 59, 59)
