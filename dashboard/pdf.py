"""The printable accountability report (问责报告) as PDF, rendered by WeasyPrint from an
HTML/CSS template (A4 landscape; `templates/dashboard/report_pdf.html`) with the shared
`jobs.pdf` pieces, which refuse rather than draw a report without its Chinese text."""

from jobs.pdf import PdfUnavailable, cjk_fonts, render_pdf

__all__ = ["NO_CJK_FONT", "NO_PANGO", "PDF_OVERDUE_LIMIT", "PdfUnavailable", "cjk_fonts",
           "render_report_pdf"]

NO_CJK_FONT = ("服务器未安装中文字体，无法生成 PDF 版报告（否则报告中的汉字会缺失）。"
               "请管理员安装 fonts-noto-cjk 等中文字体后，在通报报告页点“重新生成 PDF”。"
               "Excel 版不受影响。")
NO_PANGO = ("服务器缺少 PDF 排版所需的 Pango 库，无法生成 PDF 版报告。"
            "请管理员安装 pango（Debian：libpango-1.0-0、libpangoft2-1.0-0）。Excel 版不受影响。")
# The PDF lists at most this many overdue issues (the longest overdue first); the Excel
# version lists them all. A few hundred table rows already take seconds to lay out.
PDF_OVERDUE_LIMIT = 150


def render_report_pdf(context):
    """PDF bytes of the report described by `context` (see services.report_pdf_context).
    Raises PdfUnavailable when no CJK font or no pango is installed."""
    return render_pdf("dashboard/report_pdf.html", context, no_font=NO_CJK_FONT,
                      no_pango=NO_PANGO)
