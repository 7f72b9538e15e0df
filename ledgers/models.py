import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, FloatField, OuterRef, Q
from django.db.models.functions import Cast, NullIf
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Role, ScopedQuerySet, Unit
from accounts.workflow import Transition, Workflow
from evidence.models import EvidenceDocument, EvidenceImage
from points.models import count_of

# The five elements of an explanation report (说明报告五要素), with what assessors look for.
REPORT_ELEMENTS = {
    "responsibility": ("主体责任", "写明牵头单位、分管领导和具体负责科室，职责分工到人。"),
    "deployment": ("部署文件", "列出本年度印发的方案、通知、会议纪要的文号和日期。"),
    "measures": ("具体措施", "写清做了哪些工作、何时何地、覆盖多少人次/点位。"),
    "data": ("数据实例", "给出可核实的数字和典型事例，注明来源。"),
    "results": ("取得成效", "对比前后变化，写明群众评价、媒体报道或获得的表彰。"),
}


def local_day_start(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def local_day_end(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


COMPLETION_TEXT = ("完成率 = 审核通过的台账 ÷ 应报台账（每项任务的牵头单位和配合单位各应报一份；"
                   "已签字待审核、被退回和未报送的都不算完成）")


def completion_rate(approved, required):
    """完成率, the one definition every page, report and export shows: approved (审核通过)
    current submissions over what is required of the units (one per task and required
    unit), in %; None when nothing is required."""
    return round(100.0 * min(approved, required) / required, 1) if required else None


class LedgerRequirementQuerySet(ScopedQuerySet):
    def within(self, scope):
        """Office/leader staff see their region's requirements; a unit sees those it leads or
        contributes to (one EXISTS for the contributors, no duplicate rows)."""
        path = scope.path
        contributes = LedgerRequirement.contributing_units.through.objects.filter(
            ledgerrequirement_id=OuterRef("pk"), unit__path__startswith=path
        )
        return self.filter(
            Q(region__path__startswith=path) | Q(lead_unit__path__startswith=path)
            | Exists(contributes)
        )

    def with_progress(self):
        """Annotate `unit_count` (lead + contributors), `drafted_count`, `signed_count`,
        `returned_count`, `approved_count`, `on_time_count` (approved, signed by the deadline)
        and `completion_rate` / `on_time_rate` in %. Correlated subquery counts over current
        versions: one row per requirement, a constant number of queries."""
        current = LedgerSubmission.objects.filter(requirement=OuterRef("pk"), is_current=True)
        contributors = LedgerRequirement.contributing_units.through.objects.filter(
            ledgerrequirement_id=OuterRef("pk")
        ).exclude(unit_id=OuterRef("lead_unit_id"))
        S = LedgerSubmission.Status
        return self.annotate(
            unit_count=count_of(contributors) + 1,
            drafted_count=count_of(current.filter(status=S.DRAFT)),
            signed_count=count_of(current.filter(status=S.SIGNED)),
            returned_count=count_of(current.filter(status=S.RETURNED)),
            approved_count=count_of(current.filter(status=S.APPROVED)),
            on_time_count=count_of(
                current.filter(status=S.APPROVED, first_signed_at__lte=OuterRef("deadline"))
            ),
        ).annotate(
            completion_rate=Cast(F("approved_count"), FloatField()) * 100.0
            / Cast(F("unit_count"), FloatField()),
            on_time_rate=Cast(F("on_time_count"), FloatField()) * 100.0
            / Cast(NullIf(F("approved_count"), 0), FloatField()),
        )


class LedgerRequirement(models.Model):
    """A ledger task (台账任务): the material one framework standard needs, who hands it in
    (a lead unit and contributing units) and by when."""

    region = models.ForeignKey(Unit, verbose_name="所属区域", on_delete=models.PROTECT,
                               related_name="+")
    year = models.PositiveIntegerField("年度", db_index=True)
    standard = models.ForeignKey(
        "points.FrameworkItem", verbose_name="测评标准", on_delete=models.PROTECT,
        related_name="ledger_requirements", limit_choices_to={"level": "standard"},
    )
    title = models.CharField("任务名称", max_length=200)
    lead_unit = models.ForeignKey(Unit, verbose_name="牵头单位", on_delete=models.PROTECT,
                                  related_name="led_ledger_requirements")
    contributing_units = models.ManyToManyField(
        Unit, verbose_name="配合单位", blank=True, related_name="ledger_requirements"
    )
    deadline = models.DateTimeField("截止时间", db_index=True)
    photo_count = models.PositiveIntegerField("照片数量", default=0)
    report_required = models.BooleanField("需要说明报告", default=True)
    document_count = models.PositiveIntegerField("文件数量", default=0,
                                                 help_text="如部署文件、会议纪要的份数")
    documents_note = models.CharField("文件要求", max_length=300, blank=True)
    material_start = models.DateField("材料起始日期")
    material_end = models.DateField("材料截止日期")
    activity_name = models.CharField("活动名称", max_length=100, blank=True,
                                     help_text="如：我们的节日·端午")
    activity_start = models.DateField("活动开始日期", null=True, blank=True)
    activity_end = models.DateField("活动结束日期", null=True, blank=True)
    guidance = models.TextField("填报说明", blank=True)
    sample = models.FileField("样例文件", upload_to="ledgers/samples/%Y/", blank=True,
                              max_length=255)
    copied_from = models.ForeignKey("self", verbose_name="复制自", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField("创建时间", auto_now_add=True)

    objects = LedgerRequirementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "台账任务"
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(material_start__lte=F("material_end")),
                name="ledgers_requirement_material_window",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.standard.code} {self.title}"

    def get_absolute_url(self):
        return reverse("ledgers:requirement-detail", kwargs={"pk": self.pk})

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.material_start and self.material_end and self.material_start > self.material_end:
            errors["material_end"] = "材料截止日期不能早于起始日期。"
        if bool(self.activity_start) != bool(self.activity_end):
            errors["activity_end"] = "活动开始和结束日期要同时填写。"
        elif self.activity_start and self.activity_start > self.activity_end:
            errors["activity_end"] = "活动结束日期不能早于开始日期。"
        if errors:
            raise ValidationError(errors)

    def photo_window(self):
        """(start, end) datetimes the photos must be taken in: the activity window if there is
        one, else the material window; whole local days."""
        if self.activity_start and self.activity_end:
            return local_day_start(self.activity_start), local_day_end(self.activity_end)
        return local_day_start(self.material_start), local_day_end(self.material_end)

    def unit_ids(self):
        return {self.lead_unit_id, *self.contributing_units.values_list("pk", flat=True)}

    def completion(self):
        """This task's 完成率 (`completion_rate`) from the `with_progress` counts."""
        return completion_rate(self.approved_count, self.unit_count)

    def deadline_passed(self, now):
        return now > self.deadline

    @property
    def is_closed(self):
        """已截止: the deadline has passed (what the lists show next to the task)."""
        return self.deadline_passed(timezone.now())


class LedgerSubmissionQuerySet(ScopedQuerySet):
    """Submissions of units within the viewer's scope (one indexed prefix match)."""

    scope_field = "unit"

    def current(self):
        return self.filter(is_current=True)


def submission_visible_to(user, unit_path):
    """Whether `user` may see a submission of the unit at `unit_path`: the rule of
    `LedgerSubmissionQuerySet.visible_to` on a row already read (no query)."""
    path = user.scope_path
    return path is not None and unit_path.startswith(path)


class LedgerSubmission(models.Model):
    """One version of a unit's material for a ledger task. Resubmitting after a return makes
    a new version; the returned one stays as history."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SIGNED = "signed", "已签字确认"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "审核通过"

    # Submitted material is evidence: a task that has any cannot be deleted (admin included).
    requirement = models.ForeignKey(LedgerRequirement, verbose_name="台账任务",
                                    on_delete=models.PROTECT, related_name="submissions")
    unit = models.ForeignKey(Unit, verbose_name="报送单位", on_delete=models.PROTECT,
                             related_name="ledger_submissions")
    version = models.PositiveIntegerField("版本", default=1)
    previous = models.OneToOneField("self", verbose_name="上一版本", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="next_version")
    # Only the newest version of (requirement, unit) is current; progress reads these.
    is_current = models.BooleanField("当前版本", default=True, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    report = models.JSONField("说明报告", default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签字领导", null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField("签字时间", null=True, blank=True)
    # The first signature of the whole version chain: on-time means signed by the deadline.
    first_signed_at = models.DateTimeField("首次签字时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_comments = models.JSONField("审核意见", default=dict, blank=True)
    created = models.DateTimeField("创建时间", auto_now_add=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    objects = LedgerSubmissionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "台账材料"
        ordering = ["-updated", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["requirement", "unit", "version"],
                                    name="ledgers_submission_version"),
            models.UniqueConstraint(fields=["requirement", "unit"], condition=Q(is_current=True),
                                    name="ledgers_submission_one_current"),
        ]
        indexes = [models.Index(fields=["unit", "is_current", "status"],
                                name="ledgers_sub_unit_current_idx")]

    def __str__(self):
        return f"{self.requirement} · {self.unit} · 第{self.version}版"

    def get_absolute_url(self):
        return reverse("ledgers:submission-detail", kwargs={"pk": self.pk})

    @property
    def is_signed(self):
        return self.signed_at is not None

    @property
    def is_editable(self):
        return self.status == self.Status.DRAFT

    def available_actions(self, user):
        """The workflow actions `user` may take on this submission now: the table's, the
        unit's own steps only for the unit's own staff, a new version only of the current."""
        names = WORKFLOW.available(self, user)
        if not user.is_superuser and user.unit_id != self.unit_id:
            names -= OWN_UNIT_ACTIONS
        if not self.is_current:
            names.discard("new_version")
        return names

    def missing_report_elements(self):
        return [label for key, (label, _) in REPORT_ELEMENTS.items()
                if not str(self.report.get(key, "") or "").strip()]


_S = LedgerSubmission.Status
# The sign-off and review of a submission: the unit drafts, its main leader signs (主要领导
# 签字确认), the office approves or returns; a returned version is followed by a new one.
# Read by the services to refuse, by the detail page and the API to offer the actions.
WORKFLOW = Workflow(
    Transition("update", "修改", [_S.DRAFT], None, {Role.LIAISON}),
    Transition("sign", "签字确认", [_S.DRAFT], _S.SIGNED, {Role.UNIT_LEADER}),
    Transition("approve", "审核通过", [_S.SIGNED], _S.APPROVED, {Role.OFFICE}),
    Transition("return", "退回", [_S.SIGNED], _S.RETURNED, {Role.OFFICE}),
    Transition("new_version", "重新填报", [_S.RETURNED], None, {Role.LIAISON}),
)
# Steps only the submitting unit's own staff take.
OWN_UNIT_ACTIONS = {"update", "sign", "new_version"}


class PresentFileManager(models.Manager):
    """A draft's files still on it: a file the liaison removed is hidden at once (and from
    `submission.photos` / `.documents`, which use this manager) but kept for the undo
    window, then purged with its file (`ledger_removed_files_purge`)."""

    def get_queryset(self):
        return super().get_queryset().filter(removed_at__isnull=True)


class AllFilesManager(models.Manager):
    """Every file of a draft, the removed ones included (undo and purge)."""


class RemovableFile(models.Model):
    """Who removed a draft's file and when, so that person may put it back for a while."""

    removed_at = models.DateTimeField("删除时间", null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="删除人", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = PresentFileManager()
    with_removed = AllFilesManager()

    class Meta:
        abstract = True


class LedgerPhoto(RemovableFile, EvidenceImage):
    """A photo of a submission, captioned as the national submission rules ask (时间、地点、
    人物、主题、事由), with the honesty flags the worker sets."""

    evidence_owner_field = "submission"
    file_url_name = "ledgers:photo-file"

    submission = models.ForeignKey(LedgerSubmission, on_delete=models.CASCADE,
                                   related_name="photos")
    caption_time = models.CharField("时间", max_length=50, blank=True)
    caption_place = models.CharField("地点", max_length=100, blank=True)
    caption_people = models.CharField("人物", max_length=100, blank=True)
    caption_subject = models.CharField("主题", max_length=100, blank=True)
    caption_reason = models.CharField("事由", max_length=200, blank=True)
    # The near-identical photo found elsewhere: model label + id + a link for the reviewer.
    duplicate_of_model = models.CharField("重复照片类型", max_length=60, blank=True)
    duplicate_of_id = models.BigIntegerField("重复照片编号", null=True, blank=True)
    duplicate_of_url = models.CharField("重复照片链接", max_length=300, blank=True)
    duplicate_distance = models.PositiveSmallIntegerField("差异位数", null=True, blank=True)
    exif_outside_window = models.BooleanField("拍摄时间不在规定时段", default=False)
    no_exif = models.BooleanField("无拍摄时间", default=False)
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "台账照片"
        ordering = ["id"]
        # A photo deleted for good finds the photos flagged as its copies (the few flagged
        # rows only), once per deleted photo: see services.ledger_photo_flags_recheck.
        indexes = [models.Index(fields=["duplicate_of_id", "duplicate_of_model"],
                                condition=Q(duplicate_of_id__isnull=False),
                                name="ledgers_photo_duplicate_of_idx")]

    def __str__(self):
        return self.caption_text or self.original_name

    def watermark_place(self):
        return self.caption_place or self.submission.unit.name

    @property
    def caption_text(self):
        parts = [self.caption_time, self.caption_place, self.caption_people,
                 self.caption_subject, self.caption_reason]
        return " ".join(p for p in parts if p)

    @property
    def is_duplicate(self):
        return self.duplicate_of_id is not None


class LedgerDocument(RemovableFile, EvidenceDocument):
    """A document of a submission: 部署文件, minutes, data sheets (PDF, Word, Excel)."""

    evidence_owner_field = "submission"
    file_url_name = "ledgers:document-file"

    submission = models.ForeignKey(LedgerSubmission, on_delete=models.CASCADE,
                                   related_name="documents")
    title = models.CharField("文件名称", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "台账文件"
        ordering = ["id"]

    def __str__(self):
        return self.title or self.original_name


class LedgerEvent(models.Model):
    """One step in a submission's life: who did what, when, with which comment."""

    class Action(models.TextChoices):
        CREATE = "create", "新建草稿"
        NEW_VERSION = "new_version", "重新填报"
        REQUEST_SIGN = "request_sign", "提交领导签字"
        SIGN = "sign", "主要领导签字确认"
        APPROVE = "approve", "审核通过"
        RETURN = "return", "退回修改"
        REMOVE_FILE = "remove_file", "删除文件"
        RESTORE_FILE = "restore_file", "撤销删除"
        REPLACE_FILE = "replace_file", "替换照片"

    submission = models.ForeignKey(LedgerSubmission, on_delete=models.CASCADE,
                                   related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    comment = models.TextField("说明", blank=True)
    created = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "台账操作记录"
        ordering = ["created", "id"]

    def __str__(self):
        return f"{self.action} {self.created:%Y-%m-%d %H:%M}"

    @property
    def action_label(self):
        return self.get_action_display()


def export_upload_to(instance, filename):
    # Kept for migration 0001 (the export jobs now live in the jobs app).
    return f"ledgers/exports/{instance.region_id}/{uuid.uuid4().hex}.zip"



class LedgerReminder(models.Model):
    """A deadline reminder that went out to a unit for a task. The database guarantees each
    is sent once per (task, unit, days before, deadline): a re-run or a second worker inserts
    nothing, and a changed deadline starts afresh. `days_before` 0 is the reminder at the
    deadline."""

    requirement = models.ForeignKey(LedgerRequirement, verbose_name="台账任务",
                                    on_delete=models.CASCADE, related_name="reminders")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE,
                             related_name="+")
    days_before = models.PositiveSmallIntegerField("提前天数")
    deadline = models.DateTimeField("针对的截止时间")
    run_token = models.CharField(max_length=32, db_index=True)
    created = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "台账提醒记录"
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["requirement", "unit", "days_before", "deadline"],
                                    name="ledgers_reminder_once"),
        ]

    def __str__(self):
        return f"{self.requirement_id}/{self.unit_id} 提前{self.days_before}天"


class ReportCheckSettings(models.Model):
    """How a district's office runs the copied-report check: the similarity from which a
    report is flagged, and the template text it hands out (never counted as copying)."""

    region = models.OneToOneField(Unit, verbose_name="所属区域", on_delete=models.CASCADE,
                                  related_name="+")
    threshold = models.FloatField(
        "雷同阈值", default=0.5,
        validators=[MinValueValidator(0.3), MaxValueValidator(0.95)],
        help_text="两份报告的文字相似度达到此值即提示雷同（0.30–0.95，默认 0.50）")
    template_text = models.TextField(
        "统一模板文字", blank=True,
        help_text="创城办下发的统一标题、模板段落等，各单位照填不算抄袭；每段一行")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "材料雷同核查设置"

    def __str__(self):
        return f"{self.region} {self.threshold:.0%}"


class ReportFingerprint(models.Model):
    """A signed report's text as the copy check read it (five elements and document text),
    its MinHash signature, and what could not be read. Its `ReportBand` rows are the
    persistent LSH index while it is the newest checked version of its unit's material."""

    submission = models.OneToOneField(LedgerSubmission, on_delete=models.CASCADE,
                                      related_name="fingerprint")
    text = models.TextField("报告文字", blank=True)
    signature = models.BinaryField("MinHash 签名")
    shingle_count = models.PositiveIntegerField("片段数", default=0)
    notes = models.JSONField("未读取的文件", default=list, blank=True)
    checked_at = models.DateTimeField("核查时间")

    class Meta:
        verbose_name = verbose_name_plural = "报告文字指纹"

    def __str__(self):
        return f"{self.submission_id} {self.checked_at:%Y-%m-%d %H:%M}"


class ReportBand(models.Model):
    """One LSH band key of a fingerprint: reports sharing a key are candidate copies."""

    fingerprint = models.ForeignKey(ReportFingerprint, on_delete=models.CASCADE,
                                    related_name="bands")
    key = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "报告指纹分段"

    def __str__(self):
        return f"{self.fingerprint_id}:{self.key}"


class ReportMatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Flags of the submissions the user sees (their scope, as a subquery)."""
        return self.filter(submission__in=LedgerSubmission.objects.visible_to(user))


class ReportMatch(models.Model):
    """A report whose text overlaps an earlier or concurrent one above the office's
    threshold: which, how much, and the passages both share (spans of each side's
    fingerprint text)."""

    class Kind(models.TextChoices):
        OTHER_UNIT = "other_unit", "与其他单位同年材料雷同"
        OWN_PAST = "own_past", "照搬本单位往年材料"
        OTHER_PAST = "other_past", "与其他单位往年材料雷同"

    submission = models.ForeignKey(LedgerSubmission, on_delete=models.CASCADE,
                                   related_name="text_matches")
    other = models.ForeignKey(LedgerSubmission, on_delete=models.CASCADE,
                              related_name="text_matched_by")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    similarity = models.FloatField("相似度")
    # [[own start, own end, other start, other end], ...] in the two fingerprints' texts.
    passages = models.JSONField("雷同段落", default=list)
    created = models.DateTimeField("发现时间", auto_now_add=True)

    objects = ReportMatchQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "材料雷同提示"
        ordering = ["-similarity", "id"]
        constraints = [models.UniqueConstraint(fields=["submission", "other"],
                                               name="ledgers_reportmatch_pair")]

    def __str__(self):
        return f"{self.submission_id} ~ {self.other_id} {self.similarity:.0%}"
