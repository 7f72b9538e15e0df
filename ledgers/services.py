"""Ledger transitions: create/edit drafts, sign, approve, return, new version; honesty checks.

Each transition locks the submission, checks role and state, writes a `LedgerEvent` and
enqueues work after commit. Errors: `NotInScope` (another unit's → 404), `PermissionDenied`
(wrong role or unit → 403), `TransitionError` (the state of `WORKFLOW` refuses → 409) and
`ValidationError` (missing material → 400).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from accounts.models import NotificationKind, Role
from accounts.services import notify, unit_contacts
from accounts.undo import UNDO_WINDOW, check_undo
from accounts.workflow import TransitionError
from config.celery import enqueue_on_commit
from evidence.duplicates import find_near_duplicates

from .models import (
    REPORT_ELEMENTS,
    WORKFLOW,
    LedgerDocument,
    LedgerEvent,
    LedgerPhoto,
    LedgerRequirement,
    LedgerSubmission,
)

S = LedgerSubmission.Status
A = LedgerEvent.Action
# A removed draft file is purged this long after its removal: the undo window and a margin
# for the clocks of the web hosts and the worker.
PURGE_AFTER = UNDO_WINDOW + dt.timedelta(minutes=5)
CAPTION_FIELDS = ("caption_time", "caption_place", "caption_people", "caption_subject",
                  "caption_reason")


def _is(user, *roles):
    return user.is_superuser or user.role in roles


def _event(submission, by, action, from_status, comment=""):
    LedgerEvent.objects.create(submission=submission, actor=by, action=action,
                               from_status=from_status, to_status=submission.status,
                               comment=comment)


def _locked(submission, by):
    """The submission row as `by` may see it, locked (NotInScope → 404 for another unit's)."""
    return LedgerSubmission.objects.get_visible(by, submission.pk, lock=True,
                                                related=("requirement", "unit"))


def clean_report(report):
    """Keep the five known keys as stripped strings; anything else is refused."""
    if not isinstance(report, dict):
        raise ValidationError({"report": "说明报告格式不正确。"})
    unknown = set(report) - set(REPORT_ELEMENTS)
    if unknown:
        raise ValidationError({"report": f"不认识的要素：{'、'.join(sorted(unknown))}。"})
    return {k: str(v or "").strip() for k, v in report.items()}


def _add_files(submission, by, photos, documents, captions):
    for uploaded in photos:
        photo = LedgerPhoto(submission=submission, uploaded_by=by,
                            **{f: (captions or {}).get(f, "")[:100] for f in CAPTION_FIELDS})
        photo.attach(uploaded, uploaded.evidence_info)
        photo.save()
        enqueue_on_commit("ledgers.tasks.process_ledger_photo_task", photo.pk)
    for uploaded in documents:
        doc = LedgerDocument(submission=submission, uploaded_by=by,
                             title=(uploaded.name or "")[:200])
        doc.attach(uploaded, uploaded.evidence_info)
        doc.save()


@transaction.atomic
def ledger_submission_create(*, requirement, by, photos=(), documents=(), report=None,
                             captions=None):
    """A new draft of `by`'s unit for `requirement`, with the validated uploads (each carries
    `evidence_info`). If the unit's current version was returned, the draft is its next
    version. Locks the current version; enqueues processing of each photo."""
    requirement = LedgerRequirement.objects.get_visible(by, requirement.pk)
    if not _is(by, Role.LIAISON):
        raise PermissionDenied("只有单位联络员可以填报台账。")
    if by.unit_id not in requirement.unit_ids():
        raise ValidationError({"requirement": "本单位不是该台账任务的牵头或配合单位。"})
    current = (LedgerSubmission.objects.select_for_update(of=("self",))
               .filter(requirement=requirement, unit_id=by.unit_id, is_current=True).first())
    if current is not None and current.status != S.RETURNED:
        shown = current.get_status_display()
        raise ValidationError({"requirement": f"本单位已有该任务的材料（{shown}），请在原材料上继续。"})
    submission = LedgerSubmission(
        requirement=requirement, unit_id=by.unit_id, created_by=by,
        report=clean_report(report or {}),
        version=current.version + 1 if current else 1, previous=current,
        first_signed_at=current.first_signed_at if current else None,
    )
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    submission.save()
    _add_files(submission, by, photos, documents, captions)
    _event(submission, by, A.CREATE, "", f"第{submission.version}版")
    return submission


@transaction.atomic
def ledger_submission_update(*, submission, by, report=None, photos=(), documents=(),
                             captions=None):
    """Change a draft's report (keys given replace old ones) and add files."""
    submission = _locked_draft(submission, by)
    if report is not None:
        submission.report = {**submission.report, **clean_report(report)}
        submission.save(update_fields=["report", "updated"])
    _add_files(submission, by, photos, documents, captions)
    return submission


def _locked_draft(submission, by):
    """The draft as `by` may see it, locked; only the unit's liaison changes it, only while
    it is a draft (TransitionError otherwise: a returned one gets a new version)."""
    submission = _locked(submission, by)
    if not _is(by, Role.LIAISON) or by.unit_id != submission.unit_id:
        raise PermissionDenied("只有本单位联络员可以修改台账材料。")
    WORKFLOW.check(submission, "update")
    return submission


@transaction.atomic
def ledger_file_remove(*, submission, by, photo_id=None, document_id=None, now=None):
    """Take a wrongly uploaded photo or document off a draft. Only drafts: once the leader
    has signed, the material is evidence and stays (a return starts a new version). Locks
    the submission; the file is hidden at once and kept for UNDO_WINDOW, in which `by` may
    put it back (`ledger_file_restore`), then purged with its stored file
    (`ledger_removed_files_purge`). Returns the removed file."""
    submission = _locked_draft(submission, by)
    model, pk = _file_model(photo_id, document_id)
    item = model.objects.filter(submission=submission, pk=pk).first()
    if item is None:
        raise ValidationError({"file": "该文件不在这份材料中，请刷新页面后重试。"})
    item.removed_at, item.removed_by = now or timezone.now(), by
    item.save(update_fields=["removed_at", "removed_by"])
    _event(submission, by, A.REMOVE_FILE, S.DRAFT, f"删除{_kind(model)}：{item}")
    return item


@transaction.atomic
def ledger_file_restore(*, submission, by, photo_id=None, document_id=None, now=None):
    """Put back a file `by` removed from the draft less than UNDO_WINDOW ago (撤销). Locks
    the submission, which must still be a draft of `by`'s unit. PermissionDenied when
    someone else removed it; ValidationError once the window has passed or when the file
    is not removed. Writes a `restore_file` event; returns the file."""
    submission = _locked_draft(submission, by)
    model, pk = _file_model(photo_id, document_id)
    item = model.with_removed.select_for_update().filter(
        submission=submission, pk=pk, removed_at__isnull=False).first()
    if item is None:
        raise ValidationError({"file": "该文件没有被删除，或已过撤销时限被清除，请刷新页面。"})
    check_undo(removed_at=item.removed_at, removed_by_id=item.removed_by_id, by=by,
               now=now or timezone.now(), again="如需要请重新上传。")
    item.removed_at, item.removed_by = None, None
    item.save(update_fields=["removed_at", "removed_by"])
    _event(submission, by, A.RESTORE_FILE, S.DRAFT, f"撤销删除{_kind(model)}：{item}")
    return item


def ledger_removed_files_purge(*, now):
    """Delete, with their stored files, the draft files removed more than PURGE_AFTER ago
    (beat, every 10 minutes). Each file is locked and checked again before it goes, so an
    撤销 that got there first keeps it. The photos flagged as copies of a purged photo are
    checked again as it goes (`ledger_photo_flags_recheck`); while it was only removed the
    pair stood. Returns how many."""
    cutoff = now - PURGE_AFTER
    purged = 0
    for model in (LedgerPhoto, LedgerDocument):
        for pk in model.with_removed.filter(removed_at__lt=cutoff).values_list(
                "pk", flat=True)[:500]:
            with transaction.atomic():
                item = model.with_removed.select_for_update(skip_locked=True).filter(
                    pk=pk, removed_at__lt=cutoff).first()
                if item is not None:
                    item.delete()
                    purged += 1
    return purged


def _file_model(photo_id, document_id):
    return (LedgerPhoto, photo_id) if photo_id is not None else (LedgerDocument, document_id)


def _kind(model):
    return "照片" if model is LedgerPhoto else "文件"


@transaction.atomic
def ledger_photo_replace(*, submission, by, photo_id, uploaded):
    """Swap a draft's photo for a new one (validated upload carrying `evidence_info`),
    keeping its five-element caption. Locks the submission; the photos flagged as copies of
    the old one are checked again (`ledger_photo_flags_recheck`); enqueues the new photo's
    processing; the old file is deleted after commit."""
    submission = _locked_draft(submission, by)
    old = LedgerPhoto.objects.filter(submission=submission, pk=photo_id).first()
    if old is None:
        raise ValidationError({"file": "该照片不在这份材料中，请刷新页面后重试。"})
    captions = {f: getattr(old, f) for f in CAPTION_FIELDS}
    name = old.caption_text or old.original_name
    old.delete()
    _add_files(submission, by, [uploaded], (), captions)
    _event(submission, by, A.REPLACE_FILE, S.DRAFT, f"替换照片：{name}")
    return submission


def signing_problems(sub):
    """What the draft still lacks before the leader can sign ({field: message})."""
    req = sub.requirement
    errors = {}
    missing = sub.missing_report_elements()
    if missing and req.report_required:
        errors["report"] = f"说明报告缺少：{'、'.join(missing)}。"
    if sub.photos.count() < req.photo_count:
        errors["files"] = f"照片不足：要求 {req.photo_count} 张。"
    if sub.documents.count() < req.document_count:
        errors["documents"] = f"文件不足：要求 {req.document_count} 份。"
    return errors


@transaction.atomic
def ledger_submission_request_sign(*, submission, by):
    """提交领导签字: the liaison says the draft is complete and asks the unit's main leader
    to sign. Refused (ValidationError) while material is missing, so the leader is only
    asked for a complete draft. Writes a `request_sign` event and notifies the unit's
    active leaders (PermissionDenied for anyone but the unit's liaison)."""
    sub = _locked_draft(submission, by)
    errors = signing_problems(sub)
    if errors:
        raise ValidationError(errors)
    leaders = list(unit_contacts(sub.unit, roles=(Role.UNIT_LEADER,)))
    if not leaders:
        raise ValidationError({"status": "本单位还没有主要领导账号，请联系创城办开通。"})
    _event(sub, by, A.REQUEST_SIGN, S.DRAFT, "请主要领导签字确认")
    notify(users=leaders, title=f"请签字确认台账：{sub.requirement.title}",
           body=f"{by.display_name} 已备齐材料（第{sub.version}版），请审阅后签字确认。",
           url=sub.get_absolute_url(), kind=NotificationKind.SIGN_REQUEST)
    return sub


@transaction.atomic
def ledger_submission_new_version(*, submission, by):
    """After a return: a new draft version copying the report, the photos (with their
    processing results and flags, under new file names) and the documents."""
    old = _locked(submission, by)
    if not _is(by, Role.LIAISON) or by.unit_id != old.unit_id:
        raise PermissionDenied("只有本单位联络员可以重新填报。")
    WORKFLOW.check(old, "new_version")
    if not old.is_current:
        raise TransitionError("只有当前版本可以重新填报。")
    old.is_current = False
    old.save(update_fields=["is_current"])
    new = LedgerSubmission.objects.create(
        requirement=old.requirement, unit=old.unit, created_by=by, report=dict(old.report),
        version=old.version + 1, previous=old, first_signed_at=old.first_signed_at,
    )
    for photo in old.photos.all():
        copy = LedgerPhoto(submission=new)
        for field in photo._meta.concrete_fields:
            if field.name not in ("id", "submission", "file", "thumbnail", "display", "created"):
                setattr(copy, field.attname, getattr(photo, field.attname))
        for name in ("file", "thumbnail", "display"):
            source = getattr(photo, name)
            if source:
                with source.open("rb") as fh:
                    ext = source.name.rsplit(".", 1)[-1]
                    copy.sniffed_ext = ext
                    getattr(copy, name).save(f"x.{ext}", ContentFile(fh.read()), save=False)
        copy.save()
    for doc in old.documents.all():
        ext = doc.file.name.rsplit(".", 1)[-1]
        copy = LedgerDocument(submission=new, title=doc.title, original_name=doc.original_name,
                              size=doc.size, sha256=doc.sha256, content_type=doc.content_type,
                              uploaded_by=doc.uploaded_by)
        copy.sniffed_ext = ext
        with doc.file.open("rb") as fh:
            copy.file.save(f"x.{ext}", ContentFile(fh.read()), save=False)
        copy.save()
    _event(new, by, A.NEW_VERSION, "", f"根据退回意见重新填报，第{new.version}版")
    return new


@transaction.atomic
def ledger_submission_sign(*, submission, by, now=None):
    """The unit's main leader signs off (主要领导签字确认): draft → signed. Requires the five
    report elements, the required number of photos and documents. Enqueues the
    copied-report check (ledgers.copycheck) after commit."""
    sub = _locked(submission, by)
    if not _is(by, Role.UNIT_LEADER) or (not by.is_superuser and by.unit_id != sub.unit_id):
        raise PermissionDenied("只有本单位主要领导可以签字确认。")
    WORKFLOW.check(sub, "sign")
    errors = signing_problems(sub)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    sub.status, sub.signed_by, sub.signed_at = S.SIGNED, by, now
    sub.first_signed_at = sub.first_signed_at or now
    sub.save(update_fields=["status", "signed_by", "signed_at", "first_signed_at", "updated"])
    _event(sub, by, A.SIGN, S.DRAFT)
    enqueue_on_commit("ledgers.tasks.check_report_text_task", sub.pk)
    return sub


def _check_reviewer(by):
    if not _is(by, Role.OFFICE):
        raise PermissionDenied("只有创城办工作人员可以审核。")


@transaction.atomic
def ledger_submission_approve(*, submission, by, comment="", now=None):
    """The office approves a signed submission: signed → approved."""
    sub = _locked(submission, by)
    _check_reviewer(by)
    WORKFLOW.check(sub, "approve")
    sub.status, sub.reviewed_by, sub.reviewed_at = S.APPROVED, by, now or timezone.now()
    sub.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated"])
    _event(sub, by, A.APPROVE, S.SIGNED, comment)
    return sub


@transaction.atomic
def ledger_submission_return(*, submission, by, comments, now=None):
    """The office returns a signed submission with comments per item (`comments`: a dict of
    report keys, "photos", "documents" or "general" → text; at least one). signed → returned;
    the unit's liaisons are notified."""
    sub = _locked(submission, by)
    _check_reviewer(by)
    WORKFLOW.check(sub, "return")
    allowed = set(REPORT_ELEMENTS) | {"photos", "documents", "general"}
    comments = {k: str(v).strip() for k, v in (comments or {}).items() if str(v or "").strip()}
    if not comments or set(comments) - allowed:
        raise ValidationError({"comments": "请填写退回意见（可按说明报告要素、照片、文件分别填写）。"})
    sub.status, sub.reviewed_by, sub.reviewed_at = S.RETURNED, by, now or timezone.now()
    sub.review_comments = comments
    sub.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comments",
                            "updated"])
    _event(sub, by, A.RETURN, S.SIGNED, "；".join(comments.values()))
    notify(users=unit_contacts(sub.unit), title=f"台账材料被退回：{sub.requirement.title}",
           body="；".join(comments.values()), url=sub.get_absolute_url(),
           kind=NotificationKind.RETURNED)
    return sub


def ledger_requirement_remind(*, requirement, by, unit_ids=None):
    """Send the units that have not yet handed in (no signed/approved current version) a
    reminder. Returns the number of units reminded."""
    requirement = LedgerRequirement.objects.get_visible(by, requirement.pk)
    if not _is(by, Role.OFFICE):
        raise PermissionDenied("只有创城办工作人员可以催报。")
    done = set(requirement.submissions.filter(
        is_current=True, status__in=[S.SIGNED, S.APPROVED]).values_list("unit_id", flat=True))
    targets = [u for u in requirement.unit_ids() - done if unit_ids is None or u in unit_ids]
    users = list(unit_contacts_for(targets))
    deadline = timezone.localtime(requirement.deadline)
    notify(users=users, title=f"请按时报送台账：{requirement.title}",
           body=f"截止时间 {deadline:%Y-%m-%d %H:%M}，请尽快上传材料并由主要领导签字确认。",
           url=requirement.get_absolute_url())
    return len(targets)


def unit_contacts_for(unit_ids):
    from accounts.models import User

    return User.objects.filter(unit_id__in=unit_ids, role=Role.LIAISON, is_active=True)


def _flag_other_side(photo, matches):
    """Both photos of a duplicate pair are flagged: the earlier ledger photos this one
    matches, not yet flagged, now point back at it (one UPDATE, each with its own
    distance). A flag they already carry is kept."""
    if not matches:
        return
    url = photo.submission.get_absolute_url()
    LedgerPhoto.objects.filter(pk__in=[m.pk for m in matches],
                               duplicate_of_id__isnull=True).update(
        duplicate_of_model=LedgerPhoto._meta.label_lower, duplicate_of_id=photo.pk,
        duplicate_of_url=url,
        duplicate_distance=Case(*[When(pk=m.pk, then=Value(m.distance)) for m in matches],
                                output_field=IntegerField()),
    )


def ledger_photo_check(*, photo, now=None):
    """Honesty flags of one processed photo: a near-identical photo anywhere else (other
    units, other requirements, other years, issue photos — not other versions of the same
    unit's material), EXIF time outside the requirement's window, or no EXIF time. The
    matching ledger photos are flagged too, pointing back at this one, so the reviewer sees
    the pair from either side. Costs one lookup query per evidence model, one to drop
    same-chain matches and one update."""
    sub = photo.submission
    req = sub.requirement
    matches = find_near_duplicates(photo.phash, exclude=[(LedgerPhoto, photo.pk)])
    own = [m.pk for m in matches if m.model is LedgerPhoto]
    same_chain = set(LedgerPhoto.objects.filter(
        pk__in=own, submission__requirement_id=req.pk, submission__unit_id=sub.unit_id,
    ).values_list("pk", flat=True))
    matches = [m for m in matches if not (m.model is LedgerPhoto and m.pk in same_chain)]
    photo.duplicate_of_model = photo.duplicate_of_url = ""
    photo.duplicate_of_id = photo.duplicate_distance = None
    if matches:
        best = matches[0]
        other = best.model._default_manager.filter(pk=best.pk).first()
        photo.duplicate_of_model = best.label
        photo.duplicate_of_id = best.pk
        photo.duplicate_distance = best.distance
        owner = getattr(other, other.evidence_owner_field, None) if other else None
        photo.duplicate_of_url = owner.get_absolute_url() if hasattr(
            owner, "get_absolute_url") else ""
    _flag_other_side(photo, [m for m in matches if m.model is LedgerPhoto])
    start, end = req.photo_window()
    photo.no_exif = photo.exif_taken_at is None
    photo.exif_outside_window = bool(
        photo.exif_taken_at and not (start <= photo.exif_taken_at <= end))
    photo.checked_at = now or timezone.now()
    photo.save(update_fields=["duplicate_of_model", "duplicate_of_id", "duplicate_of_url",
                              "duplicate_distance", "no_exif", "exif_outside_window",
                              "checked_at"])
    return photo


def ledger_photo_flags_recheck(*, model, pks, now=None):
    """A photo deleted for good leaves no flag pointing at it: the ledger photos flagged as
    copies of the `model` photos `pks` (removed ones within undo included, so one put back
    shows the right partner) are checked again with `ledger_photo_check`, each then pointing
    at another near-identical photo that remains or at none. Called by the delete receiver of
    every evidence image model (ledgers/apps.py), in the delete's transaction and after the
    rows are gone, so the lookup cannot find them again. One query finds the flagged photos;
    each re-check costs what `ledger_photo_check` costs. Returns how many were re-checked."""
    flagged = list(LedgerPhoto.with_removed.filter(
        duplicate_of_model=model._meta.label_lower, duplicate_of_id__in=list(pks),
    ).select_related("submission__requirement"))
    for photo in flagged:
        ledger_photo_check(photo=photo, now=now)
    return len(flagged)
