"""Residents' reports (文明随手拍) and the keys of the external systems that push cases in.

Nothing a resident writes is shown outside the office before the office accepts it: reports
are read only through `CivicReportQuerySet.visible_to` (the office of the report's district),
and the resident sees the state of their own report through its tracking code alone.
"""

import base64
import hashlib
import re
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models
from django.urls import reverse

from accounts.models import Role, Unit
from evidence.models import EvidenceImage


def _fernet():
    """The key that encrypts reporters' phone numbers: CIVIC_PHONE_KEY (a Fernet key), else
    one derived from SECRET_KEY, so a database dump alone never reveals a number."""
    key = getattr(settings, "CIVIC_PHONE_KEY", "")
    if not key:
        digest = hashlib.sha256(f"civic-phone:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest)
    return Fernet(key)


def new_tracking_code():
    """32 random URL-safe characters (192 bits): not guessable, not enumerable."""
    return secrets.token_urlsafe(24)


def could_be_tracking_code(text):
    """Whether `text` has a tracking code's shape; anything else (a NUL byte, which PostgreSQL
    refuses in a query, or a long string) is not looked up at all."""
    return bool(_CODE_SHAPE.fullmatch(text))


_CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,40}")


class ReportCategory(models.Model):
    """A plain-language choice a resident picks (“垃圾没人清”), filed as an issue category;
    the same list is the Open311 service list."""

    name = models.CharField("名称（市民看到的）", max_length=30, unique=True)
    hint = models.CharField("举例说明", max_length=100, blank=True,
                            help_text="如：路边、楼道里的垃圾堆了好几天没人清")
    service_code = models.SlugField("服务代码（Open311）", max_length=30, unique=True,
                                    help_text="外部系统推送时使用的代码，如 garbage")
    issue_category = models.ForeignKey("issues.IssueCategory", verbose_name="转为问题类别",
                                       on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "随手拍类别"
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class CivicPolicy(models.Model):
    """What a district's office decided for its reports: how long a reporter's phone number
    is kept after the case ends."""

    region = models.OneToOneField(Unit, verbose_name="区域", on_delete=models.CASCADE,
                                  related_name="civic_policy")
    phone_retention_days = models.PositiveIntegerField(
        "电话保留天数", default=30,
        help_text="办结或不予受理后再保留多少天，到期自动删除市民的联系电话")
    updated = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "随手拍设置"

    def __str__(self):
        return f"{self.region} 随手拍设置"


class CivicReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reports of the office's region (one query); nobody else reads what residents
        wrote, leaders included (they see the monthly figures only)."""
        path = user.scope_path
        if path is None or not (user.is_superuser or user.role == Role.OFFICE):
            return self.none()
        if path == "":
            return self
        # The region ids read first and passed as literals: the planner then uses the
        # (region, status, created) index for each region instead of joining a subquery.
        regions = list(Unit.objects.filter(path__startswith=path, path=models.F("region_path"))
                       .values_list("pk", flat=True))
        return self.filter(region_id__in=regions)

    def near(self, lat, lng, radius_m):
        """Reports whose coordinates lie in the box around (lat, lng) of half-side
        `radius_m`: the indexed pre-filter before the exact distance."""
        dlat = radius_m / 111_000
        dlng = radius_m / (111_000 * max(0.2, abs(_cos_deg(lat))))
        return self.filter(latitude__range=(lat - dlat, lat + dlat),
                           longitude__range=(lng - dlng, lng + dlng))


def _cos_deg(value):
    import math

    return math.cos(math.radians(float(value)))


class CivicReport(models.Model):
    """A report by a resident (文明随手拍) or pushed by the 12345 hotline / 数字城管 through
    Open311, waiting for the office: accepted as an issue, merged into another report, or
    refused with a reason."""

    class Status(models.TextChoices):
        NEW = "new", "待审核"
        ACCEPTED = "accepted", "已转为问题"
        MERGED = "merged", "已合并"
        REJECTED = "rejected", "不予受理"

    class Channel(models.TextChoices):
        WEB = "web", "市民随手拍"
        OPEN311 = "open311", "外部系统推送"

    class RejectReason(models.TextChoices):
        OUT_OF_SCOPE = "out_of_scope", "不属于文明城市创建问题"
        OUT_OF_AREA = "out_of_area", "不在本辖区范围内"
        UNCLEAR = "unclear", "照片或描述不清，无法核实"
        FIXED = "fixed", "经核实问题已不存在"
        PRIVATE = "private", "属于个人纠纷，请通过其他渠道反映"
        ABUSE = "abuse", "内容不实或与问题无关"

    code = models.CharField("查询码", max_length=40, unique=True, default=new_tracking_code,
                            editable=False)
    region = models.ForeignKey(Unit, verbose_name="所属区域", on_delete=models.PROTECT,
                               related_name="civic_reports")
    category = models.ForeignKey(ReportCategory, verbose_name="类别", on_delete=models.PROTECT,
                                 related_name="reports")
    description = models.TextField("问题描述")
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=10, decimal_places=6, null=True,
                                    blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    # Fernet ciphertext of the reporter's phone number; emptied after the retention period.
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_erased_at = models.DateTimeField("电话删除时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.NEW)
    channel = models.CharField("来源", max_length=10, choices=Channel.choices,
                               default=Channel.WEB)
    api_key = models.ForeignKey("civic.ApiKey", verbose_name="推送系统", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="reports")
    # The photo link an external system sent (Open311 `media_url`), shown to the office as is.
    media_url = models.URLField("照片链接", max_length=500, blank=True)
    issue = models.ForeignKey("issues.Issue", verbose_name="转为问题", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="civic_reports")
    duplicate_of = models.ForeignKey("self", verbose_name="合并到", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="merged")
    # Set when the report came in and another of the district looked like the same case
    # (same place within the radius and time window, or a near photo): the queue's badge.
    likely_duplicate = models.BooleanField("疑似重复", default=False)
    reject_reason = models.CharField("不予受理原因", max_length=20,
                                     choices=RejectReason.choices, blank=True)
    reject_note = models.CharField("补充说明", max_length=200, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    created = models.DateTimeField("上报时间", auto_now_add=True, db_index=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    objects = CivicReportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "随手拍"
        ordering = ["-created", "-id"]
        indexes = [
            # The moderation queue: a region's reports by status, newest first.
            models.Index(fields=["region", "status", "-created", "-id"],
                         name="civic_report_queue_idx"),
            models.Index(fields=["region", "-created", "-id"], name="civic_report_region_idx"),
            # Duplicate suggestions: the box around a place.
            models.Index(fields=["latitude", "longitude"], name="civic_report_place_idx"),
        ]

    def __str__(self):
        return f"随手拍 #{self.pk} {self.category}"

    def get_absolute_url(self):
        return reverse("civic:report-detail", args=[self.pk])

    @property
    def location_display(self):
        if self.address:
            return self.address
        if self.latitude is not None:
            return f"{float(self.latitude):.5f}, {float(self.longitude):.5f}"
        return "（未填位置）"

    def set_phone(self, phone):
        self.phone_cipher = _fernet().encrypt(phone.encode()).decode() if phone else ""

    @property
    def phone(self):
        """The reporter's number for the office, or "" (none, erased, or key changed)."""
        if not self.phone_cipher:
            return ""
        try:
            return _fernet().decrypt(self.phone_cipher.encode()).decode()
        except InvalidToken:
            return ""

    def root(self):
        """The report this one was merged into, followed to the end."""
        report, seen = self, set()
        while report.duplicate_of_id and report.pk not in seen:
            seen.add(report.pk)
            report = report.duplicate_of
        return report


class ReportEvent(models.Model):
    """One line of a report's audit trail: received, accepted, merged, refused, number erased."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", "收到上报"
        ACCEPT = "accept", "转为问题"
        MERGE = "merge", "合并"
        REJECT = "reject", "不予受理"
        ERASE_PHONE = "erase_phone", "删除联系电话"

    report = models.ForeignKey(CivicReport, verbose_name="随手拍", on_delete=models.CASCADE,
                               related_name="events")
    kind = models.CharField("事项", max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField("说明", blank=True)
    created = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "随手拍处理记录"
        ordering = ["created", "id"]

    def __str__(self):
        return f"#{self.report_id} {self.get_kind_display()}"


class ReportPhoto(EvidenceImage):
    """A photo a resident or an external system sent with a report."""

    evidence_owner_field = "report"
    file_url_name = "civic:photo-file"

    report = models.ForeignKey(CivicReport, verbose_name="随手拍", on_delete=models.CASCADE,
                               related_name="photos")

    class Meta:
        verbose_name = verbose_name_plural = "随手拍照片"
        ordering = ["report", "id"]

    def __str__(self):
        return f"随手拍 #{self.report_id} 照片"


def hash_key(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def visible_to(self, user):
        path = user.scope_path
        if path is None or not (user.is_superuser or user.role == Role.OFFICE):
            return self.none()
        return self if path == "" else self.filter(region__path__startswith=path)


class ApiKey(models.Model):
    """The key the office issued to one external system (12345 热线, 数字城管) for the Open311
    interface: it acts within one region, can be revoked, and every call is logged. Only its
    SHA-256 is stored; the key itself is shown once, when issued."""

    name = models.CharField("系统名称", max_length=60)
    region = models.ForeignKey(Unit, verbose_name="可用区域", on_delete=models.PROTECT,
                               related_name="+")
    prefix = models.CharField("密钥前缀", max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    trusted = models.BooleanField(
        "直接转为问题", default=False,
        help_text="勾选后，该系统推送的案件不经审核直接成为问题并派发；否则进入审核队列")
    is_active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发人",
                                   on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField("签发时间", auto_now_add=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近调用", null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "接口密钥"
        ordering = ["-created"]

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"


class ApiCall(models.Model):
    """One call of the Open311 interface, with or without a valid key."""

    api_key = models.ForeignKey(ApiKey, verbose_name="密钥", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="calls")
    method = models.CharField("方法", max_length=8)
    path = models.CharField("地址", max_length=255)
    status_code = models.PositiveSmallIntegerField("结果")
    remote_addr = models.CharField("来源地址", max_length=45, blank=True)
    created = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "接口调用记录"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["api_key", "-created"], name="civic_apicall_key_idx")]

    def __str__(self):
        return f"{self.method} {self.path} {self.status_code}"
