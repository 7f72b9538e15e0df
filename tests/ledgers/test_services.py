import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from accounts.workflow import TransitionError
from evidence.validators import validate_image
from jobs.models import Job
from ledgers import services
from ledgers.export import export_start
from ledgers.models import LedgerPhoto, LedgerRequirement

from ..evidence.images import exif_for, jpeg_bytes, upload
from .conftest import REPORT
from .factories import LedgerRequirementFactory


def _photo(seed=1, taken=None):
    f = upload(jpeg_bytes(seed=seed, exif=exif_for(taken) if taken else None))
    f.evidence_info = validate_image(f)
    return f


def _draft(city, req, **kw):
    return services.ledger_submission_create(requirement=req, by=city.users.liaison,
                                             photos=[_photo(**kw)], report=REPORT,
                                             captions={"caption_subject": "文明交通宣传"})


def _approved(city, req, **kw):
    sub = _draft(city, req, **kw)
    services.ledger_submission_sign(submission=sub, by=city.users.unitleader)
    return services.ledger_submission_approve(submission=sub, by=city.users.office)


@pytest.mark.parametrize(
    ("taken", "outside", "no_exif"),
    [("2024:05:01 10:00:00", True, False), ("2024:06:10 09:00:00", False, False),
     (None, False, True)],
)
def test_exif_window_flags(city, run_tasks, django_capture_on_commit_callbacks, taken, outside,
                           no_exif):
    req = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                                   activity_name="我们的节日·端午",
                                   activity_start=dt.date(2024, 6, 8),
                                   activity_end=dt.date(2024, 6, 10))
    with django_capture_on_commit_callbacks(execute=True):
        sub = _draft(city, req, taken=taken)
    photo = LedgerPhoto.objects.get(submission=sub)
    assert (photo.exif_outside_window, photo.no_exif) == (outside, no_exif)
    assert photo.checked_at is not None


def test_state_machine_refuses_illegal_steps(city, req_cg):
    sub = _draft(city, req_cg)
    with pytest.raises(TransitionError):
        services.ledger_submission_approve(submission=sub, by=city.users.office)
    with pytest.raises(PermissionDenied):
        services.ledger_submission_sign(submission=sub, by=city.users.liaison)
    services.ledger_submission_sign(submission=sub, by=city.users.unitleader)
    with pytest.raises(TransitionError):
        services.ledger_submission_sign(submission=sub, by=city.users.unitleader)
    with pytest.raises(TransitionError):
        services.ledger_submission_update(submission=sub, by=city.users.liaison, report={})
    with pytest.raises(ValidationError):
        services.ledger_submission_return(submission=sub, by=city.users.office, comments={})
    services.ledger_submission_approve(submission=sub, by=city.users.office)
    with pytest.raises(TransitionError):
        services.ledger_submission_new_version(submission=sub, by=city.users.liaison)
    assert [e.action for e in sub.events.all()] == ["create", "sign", "approve"]


def test_a_second_draft_is_refused_and_versions_chain(city, req_cg):
    sub = _draft(city, req_cg)
    with pytest.raises(ValidationError) as exc:
        _draft(city, req_cg)
    assert "requirement" in exc.value.message_dict
    services.ledger_submission_sign(submission=sub, by=city.users.unitleader)
    services.ledger_submission_return(submission=sub, by=city.users.office,
                                      comments={"general": "照片不清晰"})
    v2 = _draft(city, req_cg, seed=2)
    assert (v2.version, v2.previous_id, v2.is_current) == (2, sub.pk, True)
    sub.refresh_from_db()
    assert sub.is_current is False and sub.status == "returned"


def test_completion_and_on_time_rates(city, req_cg):
    req = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                                   contributing=[city.units.zj, city.units.street])
    _approved(city, req)
    row = LedgerRequirement.objects.with_progress().get(pk=req.pk)
    assert (row.unit_count, row.approved_count, row.on_time_count) == (3, 1, 1)
    assert round(row.completion_rate) == 33 and row.on_time_rate == 100.0
    empty = LedgerRequirement.objects.with_progress().get(pk=req_cg.pk)
    assert empty.completion_rate == 0 and empty.on_time_rate is None


def test_remind_reaches_only_units_that_have_not_handed_in(city):
    req = LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg,
                                   contributing=[city.units.zj])
    _approved(city, req)
    n = services.ledger_requirement_remind(requirement=req, by=city.users.office)
    assert n == 1
    assert city.users.liaison2.notifications.filter(title__contains="台账").count() == 1
    assert not city.users.liaison.notifications.filter(title__contains="请按时").exists()


def test_export_zip_layout_and_index(city, req_cg, run_jobs):
    _approved(city, req_cg)
    _draft(city, LedgerRequirementFactory(region=city.units.a, lead_unit=city.units.cg))
    with run_jobs():
        job = export_start(by=city.users.office, year=2024)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.percent == 100 and job.result_count == 1
    assert job.result_name == "2024年网上申报台账.zip"
    with job.result.open("rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as zf:
        names = zf.namelist()
        folder = "1 公共文明/1.2 文明交通/1.2.3 文明交通宣传/"
        assert folder + "1.2.3_文明交通宣传.jpg" in names
        assert folder + "1.2.3_区城管局_说明报告.txt" in names
        assert "取得成效" in zf.read(folder + "1.2.3_区城管局_说明报告.txt").decode()
        # The photo is stored as it is (JPEG is compressed already), the report deflated.
        assert zf.getinfo(folder + "1.2.3_文明交通宣传.jpg").compress_type == zipfile.ZIP_STORED
        assert zf.getinfo(folder + "1.2.3_区城管局_说明报告.txt").compress_type == \
            zipfile.ZIP_DEFLATED
        assert zf.testzip() is None
        ws = load_workbook(io.BytesIO(zf.read("台账索引.xlsx"))).active
        rows = list(ws.values)
    assert rows[0][:3] == ("项目", "内容", "标准编号")
    assert {r[7] for r in rows[1:]} == {"说明报告", "照片"}
    assert all(r[4] == "区城管局" for r in rows[1:])


def test_export_is_for_office_only(city):
    with pytest.raises(PermissionDenied):
        export_start(by=city.users.liaison, year=2024)
