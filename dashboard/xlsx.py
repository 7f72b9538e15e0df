"""Excel workbooks of the ranking and of the accountability reports (openpyxl, styled:
bold filled header, frozen header row, column widths, Chinese headers)."""

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from jobs.excel import text_row

from .figures import compared_note
from .models import SUBSCORES

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B22222")
TITLE_FONT = Font(bold=True, size=14)

RANKING_COLUMNS = (
    [("排名", 6), ("单位", 22), ("综合指数", 10)]
    + [(label, 11) for _key, label in SUBSCORES]
    + [("较上期", 8), ("收到问题", 9), ("销号", 7), ("按期销号", 9), ("在办", 7),
       ("逾期", 7), ("反弹", 7), ("台账应报", 9), ("台账通过", 9), ("台账退回", 9),
       ("督查次数", 9), ("达标次数", 9), ("满意率答题数", 12), ("满意答题数", 11)]
)


def ranking_values(row):
    return ([row["rank"] if row["rank"] is not None else "数据不足", row["name"], row["score"]]
            + [row["scores"][key] for key, _label in SUBSCORES]
            + [row["change"], row["received"], row["closed"], row["closed_on_time"],
               row["rectifying"], row["overdue"], row["relapsed"], row["ledgers_due"],
               row["ledgers_approved"], row["ledgers_returned"],
               row["inspections"], row["inspections_passed"], row["survey_answered"],
               row["survey_satisfied"]])


def _sheet(ws, title, columns, rows):
    """A title line, a header on row 2 frozen, then the rows."""
    ws.append([title])
    ws["A1"].font = TITLE_FONT
    ws.append([name for name, _width in columns])
    for index, (_name, width) in enumerate(columns, start=1):
        cell = ws.cell(row=2, column=index)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A3"
    for values in rows:
        ws.append(text_row(ws, values))


def write_ranking(fh, data, *, region_name=""):
    wb = Workbook()
    ws = wb.active
    ws.title = "综合排名"
    _sheet(ws, f"{region_name}创城工作综合排名（{data['period'].label}；"
               f"{compared_note(data['compared'])}）", RANKING_COLUMNS,
           (ranking_values(r) for r in data["rows"]))
    wb.save(fh)


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def write_report(fh, report, data):
    wb = Workbook()
    ws = wb.active
    ws.title = "各单位情况"
    _sheet(ws, f"{report}（生成于 {_local(data['now'])}；{compared_note(data['compared'])}）",
           RANKING_COLUMNS,
           (ranking_values(r) for r in data["rows"]))

    ws = wb.create_sheet("逾期问题通报")
    now = data["now"]
    _sheet(ws, "逾期未整改问题通报", [("问题编号", 9), ("类别", 14), ("地点", 30),
                                     ("责任单位", 20), ("整改期限", 18), ("逾期天数", 9),
                                     ("问题描述", 40)],
           ([i.pk, str(i.category), i.location_display,
             i.responsible_unit.name if i.responsible_unit else "", _local(i.deadline),
             (now - i.deadline).days, i.description] for i in data["overdue"]))

    ws = wb.create_sheet("约谈建议")
    _sheet(ws, f"连续两期排名末位（后 {data['top_n']} 名）的单位，建议约谈",
           [("单位", 22), ("本期排名", 9), ("本期综合指数", 12), ("上期排名", 9),
            ("上期综合指数", 12)],
           ([r["name"], r["rank"], r["score"], r["previous_rank"], r["previous_score"]]
            for r in data["interview"]))
    wb.save(fh)
