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


def open_sheet(file, headers):
    """(workbook, rows, estimated data row count) of the first sheet, header row checked;
    ImportFileError when the file is not a workbook or the headers differ. Close the workbook."""
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
    except Exception as exc:  # openpyxl raises many kinds for a non-workbook
        raise ImportFileError("文件无法读取：请上传 Excel 工作簿（.xlsx），可先下载模板填写。") from exc
    header = [str(v).strip() if v is not None else "" for v in first]
    if header[: len(headers)] != headers:
        workbook.close()
        raise ImportFileError(f"表头不符：第 1 行应依次为“{'、'.join(headers)}”。请使用模板。")
    estimate = max(0, (sheet.max_row or 1) - 1)
    return workbook, rows, estimate


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
