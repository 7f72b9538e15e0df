"""Bulk import of findings (暗访, 模拟测评 …) from a workbook, all or nothing, with the same
row-numbered Chinese error report as the points import."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.scoping import require_city_office
from jobs.excel import ImportResult, by_name, data_rows, template_workbook
from jobs.excel import text as _text
from points.models import Point

from . import deadlines
from .models import Issue, IssueCategory, IssueEvent, Source, Status
from .services import FILE_ROLES, _require_role, relapse_targets

HEADERS = ["点位", "问题类别", "问题描述", "来源", "发现时间"]
EXAMPLE = ["东关农贸市场", "占道经营", "市场东门外水果摊占道经营", "暗访", "2026-11-20 10:30"]
MAX_DESCRIPTION = 1000
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M",
                "%Y/%m/%d", "%Y年%m月%d日")


def _found_at(value, now):
    """(aware datetime or None, error message or None) from a cell: a date, a datetime, or
    text in one of TIME_FORMATS, read as local time; blank means now."""
    if value is None or _text(value) == "":
        return now, None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(0, 0))
    else:
        text = _text(value)
        for fmt in TIME_FORMATS:
            try:
                moment = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            return None, f"发现时间“{text}”无法识别，请填写如 2026-11-20 或 2026-11-20 10:30。"
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=deadlines.local_tz())
    if moment > now + dt.timedelta(minutes=5):
        return None, "发现时间不能晚于现在。"
    return moment, None


def issues_import(*, file, by, now=None, progress=None):
    """Import findings from a workbook with HEADERS as new issues (待派发), all or nothing:
    if any row is bad every bad row is reported (Excel row number, column, Chinese message)
    and nothing is written. Points are matched by name within the caller's scope, categories
    by name, 来源 by its label (blank: 暗访), 发现时间 becomes the issue's found time (blank:
    now). Rows are checked outside any transaction (`progress(done, total)` is seen by the
    page meanwhile), then all are written in one transaction. Raises ImportFileError for a
    non-workbook or wrong headers, PermissionDenied for roles that may not file issues.
    A constant handful of queries plus bulk inserts."""
    _require_role(by, FILE_ROLES, "只有创城办工作人员和督查员可以导入问题。")
    now = now or timezone.now()
    points = by_name(Point.objects.visible_to(by).select_related("territorial_unit"))
    categories = {c.name: c for c in IssueCategory.objects.filter(is_active=True)}
    sources = {label: value for value, label in Source.choices}
    result = ImportResult()
    parsed = []

    error = result.error

    for number, values in data_rows(file, HEADERS, progress):
        point_name, category_name, description, source_label = (
            _text(v) for v in values[:4])
        before = len(result.errors)
        point = result.named(points, number, "点位", point_name, what="点位")
        category = categories.get(category_name)
        if category is None:
            error(number, "问题类别",
                  f"问题类别“{category_name}”不存在，请填写系统中的问题类别名称。"
                  if category_name else "问题类别不能为空。")
        if not description:
            error(number, "问题描述", "问题描述不能为空。")
        elif len(description) > MAX_DESCRIPTION:
            error(number, "问题描述", f"问题描述过长（最多{MAX_DESCRIPTION}字）。")
        source = sources.get(source_label or Source.UNDERCOVER.label)
        if source is None:
            error(number, "来源", f"来源“{source_label}”无效，可填：{'、'.join(sources)}。")
        found, message = _found_at(values[4], now)
        if message:
            error(number, "发现时间", message)
        if len(result.errors) == before:
            parsed.append((point, category, description, source, found))
    if result.stop(parsed):
        return result
    with transaction.atomic():
        result.created = _write(parsed, by)
    return result


def _write(parsed, by):
    relapses = relapse_targets([(point, category, found)
                                for point, category, _d, _s, found in parsed])
    issues = [
        Issue(point=point, category=category, description=description, source=source,
              severity=category.severity, address=point.address, status=Status.NEW,
              region_id=int(point.territorial_unit.region_path.strip("/").split("/")[-1]),
              created_by=by, relapse_of=relapse)
        for (point, category, description, source, found), relapse
        in zip(parsed, relapses, strict=True)
    ]
    issues = bulk_create_with_history(issues, Issue, batch_size=1000, default_user=by)
    # `created` is the found time from the sheet (auto_now_add set it to now on insert).
    for issue, row in zip(issues, parsed, strict=True):
        issue.created = row[4]
    Issue.objects.bulk_update(issues, ["created"], batch_size=1000)
    IssueEvent.objects.bulk_create([
        IssueEvent(issue=issue, kind=IssueEvent.Kind.FILE, actor=by, to_status=Status.NEW,
                   reason=f"Excel 批量导入（{issue.get_source_display()}）")
        for issue in issues
    ], batch_size=1000)
    return len(issues)


def issues_template_workbook():
    """The import template as bytes: headers, an example row, and the category and source
    names to choose from."""
    names = list(IssueCategory.objects.filter(is_active=True).values_list("name", flat=True))
    return template_workbook([
        ("问题", HEADERS, [EXAMPLE]),
        ("问题类别", ["类别名称"], [[n] for n in names]),
        ("来源", ["来源"], [[label] for _, label in Source.choices]),
    ])


# --- The working-day calendar from a workbook -------------------------------------------------

HOLIDAY_HEADERS = ["日期", "名称", "类型"]
HOLIDAY_EXAMPLE = [["2026-10-01", "国庆节", "放假"], ["2026-10-10", "国庆节调休", "上班"]]
HOLIDAY_KINDS = {"放假": False, "休息": False, "上班": True, "调休上班": True, "调休": True}


def _day(value):
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = _text(value)
    if not text:
        return None, "日期不能为空。"
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(text, fmt).date(), None
        except ValueError:
            continue
    return None, f"日期“{text}”无法识别，请填写如 2026-10-01。"


def holidays_import(*, file, by, progress=None):
    """Holidays and 调休 working weekends from a workbook with HOLIDAY_HEADERS (类型: 放假 or
    上班), all or nothing; a date already in the calendar is overwritten. Office only."""
    from .models import Holiday

    require_city_office(by)
    result = ImportResult()
    parsed, seen = {}, {}
    for number, values in data_rows(file, HOLIDAY_HEADERS, progress):
        before = len(result.errors)
        day, message = _day(values[0])
        if message:
            result.error(number, "日期", message)
        name = _text(values[1])
        if not name:
            result.error(number, "名称", "名称不能为空，如“国庆节”。")
        kind = _text(values[2]) or "放假"
        is_workday = HOLIDAY_KINDS.get(kind)
        if is_workday is None:
            result.error(number, "类型", f"类型“{kind}”无效，只能填“放假”或“上班”。")
        elif day is not None:
            if is_workday and day.weekday() < 5:
                result.error(number, "类型", f"{day:%Y-%m-%d} 是工作日，不需要设为调休上班。")
            if not is_workday and day.weekday() >= 5:
                result.error(number, "类型", f"{day:%Y-%m-%d} 是周末，不需要设为放假。")
            if day in seen:
                result.error(number, "日期", f"{day:%Y-%m-%d} 与第 {seen[day]} 行重复。")
            seen.setdefault(day, number)
        if len(result.errors) == before:
            parsed[day] = (name[:50], is_workday)
    if result.stop(parsed):
        return result
    with transaction.atomic():
        Holiday.objects.filter(date__in=list(parsed)).delete()
        Holiday.objects.bulk_create([Holiday(date=day, name=name, is_workday=work)
                                     for day, (name, work) in parsed.items()])
    result.created = len(parsed)
    return result


def holidays_template_workbook():
    return template_workbook([("节假日", HOLIDAY_HEADERS, HOLIDAY_EXAMPLE)])
