"""Reads too big for a queryset method: the Excel export, the map's feature list, the pass
rate per unit and the inspector's nearby points."""

import math
import tempfile

from django.db.models import ExpressionWrapper, FloatField, OuterRef, Value
from django.db.models.functions import Cast
from django.utils import timezone

from jobs.excel import Column, ReportSheet, xlsx_workbook

from .models import Inspection, with_pass_rate
from .services import haversine_m

EXPORT_HEADERS = ["名称", "类别", "地址", "经度", "纬度", "属地单位", "主管部门", "点位长", "类型",
                  "在用", "包抓共建单位"]
EXPORT_COLUMNS = ([Column(h, 16) for h in EXPORT_HEADERS[:3]]
                  + [Column("经度", 12, "number"), Column("纬度", 12, "number")]
                  + [Column(h, 16) for h in EXPORT_HEADERS[5:]]
                  + [Column("街道", 14), Column("创建时间", 18, "datetime")])


def points_export_file(points, filters="全部"):
    """Write `points` (already scoped and filtered) to a temporary .xlsx and return the open
    file: a report sheet (title with `filters`, header on row 2, auto-filter, date cells).
    XlsxWriter's constant-memory mode streams rows, so 5,000 points stay flat in memory; the
    first columns match the import template so an export can be edited and re-imported (the
    import finds the header on row 2). Queries: the streets, the points, their partner
    units."""
    from accounts.models import Unit

    out = tempfile.TemporaryFile(suffix=".xlsx")
    workbook = xlsx_workbook(out, {"constant_memory": True})
    sheet = ReportSheet(workbook, "点位", title="点位清单", filters=filters,
                        columns=EXPORT_COLUMNS)
    streets = dict(Unit.objects.filter(kind=Unit.Kind.STREET).values_list("path", "name"))

    def street(unit):
        parts = unit.path.strip("/").split("/")
        for n in range(len(parts), 0, -1):
            name = streets.get("/" + "/".join(parts[:n]) + "/")
            if name:
                return name
        return ""

    rows = (points.select_related("category", "territorial_unit", "supervising_unit", "chief")
            .prefetch_related("partner_units").order_by("category__order", "name", "pk"))
    for p in rows.iterator(chunk_size=1000):
        sheet.append([
            p.name, p.category.name, p.address,
            float(p.longitude) if p.longitude is not None else None,
            float(p.latitude) if p.latitude is not None else None,
            p.territorial_unit.name, p.supervising_unit.name if p.supervising_unit else "",
            p.chief.display_name if p.chief else "", p.get_kind_display(),
            "是" if p.is_active else "否", "、".join(u.name for u in p.partner_units.all()),
            street(p.territorial_unit), p.created,
        ])
    sheet.close()
    workbook.close()
    out.seek(0)
    return out


def point_map_features(points, now=None):
    """Compact rows for the map: [id, name, lat, lng, category, state]; state is "overdue",
    "open" or "none" by the point's issues, "inactive" for a point out of use. One query."""
    rows = (points.filter(latitude__isnull=False, longitude__isnull=False)
            .with_issue_state(now or timezone.now())
            .values_list("pk", "name", "latitude", "longitude", "category__name", "is_active",
                         "issue_state"))
    return [
        [pk, name, float(lat), float(lng), category, state if active else "inactive"]
        for pk, name, lat, lng, category, active, state in rows
    ]


def units_with_pass_rate(units, *, user):
    """达标率 per unit over the inspections (visible to `user`) of points whose territorial unit
    lies in the unit's subtree: inspection_count, passed_count, pass_rate."""
    inspections = Inspection.objects.visible_to(user).filter(
        point__territorial_unit__path__startswith=OuterRef("path"))
    return with_pass_rate(units, inspections)


NEARBY_STEP = 20  # points shown at first, and added by each 更多


def points_nearby(points, *, lat=None, lng=None, shown=NEARBY_STEP):
    """The first `shown` of `points`, nearest to (lat, lng) first (by name without a position),
    and whether more follow. Each point carries `distance_m` (None without a position).

    The database orders by the squared equirectangular distance, plain arithmetic that every
    backend runs and that ranks points within a city as the great-circle distance does; only
    the rows shown get the exact distance. One query, however many points are in scope."""
    if lat is None or lng is None:
        ordered = points.order_by("name", "pk")
    else:
        coslat = math.cos(math.radians(lat))
        dlat = Cast("latitude", FloatField()) - Value(lat)
        dlng = (Cast("longitude", FloatField()) - Value(lng)) * Value(coslat)
        ordered = points.annotate(nearness=ExpressionWrapper(
            dlat * dlat + dlng * dlng, output_field=FloatField())).order_by("nearness", "pk")
    rows = list(ordered[:shown + 1])
    for p in rows:
        p.distance_m = None if lat is None or lng is None else haversine_m(
            lat, lng, p.latitude, p.longitude)
    return rows[:shown], len(rows) > shown
