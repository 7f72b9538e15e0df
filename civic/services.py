"""Writes of residents' reports: submission (web form and Open311), acceptance as an issue,
merging, refusal and the erasure of phone numbers. Views, the Open311 interface and the
daily task all call these.

Every decision: checks the role (PermissionDenied → 403), locks the report
(select_for_update), checks its state (TransitionError → 409), writes one ReportEvent and
saves with update_fields. Issues are created through `issues.services` only.
"""

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from accounts.models import Role, Unit
from accounts.scoping import may_write
from config.celery import enqueue_on_commit
from evidence.duplicates import find_near_duplicates
from evidence.processing import hash_bands
from issues import services as issue_services
from issues.models import Issue, IssuePhoto, Source
from issues.models import Status as IssueStatus
from issues.photos import _read as read_photo
from issues.photos import distance_m, validate_photos
from issues.services import TransitionError
from points.models import Point

from .models import CivicPolicy, CivicReport, ReportCategory, ReportEvent, ReportPhoto

MAX_PHOTOS = 3
MIN_DESCRIPTION = 4
MAX_DESCRIPTION = 500
DEFAULT_RETENTION_DAYS = 30
# Mobile (11 digits from 1[3-9]) or a landline with its area code (0 + 9–11 digits), after
# spaces, dashes and +86 are removed.
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{9,11})$")


def setting(name, default):
    return getattr(settings, name, default)


# --- Where a report is ---------------------------------------------------------------------

def city_bounds():
    """(lat_min, lng_min, lat_max, lng_max) a report must lie in: CIVIC_BOUNDS when set,
    else the box of every located point widened by CIVIC_BOUNDS_MARGIN_KM (default 5 km);
    None when no point has coordinates yet. Cached for ten minutes (one aggregate query)."""
    configured = setting("CIVIC_BOUNDS", None)
    if configured:
        return tuple(float(v) for v in configured)
    bounds = cache.get("civic:bounds")
    if bounds is None:
        box = Point.objects.filter(latitude__isnull=False, longitude__isnull=False).aggregate(
            lat_min=Min("latitude"), lat_max=Max("latitude"), lng_min=Min("longitude"),
            lng_max=Max("longitude"))
        if box["lat_min"] is None:
            bounds = ()
        else:
            margin_km = setting("CIVIC_BOUNDS_MARGIN_KM", 5)
            dlat = margin_km / 111
            dlng = margin_km / (111 * max(0.2, math.cos(math.radians(float(box["lat_min"])))))
            bounds = (float(box["lat_min"]) - dlat, float(box["lng_min"]) - dlng,
                      float(box["lat_max"]) + dlat, float(box["lng_max"]) + dlng)
        cache.set("civic:bounds", bounds, 600)
    return bounds or None


def nearest_point(lat, lng, *, within_m, region=None):
    """The active point nearest to (lat, lng) within `within_m` metres, optionally in one
    region, or None. One query over the box around the place."""
    lat, lng = float(lat), float(lng)
    dlat = within_m / 111_000
    dlng = within_m / (111_000 * max(0.2, math.cos(math.radians(lat))))
    qs = Point.objects.filter(is_active=True, latitude__range=(lat - dlat, lat + dlat),
                              longitude__range=(lng - dlng, lng + dlng))
    if region is not None:
        qs = qs.filter(territorial_unit__region_path=region.path)
    best, best_d = None, None
    for point in qs.select_related("territorial_unit", "supervising_unit"):
        d = distance_m(lat, lng, float(point.latitude), float(point.longitude))
        if d <= within_m and (best_d is None or d < best_d):
            best, best_d = point, d
    return best


def region_at(lat, lng):
    """The district of the nearest point within CIVIC_REGION_RADIUS_M (default 3 km)."""
    point = nearest_point(lat, lng, within_m=setting("CIVIC_REGION_RADIUS_M", 3000))
    if point is None:
        return None
    region_id = point.territorial_unit.region_path.strip("/").split("/")[-1]
    return Unit.objects.filter(pk=int(region_id)).first()


def report_regions():
    """Districts a resident may choose when the report has no coordinates."""
    return Unit.objects.filter(kind=Unit.Kind.DISTRICT, is_active=True).order_by("path")


# --- Submission ----------------------------------------------------------------------------

def _coordinate(value, low, high):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return False
    if not number.is_finite() or not low <= number <= high:
        return False
    return number.quantize(Decimal("0.000001"))


def normalize_phone(raw):
    """Digits of a Chinese phone number, "" for none; ValueError when it is not one."""
    text = re.sub(r"[\s\-()（）]", "", raw or "")
    if text.startswith("+86"):
        text = text[3:]
    if not text:
        return ""
    if not PHONE_RE.match(text):
        raise ValueError(text)
    return text


def _clean_location(latitude, longitude, address, region, errors):
    lat = _coordinate(latitude, -90, 90)
    lng = _coordinate(longitude, -180, 180)
    if lat is False or lng is False or (lat is None) != (lng is None):
        errors["location"] = "位置坐标不正确，请重新定位或在地图上选点。"
        return None, None, None
    if lat is not None:
        bounds = city_bounds()
        if bounds and not (bounds[0] <= lat <= bounds[2] and bounds[1] <= lng <= bounds[3]):
            errors["location"] = ("这个位置不在本市范围内，只能反映本市的问题。"
                                  "请在现场重新定位，或在地图上选择正确的位置。")
            return None, None, None
        region = region_at(lat, lng) or region
    elif not address:
        errors["location"] = "请点“获取我的位置”、在地图上选点，或填写问题所在的地址。"
    if region is None and "location" not in errors:
        errors["region"] = "请选择问题所在的区县。"
    return lat, lng, region


@transaction.atomic
def report_submit(*, category, description, photos, latitude=None, longitude=None,
                  address="", phone="", region=None, channel=CivicReport.Channel.WEB,
                  api_key=None, require_photo=True, media_url=""):
    """A resident's (or an external system's) report enters the moderation queue.

    Everything is checked before anything is written (ValidationError per field: category,
    description, location/region, photos, phone), so a refused report leaves no row and no
    file. The district comes from the nearest point when the report has coordinates, else
    from `region`. Each photo's perceptual hash is computed now (duplicate suggestions need
    it at once); thumbnails follow in the worker after commit. The phone number is stored
    encrypted.
    """
    errors = {}
    if category is None or not category.is_active:
        errors["category"] = "请选择问题类型。"
    description = (description or "").strip()
    if len(description) < MIN_DESCRIPTION:
        errors["description"] = f"请用几句话说明看到的问题（至少 {MIN_DESCRIPTION} 个字）。"
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = f"描述请不要超过 {MAX_DESCRIPTION} 个字。"
    address = (address or "").strip()
    if len(address) > 255:
        errors["address"] = "地址太长，请写主要的路名和门牌号。"
        address = ""
    lat, lng, region = _clean_location(latitude, longitude, address, region, errors)
    try:
        phone = normalize_phone(phone)
    except ValueError:
        errors["phone"] = "电话号码格式不正确，请填写 11 位手机号或带区号的固定电话，也可以不填。"
    photos = list(photos or [])
    infos = []
    if not photos and require_photo:
        errors["photos"] = "请拍一张或选一张现场照片。"
    elif len(photos) > MAX_PHOTOS:
        errors["photos"] = f"照片最多 {MAX_PHOTOS} 张。"
    else:
        try:
            infos = validate_photos(photos)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    report = CivicReport(region=region, category=category, description=description,
                         latitude=lat, longitude=lng, address=address, channel=channel,
                         api_key=api_key, media_url=media_url)
    report.set_phone(phone)
    report.save()
    _attach_photos(report, photos, infos)
    ReportEvent.objects.create(report=report, kind=ReportEvent.Kind.RECEIVE,
                               note=report.get_channel_display()
                               + (f"：{api_key.name}" if api_key else ""))
    _mark_duplicates(report)
    return report


def _mark_duplicates(report):
    """Flag this report and the reports it looks like (report_duplicates) for the queue's
    疑似重复 badge: one UPDATE, so the queue reads a column instead of a lookup per row."""
    others, _issues = report_duplicates(report)
    if others:
        ids = [report.pk, *(other.pk for other, _reasons in others)]
        CivicReport.objects.filter(pk__in=ids, likely_duplicate=False).update(
            likely_duplicate=True)
        report.likely_duplicate = True


def _recheck_lookalikes(report):
    """After `report` was refused or merged: the reports flagged 疑似重复 because of it that
    no longer look like another live case lose the badge (a refused report is no case; a
    merged one is represented by the report it joined)."""
    others, _issues = report_duplicates(report)
    cleared = [other.pk for other, _reasons in others
               if other.likely_duplicate and other.status == CivicReport.Status.NEW
               and not report_duplicates(other)[0]]
    if cleared:
        CivicReport.objects.filter(pk__in=cleared).update(likely_duplicate=False)


def _attach_photos(report, files, infos):
    for f, info in zip(files, infos, strict=True):
        photo = ReportPhoto(report=report)
        photo.attach(f, info)
        photo.phash = read_photo(f)[0]
        (photo.phash_band0, photo.phash_band1,
         photo.phash_band2, photo.phash_band3) = hash_bands(photo.phash)
        photo.save()
        enqueue_on_commit("civic.tasks.process_report_photo_task", photo.pk)


# --- Duplicates ----------------------------------------------------------------------------

def report_duplicates(report):
    """Reports that look like the same case: of the same district, within
    CIVIC_DUPLICATE_RADIUS_M (default 100 m) and CIVIC_DUPLICATE_DAYS (default 14) of this
    one, or with a photo whose perceptual hash is near one of this report's photos
    (evidence.duplicates). Also the issues one of whose photos is near. Returns
    (reports, issues): reports as [(report, [reasons])], issues as [(issue, distance)].
    Merged reports are represented by the report they were merged into. Costs one query for
    the place, two per photo for the hashes and one each to read the matches."""
    reasons = {}
    window = dt.timedelta(days=setting("CIVIC_DUPLICATE_DAYS", 14))
    radius = setting("CIVIC_DUPLICATE_RADIUS_M", 100)
    if report.latitude is not None:
        lat, lng = float(report.latitude), float(report.longitude)
        nearby = (CivicReport.objects.filter(region_id=report.region_id,
                                             created__range=(report.created - window,
                                                             report.created + window))
                  .exclude(pk=report.pk).exclude(status=CivicReport.Status.REJECTED)
                  .near(lat, lng, radius).values_list("pk", "latitude", "longitude",
                                                      "duplicate_of_id"))
        for pk, olat, olng, root_id in nearby:
            d = distance_m(lat, lng, float(olat), float(olng))
            if d <= radius:
                reasons.setdefault(root_id or pk, []).append(f"相距约 {d:.0f} 米")
    issue_hits = {}
    for photo in report.photos.all():
        for match in find_near_duplicates(photo.phash, exclude=[(ReportPhoto, photo.pk)],
                                          models=[ReportPhoto, IssuePhoto]):
            if match.model is ReportPhoto:
                reasons.setdefault(("photo", match.pk), []).append(
                    f"照片相似（相差 {match.distance} 位）")
            else:
                issue_hits.setdefault(match.pk, match.distance)
    photo_keys = [k for k in reasons if isinstance(k, tuple)]
    if photo_keys:
        by_photo = dict(ReportPhoto.objects.filter(pk__in=[k[1] for k in photo_keys])
                        .values_list("pk", "report_id"))
        roots = dict(CivicReport.objects.filter(pk__in=by_photo.values())
                     .values_list("pk", "duplicate_of_id"))
        for key in photo_keys:
            report_id = by_photo.get(key[1])
            texts = reasons.pop(key)
            if report_id is None or report_id == report.pk:
                continue
            target = roots.get(report_id) or report_id
            reasons.setdefault(target, []).extend(texts)
    reasons.pop(report.pk, None)
    others = (CivicReport.objects.filter(pk__in=list(reasons), region_id=report.region_id)
              .exclude(status=CivicReport.Status.REJECTED)
              .select_related("category", "issue").order_by("-created"))
    reports = [(other, sorted(set(reasons[other.pk]))) for other in others]
    issues = []
    if issue_hits:
        photos = dict(IssuePhoto.objects.filter(pk__in=list(issue_hits))
                      .values_list("pk", "issue_id"))
        found = Issue.objects.filter(pk__in=set(photos.values()), region_id=report.region_id
                                     ).select_related("category", "point")
        best = {}
        for photo_pk, issue_id in photos.items():
            best[issue_id] = min(best.get(issue_id, 64), issue_hits[photo_pk])
        issues = [(issue, best[issue.pk]) for issue in found]
    return reports, issues


# --- Decisions -----------------------------------------------------------------------------

def _require_office(by):
    if not may_write(by, {Role.OFFICE}):
        raise PermissionDenied("只有创城办工作人员可以审核随手拍。")


def _lock(report, by):
    """The report locked, if it lies in the office's region (404-like PermissionDenied
    otherwise: a view reaches here only through the scoped queryset)."""
    locked = (CivicReport.objects.select_for_update(of=("self",)).visible_to(by)
              .select_related("category__issue_category", "region").filter(pk=report.pk)
              .first())
    if locked is None:
        raise PermissionDenied("这条随手拍不在您的辖区内。")
    return locked


def _require_new(report, action):
    if report.status != CivicReport.Status.NEW:
        raise TransitionError(f"这条随手拍当前为“{report.get_status_display()}”，不能{action}。")


def _photo_copies(report):
    copies = []
    for photo in report.photos.all():
        with photo.file.open("rb") as fh:
            copies.append(SimpleUploadedFile(photo.file.name.rsplit("/", 1)[-1], fh.read()))
    return copies


@transaction.atomic
def report_accept(*, report, by, category=None, point=None, responsible_unit=None,
                  deadline=None, now=None):
    """The office accepts a report as an issue, routed like an inspection finding: at the
    nearest active point within CIVIC_POINT_RADIUS_M (default 300 m) unless one is given,
    under the report category's issue category, with copies of the report's photos as
    before-photos, source 市民反映 (12345 for pushed cases). It is then dispatched to the
    given unit, else to the unit `issues.services.suggest_unit` names, with the category's
    deadline; with no unit to suggest it waits as 待派发 in the issue list.

    Locks the report; only 待审核 ones (TransitionError). Writes the issue through
    issues.services (its file, assign and comment events), one `accept` event, and links
    the report. Raises PermissionDenied, ValidationError from the issue services."""
    _require_office(by)
    report = _lock(report, by)
    _require_new(report, "转为问题")
    category = category or report.category.issue_category
    if point is None and report.latitude is not None:
        point = nearest_point(report.latitude, report.longitude,
                              within_m=setting("CIVIC_POINT_RADIUS_M", 300),
                              region=report.region)
    hotline = report.channel == CivicReport.Channel.OPEN311
    issue = issue_services.issue_file(
        by=by, category=category, description=report.description,
        photos=_photo_copies(report), point=point,
        source=Source.HOTLINE if hotline else Source.CITIZEN,
        latitude=report.latitude, longitude=report.longitude, address=report.address,
        region=report.region, require_photos=False)
    origin = f"{report.api_key.name}推送" if hotline and report.api_key_id else "市民随手拍"
    issue_services.issue_comment(
        issue=issue, by=by,
        text=f"由{origin} #{report.pk} 转入（{timezone.localtime(report.created):%Y-%m-%d %H:%M}上报）")
    unit = responsible_unit or issue_services.suggest_unit(point=point, category=category)
    if unit is not None and Unit.objects.visible_to(by).filter(pk=unit.pk).exists():
        issue = issue_services.issue_assign(issue=issue, by=by, responsible_unit=unit,
                                            deadline=deadline, now=now)
    elif responsible_unit is not None:
        raise ValidationError({"responsible_unit": "请选择本辖区内的责任单位。"})
    report.status = CivicReport.Status.ACCEPTED
    report.issue = issue
    report.decided_by, report.decided_at = by, now or timezone.now()
    report.save(update_fields=["status", "issue", "decided_by", "decided_at", "updated"])
    ReportEvent.objects.create(report=report, kind=ReportEvent.Kind.ACCEPT, actor=by,
                               note=f"转为问题 #{issue.pk}")
    return report


@transaction.atomic
def report_reject(*, report, by, reason, note="", now=None):
    """不予受理 with a reason from `CivicReport.RejectReason` (ValidationError otherwise); the
    reporter's page shows the reason's words and the note."""
    _require_office(by)
    if reason not in CivicReport.RejectReason.values:
        raise ValidationError({"reason": "请选择不予受理的原因。"})
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": "补充说明请不要超过 200 字。"})
    report = _lock(report, by)
    _require_new(report, "不予受理")
    report.status = CivicReport.Status.REJECTED
    report.reject_reason, report.reject_note = reason, note
    report.decided_by, report.decided_at = by, now or timezone.now()
    report.save(update_fields=["status", "reject_reason", "reject_note", "decided_by",
                               "decided_at", "updated"])
    ReportEvent.objects.create(report=report, kind=ReportEvent.Kind.REJECT, actor=by,
                               note=report.get_reject_reason_display()
                               + (f"：{note}" if note else ""))
    _recheck_lookalikes(report)
    return report


@transaction.atomic
def report_merge(*, report, into, by, now=None):
    """A duplicate joins the report it repeats (the one that one was merged into, if any):
    its reporter's page then follows that case. Reports merged into this one follow too.
    Both must be of the office's region; `report` must be 待审核."""
    _require_office(by)
    report = _lock(report, by)
    _require_new(report, "合并")
    target = _lock(into, by).root()
    if target.pk == report.pk:
        raise ValidationError({"into": "不能合并到自己。"})
    if target.status == CivicReport.Status.REJECTED:
        raise ValidationError({"into": "不能合并到不予受理的随手拍。"})
    report.status = CivicReport.Status.MERGED
    report.duplicate_of = target
    report.decided_by, report.decided_at = by, now or timezone.now()
    report.save(update_fields=["status", "duplicate_of", "decided_by", "decided_at",
                               "updated"])
    CivicReport.objects.filter(duplicate_of=report).update(duplicate_of=target)
    ReportEvent.objects.create(report=report, kind=ReportEvent.Kind.MERGE, actor=by,
                               note=f"与随手拍 #{target.pk} 为同一问题，已合并")
    _recheck_lookalikes(report)
    return report


# --- What the reporter sees ----------------------------------------------------------------

PUBLIC_STATES = {
    "received": ("已受理", "您反映的问题已收到，正在核实。"),
    "forwarded": ("已转办", "问题已转交责任单位整改。"),
    "closed": ("已办结", "问题已整改完毕并经复核销号，感谢您的监督。"),
    "rejected": ("不予受理", ""),
}


def public_state(report):
    """(key, label, explanation, when) of a report as its reporter sees it: 已受理 while the
    office looks at it, 已转办 once it is an issue, 已办结 when that issue is closed,
    不予受理 with the reason. A merged report follows the report it joined. Says nothing
    about anybody else's report or the units involved."""
    root = report.root()
    if root.status == CivicReport.Status.REJECTED:
        text = root.get_reject_reason_display() + (f"。{root.reject_note}" if root.reject_note
                                                    else "")
        return "rejected", PUBLIC_STATES["rejected"][0], text, root.decided_at
    if root.status == CivicReport.Status.ACCEPTED and root.issue_id:
        issue = root.issue
        if issue.status == IssueStatus.CLOSED:
            return "closed", *PUBLIC_STATES["closed"], issue.closed_at
        return "forwarded", *PUBLIC_STATES["forwarded"], root.decided_at
    return "received", *PUBLIC_STATES["received"], report.created


# --- The office's settings -----------------------------------------------------------------

def retention_days(region):
    policy = CivicPolicy.objects.filter(region=region).first()
    return policy.phone_retention_days if policy else DEFAULT_RETENTION_DAYS


@transaction.atomic
def policy_save(*, region, by, phone_retention_days):
    """Set how many days a district keeps reporters' numbers after a case ends (0–3650)."""
    _require_office(by)
    if not Unit.objects.visible_to(by).filter(pk=region.pk).exists():
        raise PermissionDenied("只能设置本辖区。")
    if phone_retention_days is None or not 0 <= phone_retention_days <= 3650:
        raise ValidationError({"phone_retention_days": "请填写 0 到 3650 之间的天数。"})
    policy, _ = CivicPolicy.objects.update_or_create(
        region=region, defaults={"phone_retention_days": phone_retention_days})
    return policy


CATEGORIES_DENIED = "随手拍类别是全市统一的市民选项，只有市创城办可以修改。"


def may_edit_categories(user):
    """The plain-language choices are the same on every district's poster and in the
    Open311 service list: only the city office changes them."""
    return user.is_authenticated and user.is_city_office


@transaction.atomic
def report_category_save(*, category, by):
    """Create or change a plain-language category (city office only; ValidationError per
    field)."""
    if not may_edit_categories(by):
        raise PermissionDenied(CATEGORIES_DENIED)
    category.full_clean()
    category.save()
    return category


def phones_erase_expired(*, now=None):
    """Erase the phone number of every report whose case ended (closed issue, refusal, or
    the same for the report it was merged into) more than its district's retention period
    ago. Set-based: one UPDATE and one INSERT of events per district. Returns the count."""
    now = now or timezone.now()
    total = 0
    regions = set(CivicReport.objects.exclude(phone_cipher="").values_list("region_id",
                                                                           flat=True))
    policies = dict(CivicPolicy.objects.values_list("region_id", "phone_retention_days"))
    for region_id in regions:
        cutoff = now - dt.timedelta(days=policies.get(region_id, DEFAULT_RETENTION_DAYS))
        ended = (Q(status=CivicReport.Status.REJECTED, decided_at__lt=cutoff)
                 | Q(status=CivicReport.Status.ACCEPTED, issue__status=IssueStatus.CLOSED,
                     issue__closed_at__lt=cutoff)
                 | Q(status=CivicReport.Status.MERGED,
                     duplicate_of__status=CivicReport.Status.REJECTED,
                     duplicate_of__decided_at__lt=cutoff)
                 | Q(status=CivicReport.Status.MERGED,
                     duplicate_of__issue__status=IssueStatus.CLOSED,
                     duplicate_of__issue__closed_at__lt=cutoff))
        ids = list(CivicReport.objects.filter(ended, region_id=region_id)
                   .exclude(phone_cipher="").values_list("pk", flat=True))
        if not ids:
            continue
        with transaction.atomic():
            CivicReport.objects.filter(pk__in=ids).update(phone_cipher="", phone_erased_at=now,
                                                          updated=F("updated"))
            ReportEvent.objects.bulk_create(
                [ReportEvent(report_id=pk, kind=ReportEvent.Kind.ERASE_PHONE,
                             note="办结后保留期满，已删除联系电话") for pk in ids])
        total += len(ids)
    return total


def active_categories():
    return ReportCategory.objects.filter(is_active=True).select_related("issue_category")
