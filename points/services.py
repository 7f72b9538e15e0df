"""Writes of the points app: saving points (which moves circles), circle computation, the Excel
imports of points and of the framework, and field inspections."""

import math
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import Role, Unit, User, pinyin_initials
from accounts.scoping import may_write
from evidence.validators import validate_image
from jobs.excel import ImportResult, by_name, data_rows, template_workbook
from jobs.excel import text as _text

from .models import (
    CheckItem,
    Framework,
    FrameworkItem,
    Inspection,
    InspectionResult,
    Point,
    PointCategory,
    PointCircle,
    assessed_score,
)

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres
# "Exactly on the edge is inside": stored coordinates carry 6 decimals (about 0.1 m), so a
# point entered at the radius may compute a few centimetres beyond it.
EDGE_TOLERANCE_M = 0.1
# An inspection is 达标 when it scores at least this share of the full marks and has no
# 严重不合格 item; the share is what the office uses for its mock assessments.
PASS_SHARE = Decimal("0.85")


def haversine_m(lat1, lng1, lat2, lng2):
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _bounding_box(lat, lng, radius_m):
    """Degrees around (lat, lng) that surely contain the circle: a cheap index-friendly
    prefilter before the exact distance."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.01
    coslat = max(math.cos(math.radians(float(lat))), 1e-6)
    dlng = dlat / coslat
    lat, lng = float(lat), float(lng)
    return (Decimal(str(lat - dlat)), Decimal(str(lat + dlat)),
            Decimal(str(lng - dlng)), Decimal(str(lng + dlng)))


def _check_office(user):
    if not may_write(user, {Role.OFFICE}):
        raise PermissionDenied("只有创城办工作人员可以维护点位。")


# --- Points and circles ---------------------------------------------------------------------


@transaction.atomic
def circle_compute(*, circle):
    """Set the circle's members: its core point and every active point of the core's district
    (of the whole city when the circle is `citywide`) in the chosen categories (all categories if none chosen) whose distance from the core is at most the radius (a point
    exactly on the edge is inside). Two queries for the candidates, one for the M2M write."""
    core = circle.core
    members = {core.pk}
    area = core.territorial_unit.region_path
    if circle.citywide:
        city = (Unit.objects.filter(pk__in=core.territorial_unit.ancestor_ids(),
                                    kind=Unit.Kind.CITY).order_by("path").values_list(
                                        "path", flat=True).first())
        area = city or area
    if core.has_location:
        lat_min, lat_max, lng_min, lng_max = _bounding_box(core.latitude, core.longitude,
                                                           circle.radius_m)
        # Members come from the core's own district (a circle is one office's to manage, and a
        # neighbour district's points must not show up in it), or from the whole city for a
        # citywide circle the city office drew.
        candidates = Point.objects.filter(
            is_active=True, latitude__range=(lat_min, lat_max),
            longitude__range=(lng_min, lng_max), territorial_unit__path__startswith=area,
        ).exclude(pk=core.pk)
        category_ids = list(circle.categories.values_list("pk", flat=True))
        if category_ids:
            candidates = candidates.filter(category_id__in=category_ids)
        for pk, lat, lng in candidates.values_list("pk", "latitude", "longitude"):
            distance = haversine_m(core.latitude, core.longitude, lat, lng)
            if distance <= circle.radius_m + EDGE_TOLERANCE_M:
                members.add(pk)
    circle.members.set(members)
    circle.computed_at = timezone.now()
    circle.save(update_fields=["computed_at"])
    return circle


def circles_recompute_near(points):
    """Recompute every circle a moved/new/changed point may enter or leave: circles it is core
    or member of, and circles whose core lies within the largest radius of it."""
    points = [p for p in points if p.pk]
    if not points:
        return
    ids = {p.pk for p in points}
    circles = set(PointCircle.objects.filter(core_id__in=ids).values_list("pk", flat=True))
    circles |= set(PointCircle.objects.filter(members__in=ids).values_list("pk", flat=True))
    max_radius = max(PointCircle.objects.values_list("radius_m", flat=True), default=0)
    if max_radius:
        for p in points:
            if not p.has_location:
                continue
            lat_min, lat_max, lng_min, lng_max = _bounding_box(p.latitude, p.longitude, max_radius)
            circles |= set(PointCircle.objects.filter(
                core__latitude__range=(lat_min, lat_max),
                core__longitude__range=(lng_min, lng_max),
            ).values_list("pk", flat=True))
    for circle in PointCircle.objects.filter(pk__in=circles).select_related("core"):
        circle_compute(circle=circle)


@transaction.atomic
def point_save(*, point, by, partner_units=None):
    """Create or update a point (office staff only) and recompute the key-point circles it may
    have entered or left. Raises PermissionDenied for other roles and ValidationError (field
    names as keys) for bad data, including units outside the caller's scope; NotInScope (404)
    when the point edited is not the caller's."""
    if point.pk is not None:
        Point.objects.get_visible(by, point.pk, lock=True)
    _check_office(by)
    visible_units = Unit.objects.visible_to(by)
    errors = {}
    if point.territorial_unit_id and not visible_units.filter(pk=point.territorial_unit_id).exists():
        errors["territorial_unit"] = "属地单位不在您的管辖范围内。"
    if point.supervising_unit_id and not visible_units.filter(pk=point.supervising_unit_id).exists():
        errors["supervising_unit"] = "行业主管部门不在您的管辖范围内。"
    if partner_units is not None:
        partner_ids = {u.pk for u in partner_units}
        if visible_units.filter(pk__in=partner_ids).count() != len(partner_ids):
            errors["partner_units"] = "包抓共建单位不在您的管辖范围内。"
    if point.chief_id and not User.objects.visible_to(by).filter(pk=point.chief_id).exists():
        errors["chief"] = "点位长不在您的管辖范围内。"
    if errors:
        raise ValidationError(errors)
    if (point.latitude is None) != (point.longitude is None):
        raise ValidationError({"latitude": "经度和纬度需同时填写。"})
    point.full_clean()
    point.save()
    if partner_units is not None:
        point.partner_units.set(partner_units)
    circles_recompute_near([point])
    return point


def is_city_office(user):
    """Office staff whose region is the whole city (or a superuser)."""
    if user.is_superuser:
        return True
    if user.role != Role.OFFICE or user.unit is None:
        return False
    return Unit.objects.filter(path=user.unit.region_path, kind=Unit.Kind.CITY).exists()


@transaction.atomic
def circle_save(*, circle, categories, by):
    """Create or update a key-point circle (office staff only) and compute its members. Only
    city office staff may switch `citywide` (members across district borders) on or off; a
    district office keeps the circles of its district. NotInScope (404) when the circle edited
    is not the caller's."""
    if circle.pk is not None:
        PointCircle.objects.get_visible(by, circle.pk, lock=True)
    _check_office(by)
    if not Point.objects.visible_to(by).filter(pk=circle.core_id).exists():
        raise ValidationError({"core": "核心点位不在您的管辖范围内。"})
    was = (PointCircle.objects.filter(pk=circle.pk).values_list("citywide", flat=True).first()
           if circle.pk else False)
    if bool(circle.citywide) != bool(was) and not is_city_office(by):
        raise ValidationError({"citywide": "只有市级创城办可以设置全市范围的点位圈。"})
    circle.full_clean()
    circle.save()
    circle.categories.set(categories)
    return circle_compute(circle=circle)


# --- Excel import of points -------------------------------------------------------------------

POINT_HEADERS = ["名称", "类别", "地址", "经度", "纬度", "属地单位", "主管部门", "点位长", "类型"]
POINT_EXAMPLE = ["东关农贸市场", "农贸市场", "东关街12号", "100.455123", "38.932456", "东街街道",
                 "区市场监管局", "陈点位长", "固定"]


def _coordinate(value, low, high, label):
    text = _text(value)
    if not text:
        return None, None
    try:
        number = Decimal(text).quantize(Decimal("0.000001"))
    except InvalidOperation:
        return None, f"{label}“{text}”不是数字。"
    if not low <= number <= high:
        return None, f"{label}“{text}”超出范围（{low}～{high}）。"
    return number, None


def points_import(*, file, by, progress=None):
    """Import points from a workbook with POINT_HEADERS, all or nothing: if any row is bad,
    every bad row is reported (row number as in Excel, the header is row 1; column; Chinese
    message) and nothing is written. Units and the chief are matched by name within the caller's
    scope. Rows are checked outside any transaction (so `progress(done, total)` is seen by the
    page while it runs), then written in one transaction. Raises ImportFileError for a
    non-workbook, PermissionDenied for non-office callers.
    Queries: a constant handful for lookups, then bulk inserts."""
    _check_office(by)
    categories = {c.name: c for c in PointCategory.objects.all()}
    units = by_name(Unit.objects.visible_to(by).only("pk", "name", "path"))
    users = User.objects.visible_to(by).filter(is_active=True).only("pk", "username", "full_name")
    chiefs = by_name(users, lambda u: u.full_name or u.username)
    chiefs_by_username = {u.username: u for u in users}
    existing = set(Point.objects.visible_to(by).values_list("name", "territorial_unit_id"))
    kinds = {label: value for value, label in Point.Kind.choices}
    result = ImportResult()
    error = result.error
    new_points = []
    seen = set()

    def unit(row, column, name, required):
        if not name:
            if required:
                error(row, column, f"{column}不能为空。")
            return None
        if name not in units:
            error(row, column, f"找不到单位“{name}”（须为您管辖范围内的单位全称）。")
        elif units[name] is None:
            error(row, column, f"单位名称“{name}”不唯一，请在系统中核对。")
        return units.get(name)

    for number, values in data_rows(file, POINT_HEADERS, progress):
        name, category_name, address, lng, lat, terr, sup, chief_name, kind = (
            _text(v) for v in values)
        before = len(result.errors)
        if not name:
            error(number, "名称", "名称不能为空。")
        elif len(name) > 150:
            error(number, "名称", "名称过长（最多150字）。")
        category = categories.get(category_name)
        if category is None:
            error(number, "类别", f"类别“{category_name}”不存在，请填写系统中的点位类别名称。"
                  if category_name else "类别不能为空。")
        longitude, message = _coordinate(lng, Decimal(-180), Decimal(180), "经度")
        if message:
            error(number, "经度", message)
        latitude, message = _coordinate(lat, Decimal(-90), Decimal(90), "纬度")
        if message:
            error(number, "纬度", message)
        if (longitude is None) != (latitude is None) and len(result.errors) == before:
            error(number, "经度" if longitude is None else "纬度", "经度和纬度需同时填写。")
        territorial = unit(number, "属地单位", terr, required=True)
        supervising = unit(number, "主管部门", sup, required=False)
        chief = None
        if chief_name:
            chief = chiefs_by_username.get(chief_name) or chiefs.get(chief_name)
            if chief is None:
                error(number, "点位长", f"找不到人员“{chief_name}”（填写姓名或账号）。")
        kind_value = kinds.get(kind or "固定")
        if kind_value is None:
            error(number, "类型", f"类型“{kind}”无效，只能填“固定”或“随机”。")
        if territorial is not None and name:
            key = (name, territorial.pk)
            if key in existing:
                error(number, "名称", f"点位“{name}”在{territorial.name}已存在。")
            elif key in seen:
                error(number, "名称", f"点位“{name}”在本表中重复。")
            seen.add(key)
        if len(result.errors) == before:
            new_points.append(Point(
                name=name, name_initials=pinyin_initials(name), category=category,
                address=address[:255], longitude=longitude, latitude=latitude,
                territorial_unit=territorial, supervising_unit=supervising, chief=chief,
                kind=kind_value,
            ))
    if result.stop(new_points):
        return result
    with transaction.atomic():
        created = bulk_create_with_history(new_points, Point, batch_size=1000, default_user=by)
        result.created = len(created)
        # New points may fall inside existing circles: recompute those of the caller's region
        # (a few dozen circles, three queries each) rather than one search per imported row.
        for circle in PointCircle.objects.visible_to(by).select_related("core"):
            circle_compute(circle=circle)
    return result


def points_template_workbook():
    """The import template as bytes: headers, one example row, and the category names."""
    return template_workbook([("点位", POINT_HEADERS, [POINT_EXAMPLE]),
                      ("点位类别", ["类别名称"], [[c] for c in
                                                 PointCategory.objects.values_list("name", flat=True)])])


# --- Excel import of the framework ------------------------------------------------------------

FRAMEWORK_HEADERS = ["编号", "层级", "名称", "测评标准内容", "测评方法", "分值"]
FRAMEWORK_EXAMPLE = [
    ["1", "测评项目", "理想信念教育", "", "", ""],
    ["1.1", "测评内容", "习近平新时代中国特色社会主义思想学习宣传", "", "", ""],
    ["1.1.1", "测评标准", "理论学习制度落实", "党委（党组）理论学习中心组学习制度健全、落实到位",
     "网上申报、实地考察", "2"],
]
METHOD_NAMES = {"网上申报": "method_online", "实地考察": "method_field", "问卷调查": "method_survey"}


@transaction.atomic
def framework_import(*, file, framework, by):
    """Load a framework tree from a workbook with FRAMEWORK_HEADERS into `framework` (saved
    here if new, only when the file is good), all or nothing (every bad row reported). The
    parent of "1.2.3" is "1.2". Existing items of the framework are replaced. Office only."""
    _check_office(by)
    levels = {label: value for value, label in FrameworkItem.Level.choices}
    depth = {FrameworkItem.Level.PROJECT: 1, FrameworkItem.Level.CONTENT: 2,
             FrameworkItem.Level.STANDARD: 3}
    result = ImportResult()
    parsed = []
    codes = set()
    for number, values in data_rows(file, FRAMEWORK_HEADERS):
        values = [_text(v) for v in values]
        code, level_label, title, text, methods, score = values
        before = len(result.errors)

        def error(column, message, number=number):
            result.errors.append({"row": number, "column": column, "message": message})

        level = levels.get(level_label)
        if level is None:
            error("层级", "层级只能是“测评项目”“测评内容”“测评标准”。")
        parts = code.split(".") if code else []
        if not code or not all(p.isdigit() for p in parts):
            error("编号", "编号应为数字，用点分隔，如 1.2.3。")
        elif level is not None and len(parts) != depth[level]:
            error("编号", f"{level_label}的编号应为{depth[level]}段，如“{'.'.join(['1'] * depth[level])}”。")
        elif code in codes:
            error("编号", f"编号“{code}”重复。")
        elif len(parts) > 1 and ".".join(parts[:-1]) not in codes:
            error("编号", f"上级“{'.'.join(parts[:-1])}”须在本行之前出现。")
        if not title:
            error("名称", "名称不能为空。")
        flags = {}
        for name in [m for m in methods.replace("，", "、").replace(",", "、").split("、") if m]:
            if name.strip() not in METHOD_NAMES:
                error("测评方法", f"测评方法“{name}”无效，可填：网上申报、实地考察、问卷调查。")
            else:
                flags[METHOD_NAMES[name.strip()]] = True
        value = None
        if score:
            try:
                value = Decimal(score)
            except InvalidOperation:
                error("分值", f"分值“{score}”不是数字。")
        if len(result.errors) == before:
            codes.add(code)
            parsed.append((code, level, title, text, flags, value))
    if result.stop(parsed):
        return result
    if framework.pk is None:
        framework.full_clean()
        framework.save()
    framework.items.all().delete()
    created = {}
    for order, (code, level, title, text, flags, value) in enumerate(parsed):
        parent = created.get(code.rpartition(".")[0]) if "." in code else None
        created[code] = FrameworkItem.objects.create(
            framework=framework, parent=parent, level=level, code=code, title=title[:200],
            text=text, score=value, order=order, **flags,
        )
    result.created = len(created)
    return result


def framework_template_workbook():
    return template_workbook([("测评体系", FRAMEWORK_HEADERS, FRAMEWORK_EXAMPLE)])


@transaction.atomic
def framework_make_current(*, framework, by):
    """Make one edition the current one (the others stop being current)."""
    _check_office(by)
    Framework.objects.select_for_update().filter(is_current=True).exclude(
        pk=framework.pk).update(is_current=False)
    framework.is_current = True
    framework.save(update_fields=["is_current"])
    return framework


# --- Field inspections ---------------------------------------------------------------------

# What becomes of a failed checklist item: `handler(result=, by=, source=, label=)` returning the issue
# filed (or None), registered by the app that files the defect (issues, in its
# AppConfig.ready), so points does not depend on issues.
FAILED_CHECK_HANDLERS = []


@transaction.atomic
def inspection_create(*, point, by, results, notes="", source=None, label=""):
    """Record a field inspection of `point` by inspector or office staff `by`.

    `results` is a list of dicts {check_item, verdict, note, photo}: exactly one per checklist
    item of the point's category; a 不合格/严重不合格 verdict needs a photo, 不适用 none.
    Score the assessors' way (`assessed_score`): a failed item deducts its weight, a severe one
    what its standard says, 不适用 leaves the full marks; 达标 when score ≥ PASS_SHARE of the
    full marks and nothing is 严重不合格. Every failed item goes to FAILED_CHECK_HANDLERS with
    `source` (the issue's 来源, e.g. 模拟测评; None: 日常督查) and `label` (e.g. the
    round's name, put in front of the issue's description); the issues they filed are in
    `inspection.filed_issues` as (result, issue). Raises PermissionDenied, ValidationError
    (keyed by field or "results").
    """
    point = Point.objects.get_visible(by, point.pk)
    if not may_write(by, {Role.OFFICE, Role.INSPECTOR}):
        raise PermissionDenied("只有督查员和创城办工作人员可以录入督查。")
    items = {item.pk: item for item in CheckItem.objects.filter(category_id=point.category_id)}
    if not items:
        raise ValidationError({"point": "该点位类别还没有检查标准，无法督查。"})
    given = {}
    errors = []
    for entry in results:
        item = entry.get("check_item")
        item_id = getattr(item, "pk", item)
        if item_id not in items:
            errors.append(f"检查项 {item_id} 不属于该点位类别。")
            continue
        if item_id in given:
            errors.append(f"检查项“{items[item_id].text}”重复。")
            continue
        verdict = entry.get("verdict")
        if verdict not in InspectionResult.Verdict.values:
            errors.append(f"检查项“{items[item_id].text}”的结论无效。")
            continue
        photo = entry.get("photo")
        if verdict in InspectionResult.FAILED and not photo:
            errors.append(f"检查项“{items[item_id].text}”不合格，需要拍照。")
            continue
        if photo:
            try:
                validate_image(photo)
            except ValidationError as exc:
                errors.append(f"检查项“{items[item_id].text}”：{exc.messages[0]}")
                continue
        given[item_id] = entry
    missing = [items[pk].text for pk in items if pk not in given]
    if missing and not errors:
        errors.append(f"还有 {len(missing)} 项未检查：{'、'.join(missing[:3])}")
    if errors:
        raise ValidationError({"results": errors})

    score, max_score = assessed_score(
        (items[pk].score, e["verdict"], items[pk].severe_rule, items[pk].severe_multiple)
        for pk, e in given.items())
    severe = any(e["verdict"] == InspectionResult.Verdict.SEVERE for e in given.values())
    inspection = Inspection.objects.create(
        point=point, inspector=by, score=score, max_score=max_score, notes=notes,
        passed=not severe and max_score > 0 and score >= max_score * PASS_SHARE,
    )
    inspection.filed_issues = []
    for pk, entry in given.items():
        result = InspectionResult(inspection=inspection, check_item=items[pk],
                                  verdict=entry["verdict"], note=(entry.get("note") or "")[:300])
        if entry.get("photo"):
            result.photo = entry["photo"]
        result.save()
        # A failed item is a defect the responsible unit must rectify: it becomes an issue.
        if result.failed:
            for handle in FAILED_CHECK_HANDLERS:
                issue = handle(result=result, by=by, source=source, label=label)
                if issue is not None:
                    inspection.filed_issues.append((result, issue))
    return inspection
