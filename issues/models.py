from itertools import pairwise

from django.conf import settings
from django.db import connection, models
from django.db.models import Count, Exists, F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from simple_history.models import HistoricalRecords

from accounts.models import Role, ScopedQuerySet, Unit
from accounts.workflow import Transition, Workflow
from evidence.models import EvidenceImage

from .counts import issues_changed


class Severity(models.TextChoices):
    MINOR = "minor", "一般"
    MAJOR = "major", "较重"
    SEVERE = "severe", "严重"


class IssueCategoryQuerySet(ScopedQuerySet):
    """Categories are reference data shared by the whole city."""

    shared = True


class IssueCategory(models.Model):
    """A kind of defect (乱停乱放, 飞线充电, …) with the deadline it usually gets."""

    class DeadlineUnit(models.TextChoices):
        HOURS = "hours", "小时"
        WORKING_DAYS = "working_days", "工作日"

    name = models.CharField("名称", max_length=50, unique=True)
    deadline_value = models.PositiveIntegerField("默认整改时限", default=3)
    deadline_unit = models.CharField(
        "时限单位", max_length=20, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_DAYS
    )
    severity = models.CharField("默认严重程度", max_length=10, choices=Severity.choices,
                                default=Severity.MINOR)
    suggested_unit = models.ForeignKey(
        Unit, verbose_name="建议责任单位", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="点位没有主管部门时，派发时默认建议的单位",
    )
    order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("在用", default=True)

    objects = IssueCategoryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "问题类别"
        ordering = ["order", "id"]

    def __str__(self):
        return self.name

    @property
    def deadline_display(self):
        return f"{self.deadline_value}{self.get_deadline_unit_display()}"


class Holiday(models.Model):
    """One day of the office-maintained calendar that differs from Monday–Friday: a public
    holiday (is_workday false) or an adjusted working weekend (调休上班, is_workday true)."""

    date = models.DateField("日期", unique=True)
    name = models.CharField("名称", max_length=50)
    is_workday = models.BooleanField("调休上班", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "节假日"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}{'（上班）' if self.is_workday else ''}"


class Status(models.TextChoices):
    NEW = "new", "待派发"
    ASSIGNED = "assigned", "整改中"
    SUBMITTED = "submitted", "待复核"
    DISPUTED = "disputed", "有异议"
    CLOSED = "closed", "已销号"


class Source(models.TextChoices):
    DAILY = "daily", "日常督查"
    UNDERCOVER = "undercover", "暗访"
    MOCK = "mock", "模拟测评"
    PROVINCIAL = "provincial", "省测"
    NATIONAL = "national", "国测"
    CITIZEN = "citizen", "市民反映"
    HOTLINE = "hotline", "12345"


# Statuses in which the responsible unit owes a rectification: the deadline runs, reminders
# go out and the issue can be overdue.
RECTIFYING = (Status.ASSIGNED,)
OPEN = (Status.NEW, Status.ASSIGNED, Status.SUBMITTED, Status.DISPUTED)

# Who acts in the workflow.
FILE_ROLES = {Role.OFFICE, Role.INSPECTOR}
DISPATCH_ROLES = {Role.OFFICE}
REVIEW_ROLES = {Role.OFFICE, Role.INSPECTOR}
UNIT_ROLES = {Role.LIAISON, Role.UNIT_LEADER, Role.POINT_CHIEF}
WRITE_ROLES = set(Role) - {Role.LEADER}

# The rectification workflow (new → assigned → submitted → closed, with rejection, dispute,
# reassignment, relapse and deadline extensions): read by the services to refuse, by the
# issue page and the API to offer only what the user may do. Extensions keep the status; a
# pending request (`has_pending_extension`) decides which of them is on offer.
WORKFLOW = Workflow(
    Transition("assign", "派发", [Status.NEW], Status.ASSIGNED, DISPATCH_ROLES),
    Transition("submit", "提交整改", [Status.ASSIGNED], Status.SUBMITTED, UNIT_ROLES),
    Transition("dispute", "提出异议", [Status.ASSIGNED], Status.DISPUTED, UNIT_ROLES),
    Transition("approve", "复核通过", [Status.SUBMITTED], Status.CLOSED, REVIEW_ROLES),
    Transition("reject", "退回", [Status.SUBMITTED], Status.ASSIGNED, REVIEW_ROLES),
    Transition("reassign", "改派", [Status.ASSIGNED, Status.DISPUTED], Status.ASSIGNED,
               DISPATCH_ROLES),
    Transition("reopen", "重开", [Status.CLOSED], Status.ASSIGNED, REVIEW_ROLES),
    Transition("request_extension", "申请延期", [Status.ASSIGNED], None, UNIT_ROLES),
    Transition("grant_extension", "审批延期", Status.values, None, DISPATCH_ROLES),
    Transition("refuse_extension", "审批延期", Status.values, None, DISPATCH_ROLES),
    Transition("comment", "添加备注", Status.values, None, WRITE_ROLES),
)
EXTENSION_DECISIONS = {"grant_extension", "refuse_extension"}


def _gram_char(ch):
    """Characters that take part in search bigrams: CJK ideographs and ASCII letters and
    digits, for which Python's lower() and PostgreSQL's ILIKE agree on case. A pair with any
    other character is left out of both the stored grams and the query, which only makes the
    index narrow less (ILIKE still decides)."""
    return ch.isascii() and ch.isalnum() or "\u3400" <= ch <= "\u9fff" or (
        "\uf900" <= ch <= "\ufaff")


def _grams(text):
    text = text.lower()
    return {f"g{ord(a):x}x{ord(b):x}" for a, b in pairwise(text)
            if _gram_char(a) and _gram_char(b)}


def search_grams(*texts):
    """The space-separated bigram tokens of `texts` (plain ASCII words, read as the lexemes of
    a tsvector): "垃圾" → "g5783x573e"."""
    grams = set()
    for text in texts:
        grams |= _grams(text or "")
    return " ".join(sorted(grams))


def search_query(text):
    """A tsquery AND of the bigrams of `text`, or "" when it has none (one character)."""
    return " & ".join(sorted(_grams(text)))


class SearchGramsField(models.TextField):
    """A tsvector column on PostgreSQL (written as its space-separated lexemes), text
    elsewhere."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else super().db_type(connection)


class SearchGramsMatch(Func):
    """`search_grams @@ to_tsquery('simple', query)` (PostgreSQL), through the GIN index of
    migration 0003."""

    output_field = models.BooleanField()

    def as_sql(self, compiler, connection, **extra):
        (grams, grams_params), (query, query_params) = (
            compiler.compile(e) for e in self.get_source_expressions())
        return (f"{grams} @@ to_tsquery('simple'::regconfig, {query})",
                (*grams_params, *query_params))


class IssueQuerySet(ScopedQuerySet):
    def within(self, scope):
        """Issues the scope may see (one query, no duplicates).

        Office, inspectors and leaders: every issue filed in their region. Liaisons and unit
        leaders: issues whose responsible unit lies in their unit's subtree. Point chiefs: those
        too, and every issue at a point they are chief of.
        """
        path = scope.path
        if scope.regional:
            # The region units of the scope, read first (one small query): a literal
            # `region_id IN (…)` lets the list count and page walk the (region, created) index
            # alone, where a join to the unit paths made the planner visit every issue.
            regions = list(Unit.objects.filter(path__startswith=path, path=F("region_path"))
                           .order_by().values_list("pk", flat=True))
            return self.filter(region_id__in=regions)
        cond = Q(responsible_unit__path__startswith=path)
        if scope.role == Role.POINT_CHIEF and scope.user is not None:
            cond |= Q(point__chief=scope.user)
        return self.filter(cond)

    def open(self):
        return self.exclude(status=Status.CLOSED)

    def overdue(self, now):
        return self.filter(status__in=RECTIFYING, deadline__lt=now)

    def with_overdue(self, now):
        """`is_overdue` is derived on read from deadline and status, never stored."""
        return self.annotate(is_overdue=Q(status__in=RECTIFYING, deadline__lt=now))

    def with_relapse_count(self):
        """`relapse_count`: reopen events per issue. A correlated subquery rather than JOIN +
        GROUP BY keeps one row per issue and composes with any filter and ordering."""
        reopens = (
            IssueEvent.objects.filter(issue=OuterRef("pk"), kind=IssueEvent.Kind.REOPEN)
            .order_by().values("issue").annotate(n=Count("pk")).values("n")
        )
        return self.annotate(relapse_count=Coalesce(Subquery(reopens), Value(0)))

    def with_pending_extension(self):
        pending = ExtensionRequest.objects.filter(
            issue=OuterRef("pk"), status=ExtensionRequest.Status.PENDING
        )
        return self.annotate(has_pending_extension=Exists(pending))

    def for_list(self, now):
        """Everything a list row shows, in one query."""
        return (
            self.select_related("category", "point", "responsible_unit")
            .with_overdue(now).with_relapse_count()
        )

    def search(self, text):
        """Issues whose description or address contains `text` (any case), or whose point's
        name or initials do, or with that number.

        On PostgreSQL the description and address are first narrowed through the GIN index
        of their character bigrams (`search_grams`) and then checked with ILIKE, so the rows
        are exactly those of `icontains` without scanning the region; the matching points are
        read first (5,000 names) so that the whole condition is a union of index scans.
        """
        from points.models import Point

        text = (text or "").strip()
        if not text:
            return self
        in_text = Q(description__icontains=text) | Q(address__icontains=text)
        at_point = Q(name__icontains=text) | Q(name_initials__contains=text.lower())
        if connection.vendor == "postgresql":
            grams = search_query(text)
            if grams:
                match = Q(SearchGramsMatch(F("search_grams"), Value(grams)))
                # A two-character word is contained exactly when its one bigram is stored:
                # the index answers alone. Longer words: every bigram, then ILIKE decides.
                exact = len(text) == 2 and all(_gram_char(ch) for ch in text)
                in_text = match if exact else match & in_text
            cond = in_text | Q(point_id__in=list(
                Point.objects.filter(at_point).order_by().values_list("pk", flat=True)))
        else:
            cond = in_text | Q(point__in=Point.objects.filter(at_point).values("pk"))
        if text.isdigit():
            cond |= Q(pk=int(text))
        return self.filter(cond)

    def bulk_create(self, objs, *args, **kwargs):
        for obj in objs:
            obj.search_grams = search_grams(obj.description, obj.address)
        issues_changed()
        return super().bulk_create(objs, *args, **kwargs)

    # Writes that bypass `save` still change the lists' kept counts (issues/counts.py).
    def update(self, **kwargs):
        issues_changed()
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        issues_changed()
        return super().bulk_update(objs, fields, *args, **kwargs)

    def delete(self):
        issues_changed()
        return super().delete()


class Issue(models.Model):
    """A defect found at a point or a free location that a responsible unit must rectify by a
    deadline (限时整改) and the office must review before it is closed (销号)."""

    Status = Status
    Source = Source

    point = models.ForeignKey(
        "points.Point", verbose_name="点位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="issues",
    )
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=10, decimal_places=6, null=True,
                                    blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    category = models.ForeignKey(IssueCategory, verbose_name="问题类别",
                                 on_delete=models.PROTECT, related_name="issues")
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.DAILY)
    severity = models.CharField("严重程度", max_length=10, choices=Severity.choices,
                                default=Severity.MINOR)
    description = models.TextField("问题描述")
    # The district the issue belongs to: it scopes the issue for office staff even before a
    # responsible unit is chosen.
    region = models.ForeignKey(Unit, verbose_name="所属区域", on_delete=models.PROTECT,
                               related_name="region_issues")
    responsible_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="issues",
    )
    deadline = models.DateTimeField("整改期限", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NEW)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发现人", null=True, on_delete=models.SET_NULL,
        related_name="filed_issues",
    )
    created = models.DateTimeField("发现时间", auto_now_add=True, db_index=True)
    updated = models.DateTimeField("更新时间", auto_now=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    # 反弹: a finding of the same category at the same point within RELAPSE_WINDOW_DAYS of
    # that issue's 销号 (linked at filing, `services.relapse_target`).
    relapse_of = models.ForeignKey(
        "self", verbose_name="反弹自", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="relapses",
    )
    # Character bigrams of description and address for search (see IssueQuerySet.search),
    # written on every save and by bulk_create: a tsvector on PostgreSQL (the space-separated
    # tokens are its lexemes), plain text elsewhere.
    search_grams = SearchGramsField(editable=False, blank=True, default="")

    objects = IssueQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_grams"])

    class Meta:
        verbose_name = verbose_name_plural = "问题"
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="issues_issue_status_dl_idx"),
            models.Index(fields=["responsible_unit", "status"], name="issues_issue_unit_st_idx"),
            models.Index(fields=["point", "category", "status"], name="issues_issue_dup_idx"),
            # Lists: a region's issues newest first, with the columns the common filters test
            # (status, deadline for 逾期, category) after the order, so the count and the ids of
            # any page under any of those filters are read from the index alone.
            models.Index(fields=["region", "-created", "-id", "status", "deadline", "category"],
                         name="issues_issue_region_list_idx"),
            # A scope of several regions (the city office: `region_id IN (…)`) cannot take its
            # order from the region index: newest first over the whole table, ties by id, so
            # a page is the first rows of this index that pass the filters (no sort).
            models.Index(fields=["-created", "-id", "region", "status"],
                         name="issues_issue_created_list_idx"),
            # …and a unit subtree's (the `unit` filter), counted from the index alone.
            models.Index(fields=["responsible_unit", "region", "-created", "-id"],
                         name="issues_issue_unit_list_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.category} · {self.location_display}"

    def save(self, *args, **kwargs):
        self.search_grams = search_grams(self.description, self.address)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"description", "address"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_grams"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("issues:issue-detail", args=[self.pk])

    @property
    def location_display(self):
        if self.point_id:
            return self.point.name
        return self.address or "（未填地址）"

    def coordinates(self):
        """(lat, lng) as floats from the issue itself or its point, or None."""
        if self.latitude is not None and self.longitude is not None:
            return float(self.latitude), float(self.longitude)
        if self.point_id and self.point.has_location:
            return float(self.point.latitude), float(self.point.longitude)
        return None

    def available_actions(self, user):
        """The workflow actions `user` may take on this issue now: the table's, with the
        extension decisions only while a request is pending and a new request only while
        none is (`has_pending_extension` annotated, else one query)."""
        names = WORKFLOW.available(self, user)
        pending = getattr(self, "has_pending_extension", None)
        if pending is None:
            pending = self.extensions.filter(status=ExtensionRequest.Status.PENDING).exists()
        return names - ({"request_extension"} if pending else EXTENSION_DECISIONS)

    def deadline_passed(self, now):
        return self.status in RECTIFYING and self.deadline is not None and self.deadline < now


class IssueEvent(models.Model):
    """One line of an issue's audit trail: a transition, comment, reassignment or file."""

    class Kind(models.TextChoices):
        FILE = "file", "发现上报"
        ASSIGN = "assign", "派发"
        SUBMIT = "submit", "提交整改"
        APPROVE = "approve", "复核通过"
        REJECT = "reject", "退回重改"
        DISPUTE = "dispute", "提出异议"
        REASSIGN = "reassign", "改派"
        REOPEN = "reopen", "反弹重开"
        EXTENSION_REQUEST = "extension_request", "申请延期"
        EXTENSION_GRANT = "extension_grant", "同意延期"
        EXTENSION_REFUSE = "extension_refuse", "不同意延期"
        COMMENT = "comment", "备注"

    issue = models.ForeignKey(Issue, verbose_name="问题", on_delete=models.CASCADE,
                              related_name="events")
    kind = models.CharField("事项", max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True,
                              on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField("原状态", max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=Status.choices, blank=True)
    reason = models.TextField("说明", blank=True)
    unit = models.ForeignKey(Unit, verbose_name="责任单位", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    deadline = models.DateTimeField("期限", null=True, blank=True)
    created = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "问题流转记录"
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["issue", "kind"], name="issues_event_issue_kind_idx")]

    def __str__(self):
        return f"{self.issue_id} {self.get_kind_display()}"


class ExtensionRequest(models.Model):
    """A unit asking for more time on an issue; the office grants or refuses."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        GRANTED = "granted", "已同意"
        REFUSED = "refused", "不同意"

    issue = models.ForeignKey(Issue, verbose_name="问题", on_delete=models.CASCADE,
                              related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人",
                                     null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField("延期理由")
    requested_deadline = models.DateTimeField("申请延至")
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    created = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "延期申请"
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue"], condition=Q(status="pending"),
                name="issues_extensionrequest_one_pending",
            ),
        ]

    def __str__(self):
        return f"#{self.issue_id} 延期申请"


class Reminder(models.Model):
    """A reminder or escalation that went out for an issue. The database guarantees each is
    sent once per (issue, kind, deadline, day): a re-run or a second worker inserts nothing,
    and a changed deadline starts afresh."""

    class Kind(models.TextChoices):
        BEFORE = "before", "即将到期"
        DUE = "due", "已到期"
        OVERDUE = "overdue", "逾期提醒"
        LEADER = "leader", "逾期告知单位领导"
        NOTICE = "notice", "列入通报"

    issue = models.ForeignKey(Issue, verbose_name="问题", on_delete=models.CASCADE,
                              related_name="reminders")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    deadline = models.DateTimeField("针对的期限")
    # Daily overdue reminders carry the local day they are for; the others the deadline's day.
    day = models.DateField("日期")
    unit = models.ForeignKey(Unit, verbose_name="责任单位", null=True, on_delete=models.SET_NULL,
                             related_name="+")
    run_token = models.CharField(max_length=32, db_index=True)
    created = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "提醒记录"
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "kind", "deadline", "day"],
                                    name="issues_reminder_once"),
        ]

    def __str__(self):
        return f"#{self.issue_id} {self.get_kind_display()}"


class IssuePhoto(EvidenceImage):
    """A photo of an issue: taken when it was found (before) or after the rectification."""

    class Kind(models.TextChoices):
        BEFORE = "before", "整改前"
        AFTER = "after", "整改后"

    evidence_owner_field = "issue"
    file_url_name = "issues:photo-file"

    issue = models.ForeignKey(Issue, verbose_name="问题", on_delete=models.CASCADE,
                              related_name="photos")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    # What the reviewer should look at twice, read from the photo when it was submitted
    # (EXIF time older than the issue, EXIF position far from the point).
    review_flags = models.JSONField("复核提示", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "问题照片"
        ordering = ["issue", "kind", "id"]
        indexes = [models.Index(fields=["issue", "kind"], name="issues_photo_issue_kind_idx")]

    def __str__(self):
        return f"#{self.issue_id} {self.get_kind_display()}"

    def watermark_place(self):
        return self.issue.location_display


def category_model_upload_to(instance, filename):
    return f"models/issue-categories/{instance.city_id}/v{instance.version:04d}.joblib"


class CategoryModel(models.Model):
    """One trained version of a city's category suggestion model (问题类别推荐): character
    n-gram TF-IDF and a linear classifier fitted on the city's closed issues, kept as a file
    with how well it did on the issues held out of its training."""

    city = models.ForeignKey(Unit, verbose_name="城市", on_delete=models.CASCADE,
                             related_name="+")
    version = models.PositiveIntegerField("版本")
    file = models.FileField("模型文件", upload_to=category_model_upload_to, max_length=255)
    trained_at = models.DateTimeField("训练时间")
    sample_count = models.PositiveIntegerField("训练问题数")
    category_count = models.PositiveIntegerField("类别数")
    top1_accuracy = models.FloatField("首选准确率")
    top3_accuracy = models.FloatField("前三准确率")
    baseline_accuracy = models.FloatField("多数类基线准确率")

    class Meta:
        verbose_name = verbose_name_plural = "问题类别推荐模型"
        ordering = ["city", "-version"]
        constraints = [models.UniqueConstraint(fields=["city", "version"],
                                               name="issues_categorymodel_version")]

    def __str__(self):
        return f"{self.city} v{self.version}"
