"""Word documents (.docx, python-docx) where offices use Word: the shared page set-up and
Chinese fonts, and the 红头 (red-header) layout of an official notice.

Fonts are named, not embedded: 仿宋/黑体/方正小标宋 on the office PC, Word's own fallback
elsewhere. East-Asian text needs the font set on `w:eastAsia` as well as the run's name.
"""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
RED = RGBColor(0xE6, 0x00, 0x12)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def set_font(run, name, size=None, bold=None, color=None):
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def new_document(*, landscape=False):
    """A4 with the margins of GB/T 9704 (official documents), 三号仿宋 body text."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_height, section.page_width = section.page_width, section.page_height
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    for level in (1, 2):
        style = doc.styles[f"Heading {level}"]
        style.font.name = HEADING_FONT
        style.font.size = Pt(16 if level == 1 else 15)
        style.font.bold = level == 2
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), HEADING_FONT)
    return doc


def title(doc, text, size=22):
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(para.add_run(text), TITLE_FONT, size)
    return para


def body(doc, text, *, indent=True, align=None):
    """A body paragraph (first line indented two characters); line breaks kept."""
    para = doc.add_paragraph()
    if indent:
        para.paragraph_format.first_line_indent = Pt(32)
    if align is not None:
        para.alignment = align
    lines = str(text or "").splitlines() or [""]
    for i, line in enumerate(lines):
        run = set_font(para.add_run(line), BODY_FONT)
        if i < len(lines) - 1:
            run.add_break()
    return para


def _red_rule(doc):
    """The red line under the issuing office's name (a paragraph bottom border)."""
    para = doc.add_paragraph()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in {"val": "single", "sz": "18", "space": "1", "color": "E60012"}.items():
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    para._p.get_or_add_pPr().append(border)
    return para


def red_header(doc, *, issuer, number):
    """The 红头: the issuing office's name in large red type, the document number
    (〔2026〕3号) centred under it, and the red rule."""
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.space_after = Pt(12)
    set_font(head.add_run(issuer), TITLE_FONT, 36, bold=True, color=RED)
    num = doc.add_paragraph()
    num.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(num.add_run(number), BODY_FONT, 16)
    _red_rule(doc)


def table(doc, headers, rows, *, widths=None, size=10.5):
    """A bordered table with a bold header row, body text in 五号 by default."""
    grid = doc.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(grid.rows[0].cells, headers, strict=True):
        cell.text = ""
        set_font(cell.paragraphs[0].add_run(text), HEADING_FONT, size)
    for row in rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            set_font(cell.paragraphs[0].add_run("" if value is None else str(value)),
                     BODY_FONT, size)
    if widths:
        for row in grid.rows:
            for cell, width in zip(row.cells, widths, strict=False):
                cell.width = Cm(width)
    return grid


def to_bytes(doc):
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def docx_response(doc, filename):
    """The document as a download named `filename` (percent-encoded for Chinese names)."""
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    response = HttpResponse(to_bytes(doc), content_type=DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
