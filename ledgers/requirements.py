"""Managing ledger tasks (台账任务) for the office: save one, copy last year's, import from
Excel (all or nothing, row-numbered Chinese errors), export the list as Excel.

Errors: `PermissionDenied` (not office staff → 403), `ValidationError` with a Chinese message
per field (→ 400).
"""

import datetime as dt
import io
import re
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, Unit
from issues.deadlines import require_not_past
from jobs.excel import text as _text
from points.models import Framework, FrameworkItem

from .models import LedgerRequirement

# Units that hand in material (not the office or the district itself).
SUBMITTING_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.STREET, Unit.Kind.COMMUNITY)


def _check_office(by):
    if not (by.is_superuser or by.role == Role.OFFICE) or by.scope_path is None:
        raise PermissionDenied("只有创城办工作人员可以管理台账任务。")


def user_region(user):
    """The district (or city) whose tasks `user` manages: the unit at the user's region
    path; the unit itself when it is a region root."""
    if user.unit is None:
        return None
    if user.unit.path == user.unit.region_path:
        return user.unit
    return Unit.objects.filter(path=user.unit.region_path).first() or user.unit


def assessment_date(year):
    """The assessment's date in `year` (setting LEDGER_ASSESSMENT_DATE "MM-DD", default
    12-01)."""
    month, day = (int(x) for x in settings.LEDGER_ASSESSMENT_DATE.split("-"))
    return dt.date(year, month, day)


def default_material_window(year):
    """From 1 January up to one month before the assessment."""
    end = assessment_date(year)
    end = end.replace(month=end.month - 1) if end.month > 1 else end.replace(
        year=end.year - 1, month=12)
    return dt.date(year, 1, 1), end


def submitting_units(user):
    return (Unit.objects.visible_to(user).filter(is_active=True, kind__in=SUBMITTING_KINDS)
            .order_by("path"))


def standards():
    """The standards of the current framework edition (all standards if none is current)."""
    items = FrameworkItem.objects.filter(level=FrameworkItem.Level.STANDARD)
    current = Framework.objects.filter(is_current=True).first()
    return (items.filter(framework=current) if current else items).order_by("order", "id")


def clean_sample(uploaded):
    """A sample must be a real photo or a PDF/Word/Excel document, judged by its content.
    Returns the upload renamed to a fresh name with the sniffed extension."""
    from evidence.validators import validate_document, validate_image

    try:
        info = validate_image(uploaded)
    except ValidationError as image_error:
        if any(e.code == "file_too_large" for e in image_error.error_list):
            raise ValidationError({"sample": image_error.messages}) from None
        try:
            info = validate_document(uploaded)
        except ValidationError as exc:
            msg = exc.messages if any(e.code == "file_too_large" for e in exc.error_list) else \
                ["样例文件格式不正确，只接受照片（JPEG/PNG/WebP）或 PDF、Word、Excel 文件。"]
            raise ValidationError({"sample": msg}) from None
    uploaded.seek(0)
    uploaded.name = f"{uuid.uuid4().hex}.{info.ext}"
    return uploaded


def _saved_deadline(requirement):
    """The deadline as stored (None for a new task): an edit that keeps a passed deadline
    may still fix the task's other fields."""
    if requirement.pk is None:
        return None
    return (LedgerRequirement.objects.filter(pk=requirement.pk)
            .values_list("deadline", flat=True).first())


@transaction.atomic
def requirement_save(*, requirement, by, contributing_units=(), sample=None):
    """Create or update a task of the caller's region. The lead unit and the contributing
    units must be submitting units in the caller's scope (the lead is not also a
    contributor); a new or moved deadline is not before today; the windows are checked by
    the model."""
    if requirement.pk is not None:  # another region's task does not exist for the caller
        LedgerRequirement.objects.get_visible(by, requirement.pk, lock=True)
    _check_office(by)
    allowed = set(submitting_units(by).values_list("pk", flat=True))
    errors = {}
    if requirement.lead_unit_id not in allowed:
        errors["lead_unit"] = "牵头单位须为您管辖范围内的部门、街道或社区。"
    contributors = [u for u in contributing_units if u.pk != requirement.lead_unit_id]
    if any(u.pk not in allowed for u in contributors):
        errors["contributing_units"] = "配合单位须为您管辖范围内的部门、街道或社区。"
    if requirement.activity_name and not requirement.activity_start:
        errors["activity_start"] = "填写了活动名称，请同时填写活动开始和结束日期。"
    if requirement.deadline is not None and requirement.deadline != _saved_deadline(requirement):
        try:
            require_not_past(requirement.deadline, now=timezone.now(),
                             message="截止时间不能早于今天。")
        except ValidationError as exc:
            errors["deadline"] = exc.message_dict["deadline"][0]
    if requirement.pk is None:
        requirement.region = user_region(by)
        requirement.created_by = by
    if sample is not None:
        requirement.sample = clean_sample(sample)
    try:
        requirement.full_clean(exclude=["region", "created_by", "sample", "standard",
                                        "lead_unit"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages[0])
    if errors:
        raise ValidationError(errors)
    requirement.save()
    requirement.contributing_units.set(contributors)
    return requirement


def shift_year(value, years=1):
    """The same day `years` later (29 Feb → 28 Feb); works for dates and datetimes."""
    if value is None:
        return None
    try:
        return value.replace(year=value.year + years)
    except ValueError:
        return value.replace(year=value.year + years, day=28)


def _shift_deadline(deadline, years):
    local = timezone.localtime(deadline)
    return timezone.make_aware(shift_year(local.replace(tzinfo=None), years))


@transaction.atomic
def requirements_copy(*, by, requirement_ids, target_year=None):
    """Copy the chosen tasks (of the caller's scope) into `target_year` (default: each
    source's year + 1): dates shifted by the same number of years, the same standard, lead
    and contributing units, requirements and guidance; the sample file is shared. All or
    nothing. Returns the new tasks."""
    _check_office(by)
    ids = list(dict.fromkeys(int(i) for i in requirement_ids))
    if not ids:
        raise ValidationError({"requirements": "请至少选择一个要复制的台账任务。"})
    sources = list(LedgerRequirement.objects.visible_to(by).filter(pk__in=ids)
                   .select_related("region").prefetch_related("contributing_units")
                   .order_by("deadline", "id"))
    if len(sources) != len(ids):
        raise ValidationError({"requirements": "所选任务中有不在您管辖范围内的，请刷新后重试。"})
    copied = set(LedgerRequirement.objects.filter(copied_from__in=sources)
                 .values_list("copied_from_id", "year"))
    again = [s.title for s in sources if (s.pk, target_year or s.year + 1) in copied]
    if again:
        raise ValidationError({"requirements": f"以下任务已复制过，不能重复复制：{'、'.join(again)}。"})
    region = user_region(by)
    made = []
    for src in sources:
        years = (target_year - src.year) if target_year else 1
        if years <= 0:
            raise ValidationError({"year": "目标年度须晚于被复制任务的年度。"})
        copy = LedgerRequirement(
            region=src.region if src.region.path.startswith(by.scope_path) else region,
            year=src.year + years, standard_id=src.standard_id, title=src.title,
            lead_unit_id=src.lead_unit_id, deadline=_shift_deadline(src.deadline, years),
            photo_count=src.photo_count, report_required=src.report_required,
            document_count=src.document_count, documents_note=src.documents_note,
            material_start=shift_year(src.material_start, years),
            material_end=shift_year(src.material_end, years),
            activity_name=src.activity_name,
            activity_start=shift_year(src.activity_start, years),
            activity_end=shift_year(src.activity_end, years),
            guidance=src.guidance, sample=src.sample.name if src.sample else "",
            copied_from=src, created_by=by,
        )
        copy.save()
        copy.contributing_units.set(src.contributing_units.all())
        made.append(copy)
    return made


# --- Excel --------------------------------------------------------------------------------

HEADERS = ["年度", "测评标准编号", "任务名称", "牵头单位", "配合单位", "截止时间", "照片数量",
           "需要说明报告", "文件数量", "文件要求", "材料起始日期", "材料截止日期", "活动名称",
           "活动开始日期", "活动结束日期", "填报说明"]
EXAMPLE = ["2026", "3.3.1", "移风易俗工作台账", "区民政局", "东街街道、西街街道", "2026-10-15 18:00",
           "4", "是", "1", "部署文件", "2026-01-01", "2026-11-01", "我们的节日·重阳",
           "2026-10-29", "2026-10-31", "照片须标注时间、地点、人物、主题、事由。"]
SPLIT = re.compile(r"[、，,；;\s]+")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d")
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M") + DATE_FORMATS
YES, NO = {"是", "需要", "要", "y", "yes", "1", "true"}, {"否", "不需要", "不要", "n", "no", "0",
                                                        "false", ""}


def _parse(value, formats):
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0, 0))
    text = _text(value)
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def requirements_template_workbook():
    """The import template: headers, one example row, the standards and the units."""
    from jobs.excel import template_workbook

    # The example's dates follow the calendar, so the example row itself imports.
    today = timezone.localdate()
    deadline = today + dt.timedelta(days=30)
    example = list(EXAMPLE)
    example[0] = str(today.year)
    example[5] = f"{deadline:%Y-%m-%d} 18:00"
    return template_workbook([
        ("台账任务", HEADERS, [example]),
        ("测评标准", ["编号", "名称"], [[s.code, s.title] for s in standards()]),
    ])


def requirements_import(*, file, by, progress=None):
    """Import tasks for the caller's region from a workbook with HEADERS, all or nothing: if
    any row is bad every bad row is reported (Excel row number, column, Chinese message) and
    nothing is written. Standards are matched by code in the current framework edition,
    units by full name in the caller's scope. A constant handful of queries plus inserts."""
    from jobs.excel import ImportResult, by_name, data_rows

    _check_office(by)
    by_code = {s.code: s for s in standards()}
    units = by_name(submitting_units(by))
    today = timezone.localdate()
    this_year = today.year
    result = ImportResult()
    error = result.error
    parsed = []
    for number, values in data_rows(file, HEADERS, progress):
        cells = dict(zip(HEADERS, values, strict=True))
        before = len(result.errors)
        year_text = _text(cells["年度"])
        year = this_year
        if year_text:
            if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
                error(number, "年度", f"年度“{year_text}”无效，请填写如 {this_year}。")
            else:
                year = int(year_text)
        code = _text(cells["测评标准编号"])
        standard = by_code.get(code)
        if standard is None:
            error(number, "测评标准编号", f"测评标准编号“{code}”不存在，请对照模板第二页填写。"
                  if code else "测评标准编号不能为空。")
        title = _text(cells["任务名称"]) or (standard.title + "台账" if standard else "")
        if len(title) > 200:
            error(number, "任务名称", "任务名称过长（最多200字）。")
        lead_name = _text(cells["牵头单位"])
        lead = result.named(units, number, "牵头单位", lead_name, what="单位")
        contributors = []
        for name in SPLIT.split(_text(cells["配合单位"])):
            unit = result.named(units, number, "配合单位", name, what="单位", required=False)
            if unit is not None and (lead is None or unit.pk != lead.pk):
                contributors.append(unit)
        deadline = _parse(cells["截止时间"], TIME_FORMATS)
        if deadline is None:
            error(number, "截止时间", "截止时间不能为空。" if not _text(cells["截止时间"]) else
                  f"截止时间“{_text(cells['截止时间'])}”无法识别，请填写如 2026-10-15 18:00。")
        else:
            if deadline.time() == dt.time(0, 0):
                deadline = deadline.replace(hour=23, minute=59)  # a day means its end
            if deadline.date() < today:  # as on the page: never born past its deadline
                error(number, "截止时间", f"截止时间“{_text(cells['截止时间'])}”早于今天，"
                      "截止时间不能早于今天。")
        counts = {}
        for column in ("照片数量", "文件数量"):
            text = _text(cells[column]) or "0"
            if not text.isdigit() or int(text) > 100:
                error(number, column, f"{column}“{text}”无效，请填写 0～100 的整数。")
            else:
                counts[column] = int(text)
        report_text = _text(cells["需要说明报告"]).lower() or "是"
        if report_text not in YES | NO:
            error(number, "需要说明报告", f"“{report_text}”无效，请填写“是”或“否”。")
        dates = {}
        for column in ("材料起始日期", "材料截止日期", "活动开始日期", "活动结束日期"):
            text = _text(cells[column])
            if not text and cells[column] is None:
                dates[column] = None
                continue
            moment = _parse(cells[column], DATE_FORMATS)
            if moment is None:
                error(number, column, f"{column}“{text}”无法识别，请填写如 2026-01-01。")
            else:
                dates[column] = moment.date()
        start, end = default_material_window(year)
        start = dates.get("材料起始日期") or start
        end = dates.get("材料截止日期") or end
        if start > end:
            error(number, "材料截止日期", "材料截止日期不能早于起始日期。")
        a_start, a_end = dates.get("活动开始日期"), dates.get("活动结束日期")
        if bool(a_start) != bool(a_end):
            error(number, "活动结束日期", "活动开始和结束日期要同时填写。")
        elif a_start and a_start > a_end:
            error(number, "活动结束日期", "活动结束日期不能早于开始日期。")
        activity = _text(cells["活动名称"])
        if activity and not a_start:
            error(number, "活动开始日期", "填写了活动名称，请同时填写活动开始和结束日期。")
        if len(result.errors) == before:
            parsed.append((LedgerRequirement(
                year=year, standard=standard, title=title, lead_unit=lead,
                deadline=timezone.make_aware(deadline) if timezone.is_naive(deadline)
                else deadline,
                photo_count=counts["照片数量"], document_count=counts["文件数量"],
                report_required=report_text in YES,
                documents_note=_text(cells["文件要求"])[:300], material_start=start,
                material_end=end, activity_name=activity[:100], activity_start=a_start,
                activity_end=a_end, guidance=_text(cells["填报说明"]), created_by=by,
            ), contributors))
    if result.stop(parsed):
        return result
    region = user_region(by)
    for requirement, _ in parsed:
        requirement.region = region
    with transaction.atomic():
        made = LedgerRequirement.objects.bulk_create([r for r, _ in parsed])
        through = LedgerRequirement.contributing_units.through
        through.objects.bulk_create([
            through(ledgerrequirement_id=r.pk, unit_id=u.pk)
            for r, (_, units) in zip(made, parsed, strict=True) for u in units])
    result.created = len(made)
    if progress:
        progress(result.created, result.created)
    return result


def requirements_export_file(queryset, filters="全部"):
    """The list as an Excel workbook (bytes): a report sheet (title with `filters`, header on
    row 2, auto-filter, date cells) with the import columns — so an edited export imports
    again — plus the progress figures, in the order given. Reads `queryset.with_progress()`
    rows and their contributors in two queries."""
    from jobs.excel import Column, ReportSheet, xlsx_workbook

    kinds = {"年度": "number", "照片数量": "number", "文件数量": "number",
             "截止时间": "datetime", "材料起始日期": "date", "材料截止日期": "date",
             "活动开始日期": "date", "活动结束日期": "date", "任务名称": "wrap",
             "填报说明": "wrap"}
    widths = {"任务名称": 28, "填报说明": 36, "配合单位": 24, "截止时间": 18}
    extra = ["单位数", "已签字", "已退回", "审核通过", "完成率（%）", "按时率（%）"]
    columns = ([Column(h, widths.get(h, 14), kinds.get(h, "text")) for h in HEADERS]
               + [Column(h, 11, "number") for h in extra])
    rows = list(queryset.select_related("standard", "lead_unit")
                .prefetch_related("contributing_units"))
    buffer = io.BytesIO()
    workbook = xlsx_workbook(buffer, {"in_memory": True})
    sheet = ReportSheet(workbook, "台账任务", title="台账任务清单", filters=filters,
                        columns=columns)
    for r in rows:
        sheet.append([
            r.year, r.standard.code, r.title, r.lead_unit.name,
            "、".join(u.name for u in r.contributing_units.all()),
            r.deadline, r.photo_count, "是" if r.report_required else "否", r.document_count,
            r.documents_note, r.material_start, r.material_end, r.activity_name,
            r.activity_start, r.activity_end, r.guidance,
            getattr(r, "unit_count", None), getattr(r, "signed_count", None),
            getattr(r, "returned_count", None), getattr(r, "approved_count", None),
            r.completion() if hasattr(r, "approved_count") else None,
            round(r.on_time_rate) if getattr(r, "on_time_rate", None) is not None else None,
        ])
    sheet.close()
    workbook.close()
    return buffer.getvalue()
