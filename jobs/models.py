"""A background job (an Excel import or export, an accountability report) and its progress,
kept as one row the worker updates and the page polls. Who may see a job: its creator, and
office staff of the region its unit belongs to; a report also the region's leaders."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Role, ScopedQuerySet, Unit


class JobQuerySet(ScopedQuerySet):
    def within(self, scope):
        """The viewer's own jobs; for office staff also every job of their region, for
        leaders the region's jobs of the kinds they read (Job.REGION_READ)."""
        mine = Q(created_by=scope.user) if scope.user else Q(pk__in=[])
        region = Q(unit__region_path__startswith=scope.path)
        if scope.role == Role.OFFICE:
            return self.filter(region | mine)
        if scope.role == Role.LEADER:
            return self.filter((region & Q(kind__in=Job.REGION_READ)) | mine)
        return self.filter(mine)

    def unfinished(self):
        return self.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])


def upload_to(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"jobs/uploads/{uuid.uuid4().hex}.{ext}"


def result_to(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"jobs/results/{uuid.uuid4().hex}.{ext}"


class Job(models.Model):
    class Kind(models.TextChoices):
        POINTS_IMPORT = "points_import", "点位导入"
        ISSUES_IMPORT = "issues_import", "问题导入"
        LEDGERS_IMPORT = "ledgers_import", "台账要求导入"
        HOLIDAYS_IMPORT = "holidays_import", "节假日导入"
        ISSUES_EXPORT = "issues_export", "问题清单导出"
        LEDGERS_EXPORT = "ledgers_export", "网上申报台账导出"
        SURVEY_EXPORT = "survey_export", "问卷导出"
        REPORT = "report", "督查通报"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在处理"
        DONE = "done", "已完成"
        FAILED = "failed", "未完成"

    kind = models.CharField("任务类型", max_length=40, choices=Kind.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="jobs", verbose_name="发起人")
    # The creator's unit when the job was made: office staff of its region see the job.
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+",
                             verbose_name="发起单位")
    params = models.JSONField("参数", default=dict, blank=True)
    upload = models.FileField("上传文件", upload_to=upload_to, blank=True, max_length=255)
    upload_name = models.CharField("上传文件名", max_length=255, blank=True)
    progress_done = models.PositiveIntegerField("已处理", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    message = models.TextField("说明", blank=True)
    errors = models.JSONField("错误行", default=list, blank=True)
    result = models.FileField("结果文件", upload_to=result_to, blank=True, max_length=255)
    result_name = models.CharField("结果文件名", max_length=255, blank=True)
    result_count = models.PositiveIntegerField("处理条数", default=0)
    # The printable version of the result, for kinds that make one (the report's PDF). It
    # needs a CJK font on the worker; without one the job is done with the Excel file alone
    # and its message says why.
    pdf = models.FileField("PDF 文件", upload_to=result_to, blank=True, max_length=255)
    pdf_name = models.CharField("PDF 文件名", max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    # The broker message that claimed the job last: only that same message, put back because
    # its worker was lost, may take the running job over before its heartbeat is stale.
    task_id = models.CharField("执行消息", max_length=64, blank=True, editable=False)
    created = models.DateTimeField("创建时间", auto_now_add=True)
    started = models.DateTimeField("开始时间", null=True, blank=True)
    finished = models.DateTimeField("完成时间", null=True, blank=True)
    # Touched by every progress write: a running job whose heartbeat is old has lost its worker.
    updated = models.DateTimeField("更新时间", auto_now=True)

    objects = JobQuerySet.as_manager()

    # Kinds whose result belongs to the region rather than to its creator: the region's
    # leaders read them as its office does.
    REGION_READ = [Kind.REPORT]

    class Meta:
        verbose_name = verbose_name_plural = "导入导出任务"
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["status", "created"], name="job_status_created"),
            models.Index(fields=["created_by", "-created"], name="job_creator_created"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} {self.get_status_display()}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("jobs:job-detail", kwargs={"pk": self.pk})

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(99, self.progress_done * 100 // self.progress_total)
