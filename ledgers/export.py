"""The package for the national online-submission system: approved material as a zip laid
out 项目/内容/标准, files renamed by the standard's code and caption, with an index workbook.

Built in the worker on a temporary file, one file at a time (memory stays flat whatever the
number of submissions); progress is written on the `ExportJob` row.
"""

import logging
import re
import shutil
import tempfile
import zipfile

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import Role, Unit
from config.celery import enqueue_on_commit

from .models import REPORT_ELEMENTS, ExportJob, LedgerSubmission

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


@transaction.atomic
def export_start(*, by, year):
    """Create an export job of `by`'s region and enqueue its build after commit."""
    if not (by.is_superuser or by.role == Role.OFFICE):
        raise PermissionDenied("只有创城办工作人员可以导出台账。")
    if by.unit is None:
        raise PermissionDenied("账号未分配单位，无法确定导出范围。")
    region = Unit.objects.filter(path=by.unit.region_path).first() or by.unit
    job = ExportJob.objects.create(region=region, year=year, created_by=by)
    from .tasks import build_export_task

    enqueue_on_commit(build_export_task, job.pk)
    return job


def _submissions(job):
    return (LedgerSubmission.objects.filter(
        is_current=True, status=LedgerSubmission.Status.APPROVED, requirement__year=job.year,
        unit__path__startswith=job.region.path)
        .select_related("unit", "signed_by", "requirement__standard__parent__parent")
        .prefetch_related("photos", "documents")
        .order_by("requirement__standard__code", "unit__name", "pk"))


def export_build(*, job, progress_every=50):
    """Write the zip for `job`; marks it done with the file, or failed with the error."""
    job.status, job.progress, job.error = ExportJob.Status.RUNNING, 0, ""
    qs = _submissions(job)
    job.total = qs.count()
    job.save(update_fields=["status", "progress", "error", "total"])
    try:
        with tempfile.NamedTemporaryFile(suffix=".zip") as tmp:
            _write_zip(job, qs, tmp, progress_every)
            tmp.seek(0)
            job.file.save(f"{job.year}.zip", File(tmp), save=False)
    except Exception as exc:
        logger.exception("Ledger export %s failed", job.pk)
        job.status, job.error = ExportJob.Status.FAILED, f"导出失败：{exc}"
        job.save(update_fields=["status", "error"])
        return job
    job.status, job.progress, job.finished = ExportJob.Status.DONE, 100, timezone.now()
    job.save(update_fields=["status", "progress", "finished", "file"])
    return job


def _write_zip(job, qs, fh, progress_every):
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
            ws.append(row + [name.rsplit("/", 1)[1], "说明报告", "", *signer])
            for photo in sub.photos.all():
                ext = photo.file.name.rsplit(".", 1)[-1]
                caption = photo.caption_text or sub.unit.name
                name = unique(f"{folder}/{safe_name(std.code)}_{safe_name(caption)}.{ext}")
                with photo.file.open("rb") as src, zf.open(name, "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                ws.append(row + [name.rsplit("/", 1)[1], "照片", caption, *signer])
            for doc in sub.documents.all():
                ext = doc.file.name.rsplit(".", 1)[-1]
                title = (doc.title or doc.original_name).rsplit(".", 1)[0]
                name = unique(f"{folder}/{safe_name(std.code)}_{safe_name(title)}.{ext}")
                with doc.file.open("rb") as src, zf.open(name, "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                ws.append(row + [name.rsplit("/", 1)[1], "文件", doc.title, *signer])
            if i % progress_every == 0 and job.total:
                ExportJob.objects.filter(pk=job.pk).update(progress=min(99, i * 100 // job.total))
        with tempfile.TemporaryFile() as index:
            wb.save(index)
            index.seek(0)
            with zf.open("台账索引.xlsx", "w") as dst:
                shutil.copyfileobj(index, dst)
