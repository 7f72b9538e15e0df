"""Excel export of an issue list: XlsxWriter in constant-memory mode into a temporary file,
rows read with `iterator()`, then streamed to the client; memory stays flat at any size."""

import tempfile

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone

from . import deadlines

HEADERS = ["编号", "状态", "是否逾期", "反弹次数", "问题类别", "来源", "严重程度", "点位", "地址",
           "问题描述", "责任单位", "整改期限", "发现时间", "销号时间"]
WIDTHS = [8, 9, 9, 9, 14, 10, 9, 24, 28, 48, 18, 18, 18, 18]


def _local(value):
    if value is None:
        return ""
    return timezone.localtime(value, deadlines.local_tz()).strftime("%Y-%m-%d %H:%M")


def write_issues(fh, issues):
    """Write `issues` (annotated with is_overdue and relapse_count) as one sheet."""
    book = xlsxwriter.Workbook(fh, {"constant_memory": True, "in_memory": False,
                                    "tmpdir": tempfile.gettempdir()})
    sheet = book.add_worksheet("问题清单")
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    for col, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        sheet.set_column(col, col, width)
        sheet.write(0, col, title, bold)
    row = 0
    for row, issue in enumerate(issues.iterator(chunk_size=2000), start=1):
        sheet.write_row(row, 0, [
            issue.pk, issue.get_status_display(), "是" if issue.is_overdue else "",
            issue.relapse_count, issue.category.name, issue.get_source_display(),
            issue.get_severity_display(), issue.point.name if issue.point_id else "",
            issue.address, issue.description,
            issue.responsible_unit.name if issue.responsible_unit_id else "",
            _local(issue.deadline), _local(issue.created), _local(issue.closed_at),
        ])
    sheet.freeze_panes(1, 0)
    book.close()
    return row


def export_response(issues):
    """A streamed .xlsx download of `issues`."""
    fh = tempfile.TemporaryFile()
    write_issues(fh, issues)
    fh.seek(0)
    name = f"问题清单_{timezone.localtime():%Y%m%d_%H%M}.xlsx"
    return FileResponse(fh, as_attachment=True, filename=name,
                        content_type="application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.sheet")
