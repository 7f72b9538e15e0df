"""Reads too big for a queryset method: the Excel export, the map's feature list and the pass
rate per unit."""

import tempfile

from django.db.models import OuterRef
from django.utils import timezone

from jobs.excel import xlsx_workbook

from .models import Inspection, with_pass_rate

EXPORT_HEADERS = ["名称", "类别", "地址", "经度", "纬度", "属地单位", "主管部门", "点位长", "类型",
                  "在用", "包抓共建单位"]


def points_export_file(points):
    """Write `points` (already scoped and filtered) to a temporary .xlsx and return the open
    file. XlsxWriter's constant-memory mode streams rows, so 5,000 points stay flat in memory;
    the columns match the import template so an export can be edited and re-imported.
    Queries: one for the points, one for their partner units."""
    out = tempfile.TemporaryFile(suffix=".xlsx")
    workbook = xlsx_workbook(out, {"constant_memory": True})
    sheet = workbook.add_worksheet("点位")
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, EXPORT_HEADERS, bold)
    sheet.set_column(0, len(EXPORT_HEADERS) - 1, 16)
    rows = (points.select_related("category", "territorial_unit", "supervising_unit", "chief")
            .prefetch_related("partner_units").order_by("category__order", "name", "pk"))
    for i, p in enumerate(rows.iterator(chunk_size=1000), start=1):
        sheet.write_row(i, 0, [
            p.name, p.category.name, p.address,
            float(p.longitude) if p.longitude is not None else "",
            float(p.latitude) if p.latitude is not None else "",
            p.territorial_unit.name, p.supervising_unit.name if p.supervising_unit else "",
            p.chief.display_name if p.chief else "", p.get_kind_display(),
            "是" if p.is_active else "否", "、".join(u.name for u in p.partner_units.all()),
        ])
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
