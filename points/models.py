import os
import uuid
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from simple_history.models import HistoricalRecords

from accounts.models import Scope, ScopedQuerySet, Unit, pinyin_initials


class Framework(models.Model):
    """An edition of the national assessment framework (测评体系), e.g. the 2022 edition for
    prefecture-level cities; exactly one is the current one."""

    name = models.CharField("名称", max_length=100)
    edition = models.CharField("版本", max_length=50, blank=True, help_text="如：2022年版（地级市）")
    year = models.PositiveIntegerField("年份", null=True, blank=True)
    is_current = models.BooleanField("现行版本", default=False)
    created = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "测评体系"
        ordering = ["-is_current", "-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True),
                name="points_framework_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.edition}）" if self.edition else self.name


def count_of(queryset):
    """A correlated COUNT(*) of `queryset` as an integer expression (0 when none).

    Subquery counts instead of JOIN + GROUP BY keep one row per outer object and a constant
    number of queries however many inspections there are."""
    counted = queryset.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_pass_rate(queryset, inspections):
    """Annotate `inspection_count`, `passed_count` and `pass_rate` (达标率 in %, None when never
    inspected) from a correlated Inspection queryset."""
    return queryset.annotate(
        inspection_count=count_of(inspections),
        passed_count=count_of(inspections.filter(passed=True)),
    ).annotate(
        pass_rate=Cast(F("passed_count"), FloatField()) * 100.0
        / Cast(NullIf(F("inspection_count"), 0), FloatField()),
    )


class FrameworkItemQuerySet(ScopedQuerySet):
    """The framework is public to everybody with a scope."""

    shared = True


class FrameworkItem(models.Model):
    """One node of a framework tree: 测评项目 → 测评内容 → 测评标准."""

    class Level(models.TextChoices):
        PROJECT = "project", "测评项目"
        CONTENT = "content", "测评内容"
        STANDARD = "standard", "测评标准"

    framework = models.ForeignKey(
        Framework, verbose_name="测评体系", on_delete=models.CASCADE, related_name="items"
    )
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.CASCADE,
        related_name="children",
    )
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    code = models.CharField("编号", max_length=20, help_text="如 1、1.2、1.2.3")
    title = models.CharField("名称", max_length=200)
    text = models.TextField("测评标准内容", blank=True)
    method_online = models.BooleanField("网上申报", default=False)
    method_field = models.BooleanField("实地考察", default=False)
    method_survey = models.BooleanField("问卷调查", default=False)
    score = models.DecimalField("分值", max_digits=6, decimal_places=2, null=True, blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    objects = FrameworkItemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "测评体系条目"
        ordering = ["framework", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="points_frameworkitem_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def methods_display(self):
        names = []
        if self.method_online:
            names.append("网上申报")
        if self.method_field:
            names.append("实地考察")
        if self.method_survey:
            names.append("问卷调查")
        return "、".join(names)


class PointCategoryQuerySet(ScopedQuerySet):
    """Categories are shared reference data: everybody with a scope sees all."""

    shared = True

    def with_pass_rate(self, user):
        """达标率 of the inspections the user may see, per category."""
        inspections = Inspection.objects.visible_to(user).filter(point__category=OuterRef("pk"))
        return with_pass_rate(self, inspections)


class PointCategory(models.Model):
    """A kind of point the assessors visit (农贸市场, 背街小巷, …), with its checklist."""

    name = models.CharField("名称", max_length=50, unique=True)
    code = models.CharField("代码", max_length=20, blank=True)
    description = models.TextField("说明", blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    objects = PointCategoryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "点位类别"
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class CheckItem(models.Model):
    """One field standard of a category's checklist (e.g. 农贸市场 "四牌一图" 齐全), weighted
    by its score from the 测评体系; the standard also says what a 严重不合格 costs."""

    class SevereRule(models.TextChoices):
        MULTIPLE = "multiple", "按倍数扣分"
        ZERO = "zero", "该点位计0分"

    category = models.ForeignKey(
        PointCategory, verbose_name="点位类别", on_delete=models.CASCADE,
        related_name="check_items",
    )
    text = models.CharField("检查内容", max_length=300)
    score = models.DecimalField("分值", max_digits=5, decimal_places=2, default=1)
    severe_hint = models.CharField(
        "严重不合格情形", max_length=200, blank=True,
        help_text="出现何种情况判为严重不合格，如：路面破损面积超过0.25㎡",
    )
    severe_rule = models.CharField(
        "严重不合格扣分", max_length=10, choices=SevereRule.choices, default=SevereRule.MULTIPLE,
        help_text="按倍数扣分：扣本项分值的若干倍；该点位计0分：整个点位不得分",
    )
    severe_multiple = models.DecimalField(
        "扣分倍数", max_digits=4, decimal_places=1, default=2,
        help_text="严重不合格按倍数扣分时，扣本项分值的几倍",
    )
    order = models.PositiveIntegerField("排序", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "检查标准"
        ordering = ["category", "order", "id"]

    def __str__(self):
        return self.text


def assessed_score(rows):
    """(score, max_score) of one point scored the assessors' way from `rows` of
    (weight, verdict, severe_rule, severe_multiple):

    - 不适用 items leave the full marks (the denominator);
    - 不合格 deducts the item's weight;
    - 严重不合格 deducts `severe_multiple` × the weight, or zeroes the point when its rule is
      "该点位计0分";
    - the score never drops below 0.

    E.g. weights 3, 2, 1 with verdicts 合格, 不合格, 不适用 → (3, 5); with 3 严重不合格 at
    2 × → 5 − 6 → (0, 5)."""
    full = Decimal(0)
    lost = Decimal(0)
    zeroed = False
    for weight, verdict, rule, multiple in rows:
        weight = Decimal(weight)
        if verdict == InspectionResult.Verdict.NA:
            continue
        full += weight
        if verdict == InspectionResult.Verdict.FAIL:
            lost += weight
        elif verdict == InspectionResult.Verdict.SEVERE:
            if rule == CheckItem.SevereRule.ZERO:
                zeroed = True
            lost += weight * Decimal(multiple)
    if zeroed:
        return Decimal(0), full
    return max(full - lost, Decimal(0)), full


class PointQuerySet(ScopedQuerySet):
    def within(self, scope):
        """Points the scope may see (one query, no duplicates).

        Regional staff (office, inspector, leader) see every point whose territorial unit lies in
        their district; everybody else sees points where their unit subtree is the territorial
        unit, the supervising department or a partner unit, and points they are chief of.
        """
        path = scope.path
        if scope.regional:
            return self.under(path, "territorial_unit")
        # EXISTS instead of a JOIN on the M2M keeps one row per point without DISTINCT.
        partner = Point.partner_units.through.objects.filter(
            point_id=OuterRef("pk"), unit__path__startswith=path
        )
        cond = (Q(territorial_unit__path__startswith=path)
                | Q(supervising_unit__path__startswith=path) | Exists(partner))
        if scope.user is not None:
            cond |= Q(chief=scope.user)
        return self.filter(cond)

    def with_issue_state(self, now):
        """Annotate `open_issue_count`, `overdue_issue_count` and `issue_state` ("overdue" if
        any issue at the point is past its deadline, else "open" if any is not closed, else
        "none"). Two correlated subqueries, one row per point."""
        # By name: issues depends on points, never the other way round.
        at_point = apps.get_model("issues", "Issue").objects.filter(point=OuterRef("pk"))
        return self.annotate(
            open_issue_count=count_of(at_point.open()),
            overdue_issue_count=count_of(at_point.overdue(now)),
        ).annotate(issue_state=Case(
            When(overdue_issue_count__gt=0, then=Value("overdue")),
            When(open_issue_count__gt=0, then=Value("open")),
            default=Value("none"),
        ))

    def with_latest_passed(self):
        """Annotate `latest_passed`: whether the point's latest inspection was 达标 (None when
        never inspected). One correlated subquery, one row per point."""
        latest = Inspection.objects.filter(point=OuterRef("pk")).order_by("-created", "-pk")
        return self.annotate(latest_passed=Subquery(latest.values("passed")[:1]))

    def with_pass_rate(self):
        """达标率 per point: inspection_count, passed_count, pass_rate (two subqueries)."""
        return with_pass_rate(self, Inspection.objects.filter(point=OuterRef("pk")))

    def search(self, text):
        """By name or pinyin initials ("nmsc" finds 农贸市场) or address."""
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(name_initials__contains=text.lower())
            | Q(address__icontains=text)
        )


class Point(models.Model):
    """A place the assessors inspect in the field (点位), with the units that answer for it."""

    class Kind(models.TextChoices):
        FIXED = "fixed", "固定"
        RANDOM = "random", "随机"

    name = models.CharField("名称", max_length=150)
    name_initials = models.CharField(max_length=150, editable=False, default="", db_index=True)
    category = models.ForeignKey(
        PointCategory, verbose_name="类别", on_delete=models.PROTECT, related_name="points"
    )
    address = models.CharField("地址", max_length=255, blank=True)
    longitude = models.DecimalField(
        "经度", max_digits=10, decimal_places=6, null=True, blank=True,
        help_text="WGS-84 坐标，如 100.455123",
    )
    latitude = models.DecimalField(
        "纬度", max_digits=9, decimal_places=6, null=True, blank=True,
        help_text="WGS-84 坐标，如 38.932456",
    )
    territorial_unit = models.ForeignKey(
        Unit, verbose_name="属地单位", on_delete=models.PROTECT, related_name="territorial_points"
    )
    supervising_unit = models.ForeignKey(
        Unit, verbose_name="行业主管部门", null=True, blank=True, on_delete=models.PROTECT,
        related_name="supervised_points",
    )
    partner_units = models.ManyToManyField(
        Unit, verbose_name="包抓共建单位", blank=True, related_name="partner_points"
    )
    chief = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="点位长", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="chief_points",
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.FIXED)
    is_active = models.BooleanField("在用", default=True)
    created = models.DateTimeField("创建时间", auto_now_add=True)
    updated = models.DateTimeField("更新时间", auto_now=True)

    objects = PointQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[partner_units])

    class Meta:
        verbose_name = verbose_name_plural = "点位"
        ordering = ["category__order", "name", "id"]
        indexes = [
            models.Index(fields=["category", "is_active"], name="points_point_cat_active_idx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_initials = pinyin_initials(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_initials"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("points:point-detail", args=[self.pk])

    @property
    def has_location(self):
        return self.latitude is not None and self.longitude is not None


class PointCircleQuerySet(ScopedQuerySet):
    def within(self, scope):
        """A circle is visible when its core point is."""
        return self.filter(core__in=Point.objects.visible_to(scope))


class PointCircle(models.Model):
    """A key-point circle (重点点位圈): a core point and every point of the chosen categories
    within the radius. Members are computed by distance, never picked by hand."""

    core = models.ForeignKey(
        Point, verbose_name="核心点位", on_delete=models.CASCADE, related_name="core_circles"
    )
    name = models.CharField("名称", max_length=150)
    radius_m = models.PositiveIntegerField("半径（米）", default=300)
    # Off: members come from the core point's district only (the district office's circle).
    # On: from the whole city, for circles the city office draws across district borders.
    citywide = models.BooleanField(
        "全市范围", default=False,
        help_text="勾选后，相邻区县半径内的点位也纳入本圈（仅市级创城办可以设置）",
    )
    categories = models.ManyToManyField(
        PointCategory, verbose_name="纳入的点位类别", blank=True, related_name="circles",
        help_text="不选则纳入半径内所有类别的点位",
    )
    members = models.ManyToManyField(
        Point, verbose_name="圈内点位", blank=True, related_name="circles", editable=False
    )
    computed_at = models.DateTimeField("计算时间", null=True, blank=True, editable=False)
    created = models.DateTimeField("创建时间", auto_now_add=True)

    objects = PointCircleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "重点点位圈"
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


def inspection_photo_path(instance, filename):
    """points/inspections/<inspection_id>/<uuid4hex>.<ext>: the client's name never reaches
    the file system."""
    ext = os.path.splitext(filename)[1].lower().lstrip(".")
    if ext not in {"jpg", "jpeg", "png", "webp"}:
        ext = "jpg"
    return f"points/inspections/{instance.inspection_id}/{uuid.uuid4().hex}.{ext}"


class InspectionQuerySet(ScopedQuerySet):
    def within(self, scope):
        """An inspection is visible when its point is."""
        return self.filter(point__in=Point.objects.visible_to(scope))


class Inspection(models.Model):
    """A field inspection (督查) of one point against its category's checklist."""

    point = models.ForeignKey(
        Point, verbose_name="点位", on_delete=models.CASCADE, related_name="inspections"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="督查人", null=True, on_delete=models.SET_NULL,
        related_name="inspections",
    )
    created = models.DateTimeField("督查时间", auto_now_add=True, db_index=True)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2, default=0)
    max_score = models.DecimalField("满分", max_digits=6, decimal_places=2, default=0)
    passed = models.BooleanField("达标", default=False)
    notes = models.TextField("备注", blank=True)

    objects = InspectionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "实地督查"
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.point} {self.created:%Y-%m-%d}"


class InspectionResult(models.Model):
    """The verdict on one checklist item in one inspection."""

    class Verdict(models.TextChoices):
        PASS = "pass", "合格"
        FAIL = "fail", "不合格"
        SEVERE = "severe", "严重不合格"
        NA = "na", "不适用"

    FAILED = (Verdict.FAIL, Verdict.SEVERE)

    inspection = models.ForeignKey(
        Inspection, verbose_name="督查", on_delete=models.CASCADE, related_name="results"
    )
    check_item = models.ForeignKey(
        CheckItem, verbose_name="检查标准", on_delete=models.PROTECT, related_name="results"
    )
    verdict = models.CharField("结论", max_length=10, choices=Verdict.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    photo = models.ImageField(
        "照片", upload_to=inspection_photo_path, blank=True, width_field="photo_width",
        height_field="photo_height",
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "督查结果"
        ordering = ["inspection", "check_item__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "check_item"], name="points_inspectionresult_once"
            ),
        ]

    def __str__(self):
        return f"{self.check_item}: {self.get_verdict_display()}"

    @property
    def failed(self):
        return self.verdict in self.FAILED

    def delete(self, *args, **kwargs):
        storage, name = self.photo.storage, self.photo.name
        result = super().delete(*args, **kwargs)
        if name:
            storage.delete(name)
        return result


class BaseMapLayerQuerySet(ScopedQuerySet):
    """Layers of the region: a district's office manages its district's layers (another
    district's answer 404); the city office all of them."""

    scope_field = "region"

    def for_maps(self, viewer):
        """What the maps draw for `viewer`: the layers of the viewer's region and of the
        regions above it (a district's people see the city's district outlines too)."""
        scope = Scope.of(viewer)
        if scope.path is None:
            return self.none()
        if scope.path == "":
            return self
        ancestors = [scope.path[:i + 1] for i, c in enumerate(scope.path) if c == "/"][1:]
        return self.filter(Q(region__path__startswith=scope.path) | Q(region__path__in=ancestors))


class BaseMapLayer(models.Model):
    """An offline base map layer: the district, street or community outlines of a region as a
    GeoJSON FeatureCollection (polygons with a `name`), drawn under the points and issues
    when there is no tile server. One layer of each kind per region; a new upload replaces it."""

    class Kind(models.TextChoices):
        DISTRICT = "district", "区县界"
        STREET = "street", "街道（镇）界"
        COMMUNITY = "community", "社区（村）界"

    region = models.ForeignKey(Unit, verbose_name="所属区域", on_delete=models.PROTECT,
                               related_name="basemap_layers")
    kind = models.CharField("图层", max_length=20, choices=Kind.choices)
    file_name = models.CharField("文件名", max_length=200, blank=True)
    features = models.JSONField("轮廓", default=dict)
    feature_count = models.PositiveIntegerField("轮廓数", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded = models.DateTimeField("上传时间", auto_now=True)

    objects = BaseMapLayerQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "离线底图图层"
        ordering = ["region__path", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind"], name="points_basemap_one_per_kind"),
        ]

    def __str__(self):
        return f"{self.region}·{self.get_kind_display()}"
