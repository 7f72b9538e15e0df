"""The printable accountability report (问责报告) as PDF, rendered by WeasyPrint from an
HTML/CSS template (A4 landscape; `templates/dashboard/report_pdf.html`).

WeasyPrint draws text with the fonts fontconfig knows. Without a font covering Chinese it
does not fail: it silently leaves the glyphs out and produces a report without unit names.
So the job first asks fontconfig (`fc-list :lang=zh`) and refuses with a Chinese message
when no CJK font is installed (production: Debian `fonts-noto-cjk`, and pango for
WeasyPrint itself).
"""

import logging
import shutil
import subprocess

from django.template.loader import render_to_string

NO_CJK_FONT = ("服务器未安装中文字体，无法生成 PDF 版报告（否则报告中的汉字会缺失）。"
               "请管理员安装 fonts-noto-cjk 等中文字体后，在通报报告页点“重新生成 PDF”。"
               "Excel 版不受影响。")
NO_PANGO = ("服务器缺少 PDF 排版所需的 Pango 库，无法生成 PDF 版报告。"
            "请管理员安装 pango（Debian：libpango-1.0-0、libpangoft2-1.0-0）。Excel 版不受影响。")
# The PDF lists at most this many overdue issues (the longest overdue first); the Excel
# version lists them all. A few hundred table rows already take seconds to lay out.
PDF_OVERDUE_LIMIT = 150

# WeasyPrint reports every layout step at INFO; the worker's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class PdfUnavailable(Exception):
    """The PDF cannot be produced on this machine; the message is for the office."""


def cjk_fonts():
    """Family names of the installed fonts that cover Chinese, per fontconfig; [] when none
    (or when fontconfig itself is missing)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True,
                             timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()})


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the pango libraries are missing
        raise PdfUnavailable(NO_PANGO) from exc
    return weasyprint


def render_report_pdf(context):
    """PDF bytes of the report described by `context` (see services.report_pdf_context).
    Raises PdfUnavailable when no CJK font or no pango is installed."""
    if not cjk_fonts():
        raise PdfUnavailable(NO_CJK_FONT)
    weasyprint = _weasyprint()
    html = render_to_string("dashboard/report_pdf.html", context)
    return weasyprint.HTML(string=html).write_pdf()
