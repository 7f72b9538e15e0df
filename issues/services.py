"""Writes and transitions of issues. Views, the API, imports, the points inspection service,
tasks and management commands all call these.

Every transition: checks the role (PermissionDenied → 403), locks the issue row
(select_for_update), checks the transition (TransitionError → 409), writes one IssueEvent,
saves with update_fields, and enqueues notifications and photo processing after commit.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import NotificationKind, Role, Unit, User
from accounts.scoping import may_write, require_city_office
from accounts.services import notify, unit_contacts
from accounts.workflow import TransitionError
from points.models import Point

from . import deadlines
from .models import (
    DISPATCH_ROLES,
    FILE_ROLES,
    OPEN,
    REVIEW_ROLES,
    UNIT_ROLES,
    WORKFLOW,
    ExtensionRequest,
    Holiday,
    Issue,
    IssueCategory,
    IssueEvent,
    Severity,
    Source,
    Status,
)
from .photos import attach_photos, check_after_photos, validate_photos

MAX_PHOTOS = 9
# 反弹 window: a new finding of the same category at the same point within this many calendar
# days after the earlier issue's 销号 is a relapse of it (counted against the unit that
# closed it in the ranking). A constant of the platform, as the assessment counts 复发 within
# a month.
RELAPSE_WINDOW_DAYS = 30


def _require_role(user, roles, message="您的角色无权执行此操作。"):
    if not may_write(user, roles):
        raise PermissionDenied(message)


def _lock(issue, by):
    """The issue row as `by` may see it, locked (NotInScope → 404 for another unit's)."""
    return Issue.objects.get_visible(by, issue.pk, lock=True, related=("point", "category"))


def _event(issue, kind, by, *, from_status="", reason="", unit=None, deadline=None):
    return IssueEvent.objects.create(
        issue=issue, kind=kind, actor=by, from_status=from_status,
        to_status=issue.status, reason=reason, unit=unit or issue.responsible_unit,
        deadline=deadline if deadline is not None else issue.deadline,
    )


def _require_reason(reason, field="reason", label="理由"):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: f"请填写{label}。"})
    return reason


def _region_offices(issue):
    return User.objects.filter(unit__path__startswith=issue.region.path, role=Role.OFFICE,
                               is_active=True)


def _issue_line(issue):
    return f"【{issue.category.name}】{issue.location_display}：{issue.description[:60]}"


def _deadline_text(deadline):
    return timezone.localtime(deadline, deadlines.local_tz()).strftime("%Y-%m-%d %H:%M")


def region_for(*, point=None, by):
    """The district an issue belongs to: its point's, else the filer's."""
    unit = point.territorial_unit if point is not None else by.unit
    if unit is None:
        raise ValidationError({"point": "无法确定问题所属区域，请选择点位。"})
    region_id = unit.region_path.strip("/").split("/")[-1]
    return Unit.objects.get(pk=int(region_id))


def suggest_unit(*, point=None, category=None):
    """Who usually answers for such a defect: the category's usual unit, else the point's
    supervising department, else its territorial unit."""
    if category is not None and category.suggested_unit_id:
        return category.suggested_unit
    if point is not None:
        return point.supervising_unit or point.territorial_unit
    return None


def suggest_deadline(*, category, now=None, calendar=None):
    now = now or timezone.now()
    # Every day from today on: a long working-day deadline reaches past any fixed window.
    calendar = calendar or deadlines.WorkCalendar.load(start=deadlines.local_date(now))
    return deadlines.deadline_from_category(category, now=now, calendar=calendar)


def possible_duplicates(*, point, category, exclude_pk=None):
    """Open issues of the same category at the same point: shown before filing another."""
    if point is None or category is None:
        return Issue.objects.none()
    qs = Issue.objects.filter(point=point, category=category, status__in=OPEN)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("-created")


@transaction.atomic
def issue_file(*, by, category, description, photos, point=None, source=Source.DAILY,
               severity=None, latitude=None, longitude=None, address="", check_role=True,
               region=None, require_photos=True):
    """File a new issue with 1–9 before-photos.

    Every photo is validated before anything is written, so a bad photo leaves nothing behind
    (ValidationError naming `photos`). Writes the issue, its photos and one `file` event;
    photo processing is enqueued after commit. `region` defaults to the point's district, else
    the filer's; a case pushed in by the hotline may come without a photo
    (`require_photos=False`).
    """
    if check_role:
        _require_role(by, FILE_ROLES, "只有创城办工作人员和督查员可以上报问题。")
    if point is not None:
        point = Point.objects.get_visible(by, point.pk, related=("territorial_unit",))
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "请填写问题描述。"})
    if point is None and (latitude is None or longitude is None) and not address.strip():
        raise ValidationError({"point": "请选择点位，或填写问题地址/位置。"})
    if not photos and require_photos:
        raise ValidationError({"photos": "请至少上传 1 张问题照片。"})
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"照片最多 {MAX_PHOTOS} 张。"})
    infos = validate_photos(photos)
    issue = Issue(
        point=point, category=category, description=description, source=source or Source.DAILY,
        severity=severity or category.severity, latitude=latitude, longitude=longitude,
        address=address.strip() or (point.address if point is not None else ""),
        region=region or region_for(point=point, by=by), created_by=by, status=Status.NEW,
        relapse_of=relapse_target(point=point, category=category, found_at=timezone.now()),
    )
    issue.full_clean(exclude=["region", "point", "category", "created_by"])
    issue.save()
    attach_photos(issue=issue, files=photos, infos=infos, kind="before", by=by)
    _event(issue, IssueEvent.Kind.FILE, by)
    return issue


def relapse_target(*, point, category, found_at):
    """The closed issue a finding of `category` at `point` made at `found_at` relapses: the
    latest one of the same point and category closed (销号) within RELAPSE_WINDOW_DAYS
    before `found_at`, else None."""
    if point is None or category is None:
        return None
    since = found_at - dt.timedelta(days=RELAPSE_WINDOW_DAYS)
    return (Issue.objects.filter(point=point, category=category, status=Status.CLOSED,
                                 closed_at__gte=since, closed_at__lte=found_at)
            .order_by("-closed_at", "-pk").first())


def relapse_targets(findings):
    """`relapse_target` for many (point, category, found_at) at once (imports): one query.
    Returns a list of issues or None, in the order of `findings`."""
    findings = [(p, c, at) for p, c, at in findings]
    usable = [f for f in findings if f[0] is not None and f[1] is not None]
    if not usable:
        return [None] * len(findings)
    since = min(at for _p, _c, at in usable) - dt.timedelta(days=RELAPSE_WINDOW_DAYS)
    closed = {}
    for issue in Issue.objects.filter(
            point_id__in={p.pk for p, _c, _at in usable},
            category_id__in={c.pk for _p, c, _at in usable},
            status=Status.CLOSED, closed_at__gte=since).order_by("closed_at", "pk"):
        closed.setdefault((issue.point_id, issue.category_id), []).append(issue)
    found = []
    for point, category, at in findings:
        match = None
        if point is not None and category is not None:
            since = at - dt.timedelta(days=RELAPSE_WINDOW_DAYS)
            for issue in closed.get((point.pk, category.pk), []):
                if since <= issue.closed_at <= at:
                    match = issue  # the latest wins (ordered by closed_at)
        found.append(match)
    return found


def _notify_unit(issue, title, unit=None, kind=NotificationKind.OTHER):
    unit = unit or issue.responsible_unit
    if unit is None:
        return
    users = list(unit_contacts(unit, roles=(Role.LIAISON,)))
    if issue.point_id and issue.point.chief_id and issue.point.chief.is_active:
        users.append(issue.point.chief)
    notify(users=users, title=title, body=_issue_line(issue), url=issue.get_absolute_url(),
           kind=kind)


@transaction.atomic
def issue_assign(*, issue, by, responsible_unit, deadline=None, now=None):
    """Dispatch a new issue to a unit with a deadline (default: the category's).

    Locks the issue; only `new` issues (TransitionError otherwise). The unit must lie in the
    office's scope (ValidationError on `responsible_unit`) and a given deadline not before
    today (ValidationError on `deadline`). Notifies the unit's liaisons.
    """
    issue = _lock(issue, by)
    _require_role(by, DISPATCH_ROLES, "只有创城办工作人员可以派发问题。")
    WORKFLOW.check(issue, "assign")
    _check_unit(by, responsible_unit)
    now = now or timezone.now()
    deadlines.require_not_past(deadline, now=now)
    deadline = deadline or suggest_deadline(category=issue.category, now=now)
    old = issue.status
    issue.status = Status.ASSIGNED
    issue.responsible_unit = responsible_unit
    issue.deadline = deadline
    issue.save(update_fields=["status", "responsible_unit", "deadline", "updated"])
    _event(issue, IssueEvent.Kind.ASSIGN, by, from_status=old)
    _notify_unit(issue, f"新交办问题，请于 {_deadline_text(deadline)} 前整改",
                 kind=NotificationKind.ASSIGNED)
    return issue


def _check_unit(by, unit):
    if unit is None or not visible_responsible_units(by).filter(pk=unit.pk).exists():
        raise ValidationError({"responsible_unit": "请选择本辖区内的责任单位（部门、街道或社区，"
                                                   "不能是创城办自己）。"})


@transaction.atomic
def issue_bulk_assign(*, issues, by, responsible_unit, deadline=None, now=None):
    """Assign many new issues to one unit at once; all or nothing."""
    return [issue_assign(issue=i, by=by, responsible_unit=responsible_unit, deadline=deadline,
                         now=now) for i in issues]


def _require_unit_actor(by, issue):
    _require_role(by, UNIT_ROLES, "只有责任单位的联络员或点位长可以办理。")


@transaction.atomic
def issue_submit(*, issue, by, photos, note="", now=None):
    """The responsible unit reports the rectification with 1–9 after-photos.

    Refused (ValidationError on `photos`) when a photo is missing, broken, or identical or
    near-identical to a before-photo. Photos whose EXIF time is older than the issue or whose
    EXIF position is far from the point are kept but flagged for the reviewer.
    """
    issue = _lock(issue, by)
    _require_unit_actor(by, issue)
    WORKFLOW.check(issue, "submit")
    if not photos:
        raise ValidationError({"photos": "请上传整改后的照片。"})
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"照片最多 {MAX_PHOTOS} 张。"})
    infos = validate_photos(photos)
    check_after_photos(issue=issue, files=photos)
    old = issue.status
    issue.status = Status.SUBMITTED
    issue.save(update_fields=["status", "updated"])
    attach_photos(issue=issue, files=photos, infos=infos, kind="after", by=by)
    _event(issue, IssueEvent.Kind.SUBMIT, by, from_status=old, reason=(note or "").strip())
    notify(users=list(_region_offices(issue)), title=f"问题 #{issue.pk} 已提交整改，请复核",
           body=_issue_line(issue), url=issue.get_absolute_url())
    return issue


@transaction.atomic
def issue_approve(*, issue, by, reason=""):
    """Review passed: the issue is closed (销号)."""
    issue = _lock(issue, by)
    _require_role(by, REVIEW_ROLES, "只有创城办工作人员和督查员可以复核。")
    WORKFLOW.check(issue, "approve")
    old = issue.status
    issue.status = Status.CLOSED
    issue.closed_at = timezone.now()
    issue.save(update_fields=["status", "closed_at", "updated"])
    _event(issue, IssueEvent.Kind.APPROVE, by, from_status=old, reason=(reason or "").strip())
    _notify_unit(issue, f"问题 #{issue.pk} 复核通过，已销号")
    return issue


@transaction.atomic
def issue_reject(*, issue, by, reason):
    """Review failed: back to the unit (`assigned`) with the reviewer's reason."""
    issue = _lock(issue, by)
    _require_role(by, REVIEW_ROLES, "只有创城办工作人员和督查员可以复核。")
    reason = _require_reason(reason, label="退回理由")
    WORKFLOW.check(issue, "reject")
    old = issue.status
    issue.status = Status.ASSIGNED
    issue.save(update_fields=["status", "updated"])
    _event(issue, IssueEvent.Kind.REJECT, by, from_status=old, reason=reason)
    _notify_unit(issue, f"问题 #{issue.pk} 整改未通过复核，已退回：{reason[:40]}",
                 kind=NotificationKind.RETURNED)
    return issue


@transaction.atomic
def issue_dispute(*, issue, by, reason):
    """The unit says the issue is not theirs (or not a defect); the office decides."""
    issue = _lock(issue, by)
    _require_unit_actor(by, issue)
    reason = _require_reason(reason, label="异议理由")
    WORKFLOW.check(issue, "dispute")
    old = issue.status
    issue.status = Status.DISPUTED
    issue.save(update_fields=["status", "updated"])
    _event(issue, IssueEvent.Kind.DISPUTE, by, from_status=old, reason=reason)
    notify(users=list(_region_offices(issue)), title=f"问题 #{issue.pk} 责任单位提出异议",
           body=f"{issue.responsible_unit}：{reason}", url=issue.get_absolute_url())
    return issue


@transaction.atomic
def issue_reassign(*, issue, by, responsible_unit, deadline=None, reason="", now=None):
    """The office settles a dispute or moves an issue: to another unit (改派) or back to the
    same one (维持原派). A new deadline may be given; moving to another unit without one
    starts the category's default afresh."""
    issue = _lock(issue, by)
    _require_role(by, DISPATCH_ROLES, "只有创城办工作人员可以改派问题。")
    WORKFLOW.check(issue, "reassign")
    _check_unit(by, responsible_unit)
    now = now or timezone.now()
    deadlines.require_not_past(deadline, now=now)
    moved = responsible_unit.pk != issue.responsible_unit_id
    if deadline is None and moved:
        deadline = suggest_deadline(category=issue.category, now=now)
    old, old_unit = issue.status, issue.responsible_unit
    issue.status = Status.ASSIGNED
    issue.responsible_unit = responsible_unit
    if deadline is not None:
        issue.deadline = deadline
    issue.save(update_fields=["status", "responsible_unit", "deadline", "updated"])
    note = (reason or "").strip() or (
        f"由{old_unit}改派至{responsible_unit}" if moved else "维持原责任单位"
    )
    _event(issue, IssueEvent.Kind.REASSIGN, by, from_status=old, reason=note)
    _notify_unit(issue, f"问题 #{issue.pk} 已交办贵单位，请于 {_deadline_text(issue.deadline)} 前整改",
                 kind=NotificationKind.ASSIGNED)
    return issue


@transaction.atomic
def issue_reopen(*, issue, by, reason, deadline=None, now=None):
    """A closed issue came back (反弹): to the same unit with a new deadline; counted as a
    relapse by the `reopen` event."""
    issue = _lock(issue, by)
    _require_role(by, REVIEW_ROLES, "只有创城办工作人员和督查员可以重开问题。")
    reason = _require_reason(reason, label="反弹情况说明")
    WORKFLOW.check(issue, "reopen")
    if issue.responsible_unit_id is None:
        raise TransitionError("该问题没有责任单位，不能重开。")
    now = now or timezone.now()
    deadlines.require_not_past(deadline, now=now)
    deadline = deadline or suggest_deadline(category=issue.category, now=now)
    old = issue.status
    issue.status = Status.ASSIGNED
    issue.deadline = deadline
    issue.closed_at = None
    issue.save(update_fields=["status", "deadline", "closed_at", "updated"])
    _event(issue, IssueEvent.Kind.REOPEN, by, from_status=old, reason=reason)
    _notify_unit(issue, f"问题 #{issue.pk} 出现反弹，请于 {_deadline_text(deadline)} 前重新整改",
                 kind=NotificationKind.ASSIGNED)
    return issue


@transaction.atomic
def issue_comment(*, issue, by, text):
    """A remark on the timeline; anyone who can see the issue and is not read-only."""
    issue = Issue.objects.get_visible(by, issue.pk)
    if by.is_read_only:
        raise PermissionDenied("领导账号为只读。")
    text = _require_reason(text, field="text", label="备注内容")
    return _event(issue, IssueEvent.Kind.COMMENT, by, from_status=issue.status, reason=text)


@transaction.atomic
def extension_request(*, issue, by, reason, deadline, now=None):
    """The unit asks to move the deadline; one pending request per issue."""
    issue = _lock(issue, by)
    _require_unit_actor(by, issue)
    reason = _require_reason(reason, label="延期理由")
    WORKFLOW.check(issue, "request_extension")
    now = now or timezone.now()
    if deadline is None or deadline <= max(now, issue.deadline or now):
        raise ValidationError({"deadline": "申请延至的日期必须晚于当前整改期限。"})
    if issue.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise TransitionError("已有待审批的延期申请，请等待创城办审批。")
    ext = ExtensionRequest.objects.create(issue=issue, requested_by=by, reason=reason,
                                          requested_deadline=deadline)
    _event(issue, IssueEvent.Kind.EXTENSION_REQUEST, by, from_status=issue.status,
           reason=reason, deadline=deadline)
    notify(users=list(_region_offices(issue)), title=f"问题 #{issue.pk} 申请延期",
           body=f"{issue.responsible_unit} 申请延至 {_deadline_text(deadline)}：{reason}",
           url=issue.get_absolute_url())
    return ext


def _pending_extension(issue):
    ext = (ExtensionRequest.objects.select_for_update(of=("self",))
           .filter(issue=issue, status=ExtensionRequest.Status.PENDING).first())
    if ext is None:
        raise TransitionError("该问题没有待审批的延期申请。")
    return ext


@transaction.atomic
def extension_grant(*, issue, by, deadline=None, note=""):
    """The office grants the pending request; the deadline moves (a new deadline also starts
    the reminders afresh)."""
    issue = _lock(issue, by)
    _require_role(by, DISPATCH_ROLES, "只有创城办工作人员可以审批延期。")
    ext = _pending_extension(issue)
    deadlines.require_not_past(deadline, now=timezone.now())
    ext.status = ExtensionRequest.Status.GRANTED
    ext.decided_by, ext.decided_at = by, timezone.now()
    ext.decision_note = (note or "").strip()
    ext.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    issue.deadline = deadline or ext.requested_deadline
    issue.save(update_fields=["deadline", "updated"])
    _event(issue, IssueEvent.Kind.EXTENSION_GRANT, by, from_status=issue.status,
           reason=ext.decision_note)
    _notify_unit(issue, f"问题 #{issue.pk} 延期已同意，新期限 {_deadline_text(issue.deadline)}")
    return issue


@transaction.atomic
def extension_refuse(*, issue, by, reason):
    issue = _lock(issue, by)
    _require_role(by, DISPATCH_ROLES, "只有创城办工作人员可以审批延期。")
    reason = _require_reason(reason, label="不同意的理由")
    ext = _pending_extension(issue)
    ext.status = ExtensionRequest.Status.REFUSED
    ext.decided_by, ext.decided_at, ext.decision_note = by, timezone.now(), reason
    ext.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _event(issue, IssueEvent.Kind.EXTENSION_REFUSE, by, from_status=issue.status, reason=reason)
    _notify_unit(issue, f"问题 #{issue.pk} 延期申请未同意：{reason[:40]}")
    return issue


# Words of a checklist item → the category its failure usually is (when no category name
# appears in the item's text).
INSPECTION_KEYWORDS = [
    ("飞线", "飞线充电"), ("停放", "乱停乱放"), ("乱贴", "小广告/牛皮癣"),
    ("小广告", "小广告/牛皮癣"), ("路面", "路面破损"), ("公益广告", "公益广告破损"),
    ("店外经营", "占道经营"), ("占道", "占道经营"), ("游商", "占道经营"),
    ("垃圾", "卫生死角"), ("卫生", "卫生死角"), ("堆放", "乱堆乱放"), ("杂物", "乱堆乱放"),
    ("无障碍", "无障碍设施损坏"), ("盲道", "无障碍设施损坏"), ("四牌一图", "“四牌一图”缺失"),
    ("消防通道", "楼道堆物堵塞消防通道"),
]
DEFAULT_INSPECTION_CATEGORY = "其他问题"


def category_for_check_item(text, categories):
    """The category a failed checklist item is filed under: one whose name the item
    mentions, else one its keywords point to, else 其他问题, else the first category."""
    by_name = {c.name: c for c in categories}
    for category in categories:
        if category.name in text:
            return category
    for word, name in INSPECTION_KEYWORDS:
        if word in text and name in by_name:
            return by_name[name]
    return by_name.get(DEFAULT_INSPECTION_CATEGORY) or categories[0]


def issue_file_from_inspection(*, result, by, source=None, label=""):
    """A failed checklist item (不合格/严重不合格) becomes an issue at the inspected point
    (source `source`, by default 日常督查; `label`, e.g. a round's name, in front of the
    description; called by the points inspection service). The category comes from the
    check item (`category_for_check_item`); 严重不合格 makes it severe; a copy of the item's
    photo is the before-photo. Returns None when no category exists yet."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    categories = list(IssueCategory.objects.filter(is_active=True))
    if not categories:
        return None
    text = result.check_item.text
    category = category_for_check_item(text, categories)
    severity = Severity.SEVERE if result.verdict == "severe" else category.severity
    source = source or Source.DAILY
    verdict = "严重不合格" if result.verdict == "severe" else "不合格"
    description = (f"【{label}】" if label else "") + (
        f"{Source(source).label}{verdict}：{text}" if source != Source.DAILY
        else f"实地督查不合格：{text}") + (f"（{result.note}）" if result.note else "")
    point = result.inspection.point
    if not result.photo:
        return _file_without_photo(by=by, point=point, category=category,
                                   description=description, severity=severity, source=source)
    # A copy, so the issue's photo and the inspection's record live and die apart.
    with result.photo.open("rb") as fh:
        photo = SimpleUploadedFile(result.photo.name.rsplit("/", 1)[-1], fh.read())
    return issue_file(by=by, category=category, description=description, photos=[photo],
                      point=point, severity=severity, source=source, check_role=False)


@transaction.atomic
def _file_without_photo(*, by, point, category, description, severity, source=Source.DAILY):
    """Inspection findings carry the inspection record as their evidence when no photo was
    taken for the item."""
    issue = Issue.objects.create(
        point=point, category=category, description=description, severity=severity,
        source=source, address=point.address, region=region_for(point=point, by=by),
        created_by=by,
        relapse_of=relapse_target(point=point, category=category, found_at=timezone.now()),
    )
    _event(issue, IssueEvent.Kind.FILE, by)
    return issue


def visible_responsible_units(user):
    """Units the office may assign to: its region's active departments, streets,
    communities and enterprises — never the district itself nor the office that assigns."""
    return (Unit.objects.visible_to(user).filter(is_active=True)
            .exclude(kind__in=(*Unit.REGION_KINDS, Unit.Kind.OFFICE)).order_by("path"))



# --- Reference data the office keeps: categories and the working-day calendar --------------

SETTINGS_ROLES = {Role.OFFICE}


@transaction.atomic
def issue_category_save(*, category, by):
    """Create or update an issue category (the city office only: categories are shared by
    the whole city; history kept by simple-history). Raises PermissionDenied, ValidationError
    per field (e.g. a duplicate name, a suggested unit out of scope, a deadline of 0)."""
    require_city_office(by)
    before = (IssueCategory.objects.filter(pk=category.pk).values_list("suggested_unit_id",
                                                                       flat=True).first()
              if category.pk else None)
    if category.suggested_unit_id and category.suggested_unit_id != before and not (
            visible_responsible_units(by).filter(pk=category.suggested_unit_id).exists()):
        raise ValidationError({"suggested_unit": "建议责任单位不在您的管辖范围内。"})
    if category.deadline_value == 0:
        raise ValidationError({"deadline_value": "整改时限须大于 0。"})
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def holiday_save(*, day, name, is_workday, by):
    """Set one calendar day (a public holiday, or 调休上班 when `is_workday`), replacing what the
    calendar said for that date. The city office only (one calendar for the whole city). A
    holiday on a weekend or a working weekend on a weekday changes nothing, so both are
    refused with a message."""
    require_city_office(by)
    errors = {}
    if not name.strip():
        errors["name"] = "请填写名称，如“国庆节”。"
    if is_workday and day.weekday() < 5:
        errors["is_workday"] = f"{day:%Y-%m-%d} 是工作日，不需要设为调休上班。"
    if not is_workday and day.weekday() >= 5:
        errors["date"] = f"{day:%Y-%m-%d} 是周末，本来就不上班，不需要设为假日。"
    if errors:
        raise ValidationError(errors)
    holiday, _ = Holiday.objects.update_or_create(
        date=day, defaults={"name": name.strip()[:50], "is_workday": is_workday})
    return holiday


@transaction.atomic
def holiday_delete(*, holiday, by):
    require_city_office(by)
    holiday.delete()
