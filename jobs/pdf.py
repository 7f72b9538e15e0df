"""Printable PDF documents rendered by WeasyPrint from an HTML/CSS template.

WeasyPrint draws text with the fonts fontconfig knows. Without a font covering Chinese it
does not fail: it silently leaves the glyphs out. So `render_pdf` first asks fontconfig
(`fc-list :lang=zh`) and refuses with a Chinese message when no CJK font is installed
(production: Debian `fonts-noto-cjk`, and pango for WeasyPrint itself).
"""

import logging
import shutil
import subprocess

from django.template.loader import render_to_string

PDF = "application/pdf"
NO_CJK_FONT = ("服务器未安装中文字体，无法生成 PDF（否则其中的汉字会缺失）。"
               "请管理员安装 fonts-noto-cjk 等中文字体；Excel 版不受影响。")
NO_PANGO = ("服务器缺少 PDF 排版所需的 Pango 库，无法生成 PDF。"
            "请管理员安装 pango（Debian：libpango-1.0-0、libpangoft2-1.0-0）；Excel 版不受影响。")

# WeasyPrint reports every layout step at INFO; the logs need only its warnings.
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


def has_cjk_font():
    """Whether fontconfig knows a font covering Chinese."""
    return bool(cjk_fonts())


def render_pdf(template, context, *, no_font=NO_CJK_FONT, no_pango=NO_PANGO):
    """PDF bytes of `template` rendered with `context`. Raises PdfUnavailable (with
    `no_font` or `no_pango` as its message) when no CJK font or no pango is installed."""
    if not has_cjk_font():
        raise PdfUnavailable(no_font)
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the pango libraries are missing
        raise PdfUnavailable(no_pango) from exc
    return weasyprint.HTML(string=render_to_string(template, context)).write_pdf()
