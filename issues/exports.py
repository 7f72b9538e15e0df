"""Excel export of an issue list: XlsxWriter in constant-memory mode into a temporary file,
rows read with `iterator()`; memory stays flat at any size. The page and the API start a job
(`issues_export`) whose worker writes the file with the list's filters and the creator's
scope; `export_response` streams it directly (benchmarks)."""

import tempfile

from django.http import FileResponse
from django.utils import timezone

from jobs.excel import xlsx_workbook

from . import deadlines

HEADERS = ["编号", "状态", "是否逾期", "反弹次数", "问题类别", "来源", "严重程度", "点位", "地址",
           "问题描述", "责任单位", "整改期限", "发现时间", "销号时间"]
WIDTHS = [8, 9, 9, 9, 14, 10, 9, 24, 28, 48, 18, 18, 18, 18]
ROW_FIELDS = ("pk", "status", "is_overdue", "relapse_count", "category__name", "source",
              "severity", "point__name", "address", "description", "responsible_unit__name",
              "deadline", "created", "closed_at")


def _local(value):
    if value is None:
        return ""
    return timezone.localtime(value, deadlines.local_tz()).strftime("%Y-%m-%d %H:%M")


def write_issues(fh, issues, progress=None):
    """Write `issues` (annotated with is_overdue and relapse_count) as one sheet; calls
    `progress(rows_written)` every 2,000 rows. Returns the number of rows."""
    book = xlsx_workbook(fh, {"constant_memory": True, "in_memory": False,
                                "tmpdir": tempfile.gettempdir()})
    sheet = book.add_worksheet("问题清单")
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    for col, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        sheet.set_column(col, col, width)
        sheet.write(0, col, title, bold)
    # Plain tuples, not model instances: building 100,000 issues with their category, point
    # and unit took most of the export's time (bench/RESULTS.md).
    from .models import Issue

    labels = {name: dict(Issue._meta.get_field(name).flatchoices)
              for name in ("status", "source", "severity")}
    row = 0
    for row, values in enumerate(issues.values_list(*ROW_FIELDS).iterator(chunk_size=2000),
                                 start=1):
        (pk, status, overdue, relapses, category, source, severity, point, address,
         description, unit, deadline, created, closed_at) = values
        sheet.write_row(row, 0, [
            pk, labels["status"].get(status, status), "是" if overdue else "", relapses,
            category, labels["source"].get(source, source),
            labels["severity"].get(severity, severity), point or "", address, description,
            unit or "", _local(deadline), _local(created), _local(closed_at),
        ])
        if progress is not None and row % 2000 == 0:
            progress(row)
    sheet.freeze_panes(1, 0)
    book.close()
    return row


def export_response(issues):
    """A streamed .xlsx download of `issues`."""
    fh = tempfile.TemporaryFile()
    write_issues(fh, issues)
    fh.seek(0)
    return FileResponse(fh, as_attachment=True, filename=export_name(),
                        content_type="application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.sheet")


def export_name():
    return f"问题清单_{timezone.localtime():%Y%m%d_%H%M}.xlsx"


def clean_export_params(params):
    """The list's filters as {name: [values]}: only IssueFilterSet's names, text values."""
    from django.core.exceptions import ValidationError

    from .filters import IssueFilterSet

    if not isinstance(params, dict):
        raise ValidationError("筛选条件格式不正确。")
    names = set(IssueFilterSet.base_filters)
    cleaned = {}
    for key, value in params.items():
        if key not in names:
            continue
        values = value if isinstance(value, list) else [value]
        cleaned[key] = [str(v)[:200] for v in values[:20] if v is not None and v != ""]
    return {k: v for k, v in cleaned.items() if v}


def issues_export_job(job, progress):
    """The job handler: the creator's scope and the saved filters, as of now."""
    from django.http import QueryDict

    from jobs.services import save_result

    from .filters import IssueFilterSet
    from .models import Issue

    user, now = job.created_by, timezone.now()
    query = QueryDict(mutable=True)
    for key, values in job.params.items():
        query.setlist(key, values)
    qs = Issue.objects.visible_to(user).for_list(now)
    qs = IssueFilterSet(query or None, queryset=qs, viewer=user, now=now).qs
    total = qs.count()
    progress(0, total)
    with tempfile.TemporaryFile() as fh:
        count = write_issues(fh, qs, progress=lambda done: progress(done, total))
        save_result(job, fh, export_name())
    job.result_count = count
    return f"已导出 {count} 个问题，请下载。"
