from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404
from pypinyin import Style, lazy_pinyin
from simple_history.models import HistoricalRecords


def pinyin_initials(text):
    """"农贸市场" → "nmsc": what office staff type to find a name quickly."""
    return "".join(lazy_pinyin(text or "", style=Style.FIRST_LETTER)).lower()


class Role(models.TextChoices):
    OFFICE = "office", "创城办工作人员"
    INSPECTOR = "inspector", "督查员"
    LIAISON = "liaison", "单位联络员"
    UNIT_LEADER = "unit_leader", "单位主要领导"
    POINT_CHIEF = "point_chief", "点位长"
    LEADER = "leader", "领导"


# Roles whose scope is their whole region (district or city), not only their own unit.
REGIONAL_ROLES = {Role.OFFICE, Role.INSPECTOR, Role.LEADER}


class NotInScope(Http404, ObjectDoesNotExist):
    """The object does not exist for this viewer (another unit's or district's): 404 in pages
    and the API, `ObjectDoesNotExist` for commands and tasks."""


class Scope:
    """What a viewer may see: a unit-path prefix ("" everything, None nothing), the role the
    viewer acts in, their unit, and the user where there is one (point chiefs see their own
    points). Built from a user (`Scope.of`), or for a region or a unit directly, for work done
    without a request (the worker's reports, exports)."""

    def __init__(self, *, path, role="", unit=None, user=None):
        self.path, self.role, self.unit, self.user = path, role, unit, user

    @classmethod
    def of(cls, viewer):
        """The scope of a user (or a scope itself). No query beyond the user's unit."""
        if isinstance(viewer, Scope):
            return viewer
        path = getattr(viewer, "scope_path", None)
        if path is None or viewer.is_superuser:
            return cls(path=path, role=getattr(viewer, "role", ""), user=viewer)
        return cls(path=path, role=viewer.role, unit=viewer.unit, user=viewer)

    @classmethod
    def for_region(cls, region):
        """The view the region's office has."""
        return cls(path=region.path, role=Role.OFFICE, unit=region)

    @classmethod
    def for_unit(cls, unit, role=None):
        """The view a unit's own staff have (a liaison's by default)."""
        role = role or Role.LIAISON
        path = unit.region_path if role in REGIONAL_ROLES else unit.path
        return cls(path=path, role=role, unit=unit)

    @property
    def regional(self):
        return self.role in REGIONAL_ROLES

    # A scope answers the questions asked of a user's scope, so selectors take either.
    @property
    def scope_path(self):
        return self.path

    @property
    def is_superuser(self):
        return self.user is not None and self.user.is_superuser


class ScopedQuerySet(models.QuerySet):
    """Reads limited to what a viewer may see, in one place for every model.

    `visible_to(viewer)` takes a user or a `Scope`: nothing without a scope (no unit, no role,
    inactive, anonymous), everything for a superuser, every row of shared reference data
    (`shared = True`) for anybody with a scope; otherwise the model's own condition,
    `within(scope)`, by default the rows whose `scope_field` unit lies under the scope's path.
    """

    shared = False
    scope_field = None  # "unit", "region", …; "" for the unit itself

    def visible_to(self, viewer):
        scope = Scope.of(viewer)
        if scope.path is None:
            return self.none()
        if scope.path == "" or self.shared:
            return self
        return self.within(scope)

    def within(self, scope):
        if self.scope_field is None:
            raise NotImplementedError(f"{type(self).__name__} gives no scope condition")
        return self.under(scope.path, self.scope_field)

    def under(self, path, field):
        """Rows whose `field` unit's path starts with `path` (one indexed prefix match)."""
        return self.filter(**{f"{field}__path__startswith" if field else "path__startswith": path})

    def get_visible(self, viewer, pk, *, lock=False, related=()):
        """The row `pk` if `viewer` may see it, else NotInScope (404). One query."""
        return self.visible_to(viewer).fetch(pk, lock=lock, related=related)

    def fetch(self, pk, *, lock=False, related=()):
        """The row `pk` of this (already scoped) queryset, locked (`select_for_update` of
        this table) when asked, with `related` joined; NotInScope (404) when absent."""
        qs = self.select_for_update(of=("self",)) if lock else self
        if related:
            qs = qs.select_related(*related)
        try:
            return qs.get(pk=pk)
        except self.model.DoesNotExist:
            raise NotInScope(f"{self.model._meta.verbose_name}不存在或不在您的管辖范围内。") from None


class UnitQuerySet(ScopedQuerySet):
    scope_field = ""

    def subtree(self, unit):
        return self.filter(path__startswith=unit.path)

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(name_initials__startswith=text.lower()))

    def streets_of(self, viewer):
        """The streets/towns a list's street filter offers `viewer`: those of the viewer's own
        district (or city), whatever the viewer's unit — never another district's."""
        scope = Scope.of(viewer)
        if scope.path is None:
            return self.none()
        region = scope.unit.region_path if scope.unit is not None else scope.path
        return self.filter(kind=Unit.Kind.STREET, is_active=True,
                           path__startswith=region).order_by("path")


class Unit(models.Model):
    """A body in the campaign: the city, a district, a street/town, a community, a department,
    an enterprise or the campaign office (创城办) itself. Units form a tree."""

    class Kind(models.TextChoices):
        CITY = "city", "市"
        DISTRICT = "district", "区/县"
        OFFICE = "office", "创城办"
        DEPARTMENT = "department", "部门"
        STREET = "street", "街道/镇"
        COMMUNITY = "community", "社区/村"
        ENTERPRISE = "enterprise", "企业/单位"

    REGION_KINDS = (Kind.CITY, Kind.DISTRICT)

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of ids, "/1/4/17/": a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    # Path of the nearest city/district at or above this unit: the scope of regional staff.
    region_path = models.CharField(max_length=255, editable=False, default="")
    name_initials = models.CharField(max_length=100, editable=False, default="", db_index=True)
    contact_phone = models.CharField("联系电话", max_length=40, blank=True)
    webhook_url = models.URLField(
        "群机器人 Webhook", blank=True,
        help_text="企业微信/钉钉群机器人地址，提醒和通知会同时发送到该群。",
    )
    is_active = models.BooleanField("在用", default=True)

    objects = UnitQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "单位"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="accounts_unit_unique_name"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_initials = pinyin_initials(self.name)
        creating = self.pk is None
        if creating:
            super().save(*args, **kwargs)  # the path holds the id, so it is known only now
        old_path, old_region_path = self.path, self.region_path
        self.set_paths(self.parent)
        if creating:
            Unit.objects.filter(pk=self.pk).update(path=self.path, region_path=self.region_path)
        else:
            super().save(*args, **kwargs)
            # A move changes the path; a change of kind to or from city/district changes the
            # region of everything below. Either way the subtree follows, or the scopes of the
            # people below would still be read from the old paths.
            if (old_path, old_region_path) != (self.path, self.region_path):
                self._rebase_descendants(old_path)

    def set_paths(self, parent):
        """Derive path and region_path from the (already placed) parent."""
        self.path = f"{parent.path if parent else '/'}{self.pk}/"
        if parent is None or self.kind in self.REGION_KINDS:
            self.region_path = self.path
        else:
            self.region_path = parent.region_path

    def _rebase_descendants(self, old_path):
        """A unit moved: its subtree follows. Parents sort before children by path."""
        placed = {self.pk: self}
        moved = []
        for unit in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
            unit.set_paths(placed[unit.parent_id])
            placed[unit.pk] = unit
            moved.append(unit)
        Unit.objects.bulk_update(moved, ["path", "region_path"])

    @property
    def depth(self):
        return self.path.count("/") - 1

    def ancestor_ids(self):
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_within(self, other):
        return self.path.startswith(other.path)


class UserQuerySet(ScopedQuerySet):
    """Users a viewer may see: those whose unit lies in the viewer's scope."""

    scope_field = "unit"

    def stale(self, *, days, now):
        """Active accounts that have not logged in for `days` days (never, for an account
        made at least that long ago)."""
        cutoff = now - timedelta(days=days)
        return self.filter(is_active=True).filter(
            Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))


class CampaignUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person using the platform: they belong to one unit and act in one role."""

    unit = models.ForeignKey(
        Unit, verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, blank=True)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    # {kind: [channel, ...]} per Notification.Kind; a kind missing here takes DEFAULT_DELIVERY.
    delivery = models.JSONField("推送方式", default=dict, blank=True)
    digest = models.BooleanField(
        "每日汇总", default=False,
        help_text="勾选后，除站内消息外不再逐条推送，每天 18:00 汇总发送一次。",
    )

    objects = CampaignUserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.full_name or self.get_full_name() or self.username

    @property
    def scope_path(self):
        """The unit path prefix this user may see: "" for everything (superuser), None for
        nothing (no unit, no role, inactive), else the region's or the unit's path."""
        if not self.is_active or not self.is_authenticated:
            return None
        if self.is_superuser:
            return ""
        if self.unit is None or not self.role:
            return None
        return self.unit.region_path if self.role in REGIONAL_ROLES else self.unit.path

    @property
    def is_office(self):
        return self.is_superuser or self.role == Role.OFFICE

    def channels_for(self, kind):
        """The channels this person chose for messages of `kind` (站内消息 always)."""
        chosen = self.delivery.get(kind) if isinstance(self.delivery, dict) else None
        if chosen is None:
            chosen = DEFAULT_DELIVERY.get(kind, [])
        return [c for c in chosen if c in Channel.values]

    @property
    def is_city_office(self):
        """Office staff at the top of the tree (the city's 创城办), or the administrator: the
        only ones who change the reference data the whole city shares (issue and point
        categories, the holiday calendar)."""
        if self.is_superuser:
            return self.is_active
        path = self.scope_path
        return self.role == Role.OFFICE and path is not None and path.count("/") == 2

    @property
    def is_read_only(self):
        """Leaders read everything in their region and write nothing."""
        return self.role == Role.LEADER and not self.is_superuser


class Channel(models.TextChoices):
    """Where a message is pushed besides the inbox."""

    EMAIL = "email", "电子邮件"
    ROBOT = "robot", "单位群机器人 @本人"
    SMS = "sms", "短信"


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", "新派发的问题"
    DUE_SOON = "due_soon", "24 小时内到期"
    RETURNED = "returned", "整改或台账被退回"
    SIGN_REQUEST = "sign_request", "请领导签字"
    OTHER = "other", "其他消息"


# What a person gets until they choose: e-mail (when they have an address) for every kind.
DEFAULT_DELIVERY = {kind: [Channel.EMAIL.value] for kind in NotificationKind.values}


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def undelivered(self):
        return self.filter(delivered_at__isnull=True)


class Notification(models.Model):
    """A message to one person in their inbox (站内消息), also sent by e-mail and to the unit's
    group robot by the worker."""

    recipient = models.ForeignKey(
        User, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    kind = models.CharField("类别", max_length=20, choices=NotificationKind.choices,
                            default=NotificationKind.OTHER)
    created = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # Set by the worker when it takes the message for delivery (the claim: a second worker or
    # the sweeper skips it); what each channel did is in Delivery.
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    delivery_claim = models.CharField(max_length=32, blank=True, editable=False, db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "消息"
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="accounts_notif_unread_idx"),
            models.Index(
                fields=["created"], condition=Q(delivered_at__isnull=True),
                name="accounts_notif_undelivered_idx",
            ),
        ]

    def __str__(self):
        return self.title


class DeliveryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Deliveries of messages to people in the viewer's scope (a subquery)."""
        return self.filter(recipient__in=User.objects.visible_to(user).values("pk"))


class Delivery(models.Model):
    """One attempt to push a message (or a day's digest) to a person through one channel: the
    delivery log the office reads when someone says they were never told."""

    class Status(models.TextChoices):
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        SKIPPED = "skipped", "未发送"
        HELD = "held", "待每日汇总"

    notification = models.ForeignKey(
        Notification, verbose_name="消息", null=True, blank=True, on_delete=models.CASCADE,
        related_name="deliveries",
    )
    recipient = models.ForeignKey(
        User, verbose_name="接收人", on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField("方式", max_length=20, choices=Channel.choices)
    status = models.CharField("结果", max_length=20, choices=Status.choices)
    address = models.CharField("地址/号码", max_length=254, blank=True)
    title = models.CharField("标题", max_length=200)
    detail = models.CharField("说明", max_length=300, blank=True)
    is_digest = models.BooleanField("每日汇总", default=False)
    created = models.DateTimeField("时间", auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "推送记录"
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["-created", "-id"], name="accounts_delivery_recent_idx"),
            models.Index(fields=["recipient", "status"], name="accounts_delivery_held_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient}"
