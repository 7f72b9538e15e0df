"""The monthly figures of residents' reports: received, accepted and closed per district and
category, for the statistics page, its Excel export and the dashboard."""

import datetime as dt
import tempfile

from django.db.models import Count
from django.http import FileResponse
from django.utils import timezone

from accounts.models import Unit
from issues import deadlines
from jobs.excel import xlsx_workbook

from .models import CivicReport


def month_choices(count=12, today=None):
    """The last `count` months as ("YYYY-MM", "YYYY年M月"), this month first."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        out.append((f"{year:04d}-{month:02d}", f"{year}年{month}月"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def month_span(month):
    year, mon = (int(x) for x in month.split("-"))
    start = dt.date(year, mon, 1)
    end = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return deadlines.start_of_day(start), deadlines.start_of_day(end)


def monthly_figures(*, user, month):
    """Rows of (district, category, received, accepted, closed) for the districts the user
    sees, and their totals. Three grouped counts, whatever the number of reports:
    received by report time, accepted by decision time, closed by the issue's 销号 time."""
    start, end = month_span(month)
    regions = Unit.objects.visible_to(user).filter(kind__in=Unit.REGION_KINDS)
    base = CivicReport.objects.filter(region__in=regions).order_by()
    figures = {}

    def add(qs, slot):
        for region, category, n in qs.values_list("region__name", "category__name").annotate(
                n=Count("pk")):
            figures.setdefault((region, category), [0, 0, 0])[slot] = n

    add(base.filter(created__gte=start, created__lt=end), 0)
    add(base.filter(status=CivicReport.Status.ACCEPTED, decided_at__gte=start,
                    decided_at__lt=end), 1)
    add(base.filter(status=CivicReport.Status.ACCEPTED, issue__closed_at__gte=start,
                    issue__closed_at__lt=end), 2)
    rows = [(region, category, *values) for (region, category), values
            in sorted(figures.items())]
    totals = [sum(r[i] for r in rows) for i in (2, 3, 4)]
    return rows, totals


def chart_data(rows):
    """Per category, summed over districts: what the page's bar chart draws."""
    by_category = {}
    for _region, category, *values in rows:
        slot = by_category.setdefault(category, [0, 0, 0])
        for i, v in enumerate(values):
            slot[i] += v
    return {"categories": list(by_category),
            "received": [v[0] for v in by_category.values()],
            "accepted": [v[1] for v in by_category.values()],
            "closed": [v[2] for v in by_category.values()]}


def figures_xlsx(rows, month):
    fh = tempfile.TemporaryFile()
    book = xlsx_workbook(fh)
    sheet = book.add_worksheet(f"{month} 随手拍")
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    for col, (title, width) in enumerate([("区县", 14), ("类别", 18), ("收到", 8),
                                          ("转为问题", 10), ("办结", 8)]):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, bold)
    for r, (region, category, received, accepted, closed) in enumerate(rows, start=1):
        sheet.write_string(r, 0, region)
        sheet.write_string(r, 1, category)
        sheet.write_row(r, 2, [received, accepted, closed])
    book.close()
    fh.seek(0)
    return FileResponse(fh, as_attachment=True, filename=f"随手拍月度统计_{month}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.sheet")
