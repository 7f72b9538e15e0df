"""Reading and writing the workbooks of imports: the shared pieces every importer uses (the
error type and result, the header check, cell text, templates) and the cheap check an upload
gets in the request, before it is stored and handed to the worker."""

import io
from dataclasses import dataclass, field

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class ImportFileError(Exception):
    """The upload is not a readable workbook (or has the wrong headers, or no rows): the whole
    file is refused with this message."""


@dataclass
class ImportResult:
    created: int = 0
    errors: list = field(default_factory=list)  # dicts: row, column, message

    @property
    def ok(self):
        return not self.errors

    def error(self, row, column, message):
        self.errors.append({"row": row, "column": column, "message": message})

    def named(self, found, row, column, name, *, what, required=True):
        """The object a row names in `column` (`found` from `by_name`), or None with the
        row's error: blank when `required`, no `what` of that name in the caller's scope, or
        a name two of them share."""
        if not name:
            if required:
                self.error(row, column, f"{column}不能为空。")
            return None
        if name not in found:
            self.error(row, column, f"找不到{what}“{name}”（须为您管辖范围内的{what}全称）。")
        elif found[name] is None:
            self.error(row, column, f"{what}名称“{name}”不唯一，请在系统中核对。")
        return found.get(name)

    def stop(self, parsed):
        """After the rows are read: True when rows had errors (nothing is written, the result
        says which); ImportFileError when the sheet had no data rows at all."""
        if self.errors:
            return True
        if not parsed:
            raise ImportFileError("表格中没有数据行。")
        return False


def by_name(objects, key=lambda obj: obj.name):
    """name → object for the columns an import fills by name (units, points); a name that two
    of the objects share maps to None (`ImportResult.named` then asks the row to say which)."""
    found = {}
    for obj in objects:
        name = key(obj)
        found[name] = None if name in found else obj
    return found


class SheetRows:
    """The data rows of a sheet after its header, as an iterator of value tuples; `first` is
    the sheet row number (1-based) of the first data row, for error messages:
    `enumerate(rows, start=rows.first)`."""

    def __init__(self, rows, first):
        self._rows, self.first = rows, first

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._rows)


def _header(values):
    return [str(v).strip() if v is not None else "" for v in values]


def open_sheet(file, headers):
    """(workbook, rows, estimated data row count) of the first sheet, header row checked;
    ImportFileError when the file is not a workbook or the headers differ. The header is row
    1 of a template, or row 2 of one of our own exports (row 1 is its title): an export can
    be edited and imported again. Close the workbook."""
    from django.core.exceptions import ValidationError
    from openpyxl import load_workbook

    from evidence.validators import check_unpacked_size

    try:
        check_unpacked_size(file)
    except ValidationError as exc:
        raise ImportFileError(exc.messages[0]) from None
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, ())
        header_row = 1
        if _header(first)[: len(headers)] != headers:
            second = next(rows, ())
            if _header(second)[: len(headers)] == headers:
                first, header_row = second, 2
    except Exception as exc:  # openpyxl raises many kinds for a non-workbook
        raise ImportFileError("文件无法读取：请上传 Excel 工作簿（.xlsx），可先下载模板填写。") from exc
    if _header(first)[: len(headers)] != headers:
        workbook.close()
        raise ImportFileError(f"表头不符：第 1 行应依次为“{'、'.join(headers)}”。请使用模板。")
    estimate = max(0, (sheet.max_row or 1) - header_row)
    return workbook, SheetRows(rows, header_row + 1), estimate


def data_rows(file, headers, progress=None):
    """The data rows of an import's first sheet, header checked (ImportFileError otherwise):
    (row number as Excel shows it, values padded or cut to the headers), blank rows skipped,
    `progress(done, total)` every 200 rows. The workbook is closed when the loop ends."""
    workbook, rows, estimate = open_sheet(file, headers)
    progress = progress or (lambda done, total=None: None)
    progress(0, estimate)
    try:
        for number, values in enumerate(rows, start=rows.first):
            if number % 200 == 0:
                progress(number - 1, max(estimate, number - 1))
            values = (list(values) + [None] * len(headers))[: len(headers)]
            if all(text(v) == "" for v in values):
                continue
            yield number, values
    finally:
        workbook.close()


def text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_upload(file, headers):
    """What the request checks before a job is made: a size limit, a workbook with the headers,
    at least one data row. Raises ImportFileError; rewinds the file."""
    if file is None:
        raise ImportFileError("请选择要导入的 Excel 文件。")
    size = getattr(file, "size", None)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise ImportFileError(f"文件过大（最大 {MAX_IMPORT_BYTES // 1024 // 1024} MB），请分成几个文件导入。")
    file.seek(0)
    workbook, rows, _ = open_sheet(file, headers)
    try:
        has_data = any(any(text(v) for v in row) for row in rows)
    except Exception as exc:
        raise ImportFileError("文件无法读取：请上传 Excel 工作簿（.xlsx），可先下载模板填写。") from exc
    finally:
        workbook.close()
    if not has_data:
        raise ImportFileError("表格中没有数据行。")
    file.seek(0)


def xlsx_workbook(target, options=None):
    """The XlsxWriter workbook every export writes: what people typed (a resident's survey
    answer, an issue description, a unit name) is written as text, never as a formula or a
    link, so a cell starting with =, +, - or @ cannot run in the office's Excel."""
    import xlsxwriter

    return xlsxwriter.Workbook(target, {**(options or {}), "strings_to_formulas": False,
                                        "strings_to_urls": False})


def text_row(sheet, values):
    """An openpyxl row whose strings stay text: openpyxl would store a string starting with
    = as a formula."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        row.append(value)
    return row


def template_workbook(sheets):
    """An import template as bytes: [(sheet title, headers, rows), ...]."""
    buffer = io.BytesIO()
    workbook = xlsx_workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#FDE9D9"})
    for title, headers, rows in sheets:
        sheet = workbook.add_worksheet(title)
        sheet.write_row(0, 0, headers, bold)
        sheet.set_column(0, len(headers) - 1, 16)
        for i, row in enumerate(rows, start=1):
            sheet.write_row(i, 0, row)
    workbook.close()
    return buffer.getvalue()


# --- Exports shaped for reporting --------------------------------------------------------------

# Row 1 (index 0) names the export and the filters it was made with; the header is row 2.
TITLE_ROW, HEADER_ROW = 0, 1
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'


@dataclass(frozen=True)
class Column:
    """One column of a report sheet: its header, width (in characters) and kind — "text"
    (anything people typed: always a string cell), "number", "date", "datetime" (real Excel
    date cells shown as 2026年12月2日), "wrap" (text that keeps its line breaks) or "url"
    (a link the app made, e.g. to a permission-checked photo)."""

    title: str
    width: float = 14
    kind: str = "text"


def local_naive(value):
    """A datetime as the wall-clock time of the project's zone, without tzinfo (Excel has no
    zones); a date stays a date."""
    import datetime as dt

    from django.utils import timezone

    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    return value


def filters_text(filterset):
    """The filters a django-filter FilterSet was bound with, as "状态：待整改；街道：东关街道"
    (labels and displayed choices, never ids); "全部" when none. Reads the cleaned form."""
    if not filterset.is_bound or not filterset.form.is_valid():
        return "全部"
    parts = []
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", [], ()):
            continue
        flt = filterset.filters[name]
        field = filterset.form.fields.get(name)
        choices = dict(getattr(field, "choices", None) or [])
        values = value if isinstance(value, (list, tuple)) else [value]
        shown = "、".join(_shown(v, choices) for v in values)
        parts.append(f"{flt.label or name}：{shown}")
    return "；".join(parts) or "全部"


def _shown(value, choices):
    import datetime as dt

    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    return str(value)


class ReportSheet:
    """A worksheet shaped for reporting, on an XlsxWriter workbook from `xlsx_workbook`
    (constant-memory mode works: rows are written in order). Row 1 is the title — the
    export's name, the filters used and when it was made; row 2 the header, frozen and with an
    auto-filter over every data row; dates and times are real date cells in a Chinese format;
    every string is written as a string cell (never a formula or a link), links only in
    "url" columns, which hold URLs the app built.

        sheet = ReportSheet(book, "问题清单", title="问题清单", filters="状态：待整改",
                            columns=[Column("编号", 8, "number"), ...])
        for values in rows:
            sheet.append(values)
        sheet.close()   # sets the auto-filter; then book.close()
    """

    def __init__(self, book, name, *, title, columns, filters="全部", now=None):
        from django.utils import timezone

        self.book, self.columns = book, list(columns)
        self.sheet = book.add_worksheet(name[:31])
        self.row = HEADER_ROW
        now = timezone.localtime(now or timezone.now())
        self.title = (f"{title}（筛选条件：{filters or '全部'}；"
                      f"导出时间：{now.year}年{now.month}月{now.day}日 {now:%H:%M}）")
        fmt = book.add_format
        self.formats = {
            "title": fmt({"bold": True, "font_size": 14, "valign": "vcenter", "text_wrap": True}),
            "header": fmt({"bold": True, "bg_color": "#F2F2F2", "border": 1,
                           "align": "center", "valign": "vcenter", "text_wrap": True}),
            "date": fmt({"num_format": DATE_FORMAT, "align": "left"}),
            "datetime": fmt({"num_format": DATETIME_FORMAT, "align": "left"}),
            "wrap": fmt({"text_wrap": True, "valign": "top"}),
            "url": fmt({"font_color": "#0563C1", "underline": 1}),
        }
        for col, column in enumerate(self.columns):
            self.sheet.set_column(col, col, column.width)
        last = max(len(self.columns) - 1, 0)
        self.sheet.set_row(TITLE_ROW, 36)
        if last:
            self.sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, last, self.title,
                                   self.formats["title"])
        else:
            self.sheet.write_string(TITLE_ROW, 0, self.title, self.formats["title"])
        for col, column in enumerate(self.columns):
            self.sheet.write_string(HEADER_ROW, col, column.title, self.formats["header"])
        self.sheet.freeze_panes(HEADER_ROW + 1, 0)

    def append(self, values):
        """Write one data row (values in column order; None is an empty cell)."""
        self.row += 1
        sheet, row = self.sheet, self.row
        for col, (column, value) in enumerate(zip(self.columns, values, strict=True)):
            if value is None or value == "":
                continue
            kind = column.kind
            if kind in ("date", "datetime") and not isinstance(value, str):
                sheet.write_datetime(row, col, local_naive(value), self.formats[kind])
            elif kind == "number" and isinstance(value, (int, float)) \
                    and not isinstance(value, bool):
                sheet.write_number(row, col, value)
            elif kind == "url" and isinstance(value, str) and "\n" not in value \
                    and value.startswith(("http://", "https://")):
                sheet.write_url(row, col, value, self.formats["url"], string=value)
            elif kind in ("wrap", "url"):
                sheet.write_string(row, col, str(value), self.formats["wrap"])
            else:
                sheet.write_string(row, col, str(value))
        return row

    def close(self):
        """The auto-filter over the header and every data row."""
        self.sheet.autofilter(HEADER_ROW, 0, self.row, max(len(self.columns) - 1, 0))


def read_report(file):
    """(title, header, data rows) of the first sheet of one of our report exports, as read
    back by openpyxl (dates as datetimes). For tests and for re-imports."""
    from openpyxl import load_workbook

    book = load_workbook(file, data_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    title = rows[TITLE_ROW][0] if rows else None
    header = [v for v in rows[HEADER_ROW]] if len(rows) > HEADER_ROW else []
    return title, header, [list(r) for r in rows[HEADER_ROW + 1:]]


# Where links in an export point: settings.SITE_URL when set, else the address the export was
# asked for on (kept in the job's params under SITE_PARAM, checked against ALLOWED_HOSTS).
SITE_PARAM = "site"


def request_site(request):
    """"https://host" of `request` (its Host header already checked by Django)."""
    return request.build_absolute_uri("/").rstrip("/")


def clean_site(value):
    """`value` when it is an http(s) origin on one of the app's allowed hosts, else ""."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.http.request import split_domain_port, validate_host

    if not isinstance(value, str) or len(value) > 200:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or parts.path not in ("", "/") or parts.query:
        return ""
    host, _port = split_domain_port(parts.netloc)
    allowed = settings.ALLOWED_HOSTS or (
        [".localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    if not host or not validate_host(host, allowed) and "*" not in allowed:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def site_url(params):
    from django.conf import settings

    return (getattr(settings, "SITE_URL", "") or clean_site((params or {}).get(SITE_PARAM))
            ).rstrip("/")
