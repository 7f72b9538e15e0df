"""The package for the national online-submission system: approved material as a zip laid
out 项目/内容/标准, files renamed by the standard's code and caption, with an index workbook.

Built in the worker on a temporary file, one file at a time (memory stays flat whatever the
number of submissions), as a `jobs.Job` of kind `ledgers_export` (progress on the job row).
"""

import logging
import re
import shutil
import tempfile
import time
import zipfile

from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import Role, Unit
from jobs.excel import text_row

from .models import REPORT_ELEMENTS, LedgerSubmission

logger = logging.getLogger(__name__)

UNSAFE = re.compile(r'[\\/:*?"<>|\r\n\t]+')
INDEX_HEADERS = ["项目", "内容", "标准编号", "测评标准", "报送单位", "版本", "文件", "类型",
                 "说明", "签字领导", "签字时间"]


def safe_name(text, limit=60):
    return UNSAFE.sub("_", str(text or "")).strip(" ._")[:limit] or "未命名"


def folder_for(standard):
    """"1 项目/1.2 内容/1.2.3 标准": the framework path of a standard."""
    parts = []
    node = standard
    while node is not None:
        parts.append(safe_name(f"{node.code} {node.title}"))
        node = node.parent
    return "/".join(reversed(parts))


def export_start(*, by, year):
    """Start an export job of `by`'s region (office only), built by the worker after commit."""
    from jobs.models import Job
    from jobs.services import job_start

    return job_start(kind=Job.Kind.LEDGERS_EXPORT, by=by, params={"year": year})


def clean_export_params(params):
    try:
        year = int(params.get("year"))
    except (TypeError, ValueError):
        raise ValidationError({"year": "请填写年度，如 2025。"}) from None
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "年度不正确。"})
    return {"year": year}


def _submissions(region, year):
    return (LedgerSubmission.objects.filter(
        is_current=True, status=LedgerSubmission.Status.APPROVED, requirement__year=year,
        unit__path__startswith=region.path)
        .select_related("unit", "signed_by", "requirement__standard__parent__parent")
        .prefetch_related("photos", "documents")
        .order_by("requirement__standard__code", "unit__name", "pk"))


def ledgers_export_job(job, progress, progress_every=50):
    """The job handler: the zip of the creator's region for `params["year"]`."""
    from jobs.services import save_result

    year = job.params["year"]
    region = Unit.objects.filter(path=job.unit.region_path).first() or job.unit
    qs = _submissions(region, year)
    total = qs.count()
    progress(0, total)
    with tempfile.TemporaryFile() as tmp:
        _write_zip(qs, tmp, lambda i: progress(i, total), progress_every)
        save_result(job, tmp, f"{year}年网上申报台账.zip")
    job.result_count = total
    return f"已打包 {total} 份材料，请下载。"


EXPORT_ROLES = {Role.OFFICE}


# Photos and office files are compressed already: deflating them again took most of the
# export's time for about a tenth of their size (bench/RESULTS.md ledgers.export.zip), so they
# are stored as they are; the reports' text and the index are deflated.
PACKED = {"jpg", "jpeg", "png", "webp", "gif", "heic", "pdf", "docx", "xlsx", "pptx", "zip"}


def _member(zf, name):
    """A file of the package, open for writing: stored when PACKED, else deflated."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.external_attr = 0o644 << 16
    packed = name.rsplit(".", 1)[-1].lower() in PACKED
    info.compress_type = zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
    return zf.open(info, "w")


def _write_zip(qs, fh, progress, progress_every):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("索引")
    ws.append(INDEX_HEADERS)
    used = set()

    def unique(path):
        base, dot, ext = path.rpartition(".")
        n, candidate = 1, path
        while candidate in used:
            n += 1
            candidate = f"{base}_{n}.{ext}"
        used.add(candidate)
        return candidate

    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for i, sub in enumerate(qs.iterator(chunk_size=200), start=1):
            std = sub.requirement.standard
            content = std.parent
            project = content.parent if content else None
            folder = folder_for(std)
            row = [f"{project.code} {project.title}" if project else "",
                   f"{content.code} {content.title}" if content else "", std.code, std.title,
                   sub.unit.name, sub.version]
            signer = [sub.signed_by.display_name if sub.signed_by else "",
                      timezone.localtime(sub.signed_at).strftime("%Y-%m-%d %H:%M")
                      if sub.signed_at else ""]
            report = "\n\n".join(f"【{label}】\n{sub.report.get(key, '')}"
                                 for key, (label, _) in REPORT_ELEMENTS.items())
            name = unique(f"{folder}/{safe_name(std.code)}_{safe_name(sub.unit.name)}_说明报告.txt")
            zf.writestr(name, report)
            ws.append(text_row(ws, row + [name.rsplit("/", 1)[1], "说明报告", "", *signer]))
            for photo in sub.photos.all():
                ext = photo.file.name.rsplit(".", 1)[-1]
                caption = photo.caption_text or sub.unit.name
                name = unique(f"{folder}/{safe_name(std.code)}_{safe_name(caption)}.{ext}")
                with photo.file.open("rb") as src, _member(zf, name) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                ws.append(text_row(ws, row + [name.rsplit("/", 1)[1], "照片", caption, *signer]))
            for doc in sub.documents.all():
                ext = doc.file.name.rsplit(".", 1)[-1]
                title = (doc.title or doc.original_name).rsplit(".", 1)[0]
                name = unique(f"{folder}/{safe_name(std.code)}_{safe_name(title)}.{ext}")
                with doc.file.open("rb") as src, _member(zf, name) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                ws.append(text_row(ws, row + [name.rsplit("/", 1)[1], "文件", doc.title, *signer]))
            if i % progress_every == 0:
                progress(i)
        with tempfile.TemporaryFile() as index:
            wb.save(index)
            index.seek(0)
            with zf.open("台账索引.xlsx", "w") as dst:
                shutil.copyfileobj(index, dst)
