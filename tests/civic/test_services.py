"""Submission, decisions and what the reporter sees (civic.services)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civic import services
from civic.models import CivicReport, ReportEvent, ReportPhoto
from issues import services as issue_services
from issues.models import Issue, IssueEvent, IssuePhoto

from ..issues.factories import photo
from .conftest import lookalikes, submit

pytestmark = pytest.mark.django_db


def test_it_files_a_report_in_the_district_of_the_nearest_point(civic):
    report = submit(civic, phone="138 0013 8000")
    assert report.region == civic.city.units.a
    assert report.status == CivicReport.Status.NEW
    assert len(report.code) >= 32
    assert report.photos.count() == 1
    assert report.photos.get().phash is not None
    assert report.events.get().kind == ReportEvent.Kind.RECEIVE


def test_the_phone_number_is_stored_encrypted(civic):
    report = submit(civic, phone="13800138000")
    raw = CivicReport.objects.filter(pk=report.pk).values_list("phone_cipher", flat=True).get()
    assert "13800138000" not in raw and raw
    assert CivicReport.objects.get(pk=report.pk).phone == "13800138000"


@pytest.mark.parametrize(("field", "kwargs"), [
    ("description", {"description": "脏"}),
    ("description", {"description": "长" * 501}),
    ("category", {"category": None}),
    ("photos", {"photos": []}),
    ("photos", {"photos": [photo(seed=n) for n in range(4)]}),
    ("location", {"latitude": "", "longitude": "", "address": ""}),
    ("location", {"latitude": "abc"}),
    ("location", {"latitude": "38.93", "longitude": ""}),
    ("location", {"latitude": "NaN"}),
    ("location", {"latitude": "31.2304", "longitude": "121.4737"}),  # Shanghai
    ("phone", {"phone": "12345"}),
    ("region", {"latitude": "", "longitude": "", "address": "东街 1 号"}),
])
def test_bad_input_is_refused_per_field_and_leaves_nothing(civic, field, kwargs):
    with pytest.raises(ValidationError) as exc:
        submit(civic, **kwargs)
    assert field in exc.value.message_dict
    assert CivicReport.objects.count() == 0
    assert ReportPhoto.objects.count() == 0


def test_a_text_file_as_photo_is_refused(civic):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("p.jpg", b"just text, not a photo", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        submit(civic, photos=[fake])
    assert "照片" in " ".join(exc.value.message_dict["photos"])
    assert CivicReport.objects.count() == 0


def test_an_address_with_a_district_is_enough(civic):
    report = submit(civic, latitude="", longitude="", address="东街 1 号",
                    region=civic.city.units.a)
    assert report.region == civic.city.units.a and report.latitude is None


def test_accepting_files_an_issue_at_the_nearest_point_and_dispatches_it(civic):
    report = submit(civic)
    office = civic.city.users.office
    report = services.report_accept(report=report, by=office)
    issue = report.issue
    assert report.status == CivicReport.Status.ACCEPTED
    assert issue.point == civic.point
    assert issue.category == civic.garbage.issue_category
    assert issue.source == Issue.Source.CITIZEN
    assert issue.region == civic.city.units.a
    assert issue.responsible_unit == civic.city.units.cg  # the point's supervising unit
    assert issue.status == Issue.Status.ASSIGNED and issue.deadline is not None
    assert IssuePhoto.objects.filter(issue=issue, kind="before").count() == 1
    kinds = list(issue.events.values_list("kind", flat=True))
    assert kinds[:2] == [IssueEvent.Kind.FILE, IssueEvent.Kind.COMMENT]
    assert IssueEvent.Kind.ASSIGN in kinds
    assert report.events.filter(kind=ReportEvent.Kind.ACCEPT, actor=office).exists()


def test_the_reporter_sees_forwarded_then_closed_then_forwarded_after_a_relapse(civic):
    report = submit(civic)
    assert services.public_state(report)[1] == "已受理"
    report = services.report_accept(report=report, by=civic.city.users.office)
    assert services.public_state(report)[1] == "已转办"
    issue = report.issue
    issue_services.issue_submit(issue=issue, by=civic.city.users.liaison,
                                photos=[photo(seed=40, color=(10, 200, 10))])
    issue_services.issue_approve(issue=issue, by=civic.city.users.office)
    report = CivicReport.objects.get(pk=report.pk)
    assert services.public_state(report)[1] == "已办结"
    issue_services.issue_reopen(issue=issue, by=civic.city.users.office, reason="又堆了")
    assert services.public_state(CivicReport.objects.get(pk=report.pk))[1] == "已转办"


def test_rejection_needs_a_reason_from_the_list_and_is_shown_to_the_reporter(civic):
    report = submit(civic)
    office = civic.city.users.office
    with pytest.raises(ValidationError):
        services.report_reject(report=report, by=office, reason="我不想管")
    services.report_reject(report=report, by=office, reason="fixed", note="已清理")
    report.refresh_from_db()
    key, label, text, _ = services.public_state(report)
    assert (key, label) == ("rejected", "不予受理")
    assert "经核实问题已不存在" in text and "已清理" in text
    assert report.events.filter(kind=ReportEvent.Kind.REJECT).exists()


def test_a_decided_report_cannot_be_decided_again(civic):
    report = submit(civic)
    office = civic.city.users.office
    services.report_reject(report=report, by=office, reason="unclear")
    with pytest.raises(issue_services.TransitionError):
        services.report_accept(report=report, by=office)
    assert Issue.objects.count() == 0


@pytest.mark.parametrize("role", ["inspector", "leader", "liaison", "office_b"])
def test_only_the_districts_office_decides(civic, role):
    report = submit(civic)
    with pytest.raises(PermissionDenied):
        services.report_accept(report=report, by=getattr(civic.city.users, role))
    assert CivicReport.objects.get(pk=report.pk).status == CivicReport.Status.NEW
    assert Issue.objects.count() == 0


def test_a_second_report_of_the_same_place_and_photo_is_suggested_and_merges(civic):
    first = submit(civic, seed=7)
    second = submit(civic, seed=7, description="垃圾还是没人清")
    far = submit(civic, seed=90, latitude="38.950000", longitude="100.470000")
    reports, _issues = services.report_duplicates(second)
    found = {r.pk: reasons for r, reasons in reports}
    assert first.pk in found and far.pk not in found
    assert any("相距" in t for t in found[first.pk])
    assert any("照片相似" in t for t in found[first.pk])
    office = civic.city.users.office
    services.report_accept(report=first, by=office)
    services.report_merge(report=second, into=first, by=office)
    second.refresh_from_db()
    assert second.duplicate_of_id == first.pk
    assert services.public_state(second)[1] == "已转办"


def test_a_photo_seen_elsewhere_is_suggested_even_far_away(civic):
    first = submit(civic, seed=11)
    other = submit(civic, seed=11, latitude="38.940000", longitude="100.460000")
    found = [r.pk for r, _ in services.report_duplicates(other)[0]]
    assert found == [first.pk]


def test_phone_numbers_are_erased_after_the_retention_period(civic):
    office = civic.city.users.office
    kept = submit(civic, phone="13800138000", seed=1)
    ended = submit(civic, phone="13900139000", seed=2)
    services.policy_save(region=civic.city.units.a, by=office, phone_retention_days=10)
    services.report_reject(report=ended, by=office, reason="fixed")
    services.report_reject(report=kept, by=office, reason="fixed",
                           now=timezone.now())
    CivicReport.objects.filter(pk=ended.pk).update(
        decided_at=timezone.now() - dt.timedelta(days=11))
    assert services.phones_erase_expired() == 1
    assert CivicReport.objects.get(pk=ended.pk).phone == ""
    assert CivicReport.objects.get(pk=ended.pk).phone_erased_at is not None
    assert CivicReport.objects.get(pk=kept.pk).phone == "13800138000"
    assert services.phones_erase_expired() == 0


def test_the_duplicate_badge_goes_when_the_lookalike_is_merged_or_refused(civic):
    """first and copy share a photo, near lies beside first: all three 疑似重复. copy merged
    into first: first still looks like near (both waiting). near refused: first looks like
    nothing live (copy is part of its own case, a refused report is no case) → badge off."""
    office = civic.city.users.office
    first, copy, near = lookalikes(civic)

    def flags():
        return dict(CivicReport.objects.values_list("pk", "likely_duplicate"))

    assert flags() == {first.pk: True, copy.pk: True, near.pk: True}
    services.report_merge(report=copy, into=first, by=office)
    assert flags()[first.pk] is True
    services.report_reject(report=near, by=office, reason=CivicReport.RejectReason.values[0])
    assert flags()[first.pk] is False
