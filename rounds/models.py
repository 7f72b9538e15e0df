from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from accounts.models import Role, ScopedQuerySet, Unit
from points.models import Framework, Inspection, InspectionResult, Point, PointCategory


class RoundQuerySet(ScopedQuerySet):
    def within(self, scope):
        """Office staff and leaders see the rounds run over their region (a district's office
        none of the city's or another district's); an inspector only the rounds in which they
        walk with a team; everybody else none."""
        if scope.role in (Role.OFFICE, Role.LEADER):
            return self.under(scope.path, "region")
        if scope.role == Role.INSPECTOR and scope.user is not None:
            member = RoundTeam.members.through.objects.filter(
                roundteam__round=OuterRef("pk"), user=scope.user)
            return self.under(scope.path, "region").filter(Exists(member))
        return self.none()


class Round(models.Model):
    """A round of field assessment (模拟测评轮次): the points sampled the way the national
    assessors sample them, walked by inspector teams, scored against a 测评体系 edition."""

    class Kind(models.TextChoices):
        SELF = "self", "自查"
        MOCK = "mock", "模拟测评"
        UNDERCOVER = "undercover", "暗访"
        PROVINCIAL = "provincial", "省级测评"
        NATIONAL = "national", "国测"

    class Strata(models.TextChoices):
        DISTRICT = "district", "按区县分层"
        STREET = "street", "按街道分层"

    name = models.CharField("名称", max_length=100, help_text="如：2026年第一轮模拟测评")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.MOCK,
                            help_text="省级测评、国测为事后录入的正式测评结果")
    region = models.ForeignKey(Unit, verbose_name="测评范围", on_delete=models.PROTECT,
                               related_name="rounds")
    framework = models.ForeignKey(Framework, verbose_name="测评体系版本",
                                  on_delete=models.PROTECT, related_name="rounds")
    starts = models.DateField("开始日期")
    ends = models.DateField("结束日期")
    strata = models.CharField("分层方式", max_length=10, choices=Strata.choices,
                              default=Strata.STREET,
                              help_text="每个区县（或街道）都按比例抽到点位，保证各片区都被覆盖")
    random_share = models.PositiveSmallIntegerField(
        "随机点位比例（%）", default=30,
        help_text="各类别默认从非固定点位中随机抽取的比例，可按类别单独设置")
    seed = models.BigIntegerField("随机种子", null=True, blank=True,
                                  help_text="抽样时记录；用同一种子重抽，抽到的点位相同")
    drawn_at = models.DateTimeField("抽样时间", null=True, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="抽样人", null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "测评轮次"
        ordering = ["-starts", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends__gte=models.F("starts")),
                                   name="rounds_round_ends_after_starts"),
            models.CheckConstraint(condition=Q(random_share__lte=100),
                                   name="rounds_round_share_percent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("rounds:round-detail", args=[self.pk])

    @property
    def is_drawn(self):
        return self.drawn_at is not None


class SamplingRule(models.Model):
    """How one point category is sampled in a round: every 固定点位 of the category, plus a
    share of its other points drawn at random."""

    round = models.ForeignKey(Round, verbose_name="测评轮次", on_delete=models.CASCADE,
                              related_name="rules")
    category = models.ForeignKey(PointCategory, verbose_name="点位类别",
                                 on_delete=models.PROTECT, related_name="+")
    include_fixed = models.BooleanField("固定点位全部纳入", default=True)
    random_share = models.PositiveSmallIntegerField("随机抽取比例（%）", default=30)

    class Meta:
        verbose_name = verbose_name_plural = "抽样规则"
        ordering = ["category__order", "category_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "category"], name="rounds_rule_once"),
            models.CheckConstraint(condition=Q(random_share__lte=100),
                                   name="rounds_rule_share_percent"),
        ]

    def __str__(self):
        return f"{self.category}：{self.random_share}%"


class RoundTeamQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Teams of the rounds the user sees; an inspector sees only their own teams."""
        teams = self.filter(round__in=Round.objects.visible_to(user))
        if getattr(user, "role", None) == Role.INSPECTOR and not user.is_superuser:
            teams = teams.filter(members=user)
        return teams


class RoundTeam(models.Model):
    """A team of inspectors (督查组) walking part of a round's sample from a start point."""

    round = models.ForeignKey(Round, verbose_name="测评轮次", on_delete=models.CASCADE,
                              related_name="teams")
    name = models.CharField("组名", max_length=50, help_text="如：第一组")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="组员",
                                     related_name="round_teams")
    start_name = models.CharField("出发地点", max_length=100, blank=True,
                                  help_text="如：区创城办；不填则从最北边的点位出发")
    start_latitude = models.DecimalField("出发地纬度", max_digits=9, decimal_places=6,
                                         null=True, blank=True)
    start_longitude = models.DecimalField("出发地经度", max_digits=10, decimal_places=6,
                                          null=True, blank=True)

    objects = RoundTeamQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督查组"
        ordering = ["round", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="rounds_team_name_once"),
        ]

    def __str__(self):
        return self.name

    @property
    def has_start(self):
        return self.start_latitude is not None and self.start_longitude is not None


class RoundSampleQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Samples of the rounds the user sees; an inspector only their teams' stops."""
        samples = self.filter(round__in=Round.objects.visible_to(user))
        if getattr(user, "role", None) == Role.INSPECTOR and not user.is_superuser:
            samples = samples.filter(team__members=user)
        return samples

    def get_visible(self, user, pk, *, related=()):
        from accounts.models import NotInScope

        try:
            return self.visible_to(user).select_related(*related).get(pk=pk)
        except self.model.DoesNotExist:
            raise NotInScope("该测评点位不存在或不在您的范围内。") from None


class RoundSample(models.Model):
    """A point drawn into a round (样本点位): fixed or random, its stratum, its team and stop
    on the route, and the inspection that scored it."""

    round = models.ForeignKey(Round, verbose_name="测评轮次", on_delete=models.CASCADE,
                              related_name="samples")
    point = models.ForeignKey(Point, verbose_name="点位", on_delete=models.PROTECT,
                              related_name="round_samples")
    category = models.ForeignKey(PointCategory, verbose_name="点位类别",
                                 on_delete=models.PROTECT, related_name="+")
    # The district and street the point lay in when drawn: the strata and the score's areas.
    district = models.ForeignKey(Unit, verbose_name="区县", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Unit, verbose_name="街道", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    is_fixed = models.BooleanField("固定点位", default=False)
    team = models.ForeignKey(RoundTeam, verbose_name="督查组", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="samples")
    route_order = models.PositiveIntegerField("路线顺序", null=True, blank=True)
    inspection = models.OneToOneField(Inspection, verbose_name="测评记录", null=True,
                                      blank=True, on_delete=models.SET_NULL,
                                      related_name="round_sample")

    objects = RoundSampleQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "样本点位"
        ordering = ["round", "team", "route_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "point"], name="rounds_sample_point_once"),
        ]

    def __str__(self):
        return f"{self.round}：{self.point}"


class SampleSwap(models.Model):
    """A drawn point the office replaced (e.g. 已拆除、在施工): who, when, why, old and new."""

    round = models.ForeignKey(Round, verbose_name="测评轮次", on_delete=models.CASCADE,
                              related_name="swaps")
    sample = models.ForeignKey(RoundSample, verbose_name="样本", on_delete=models.CASCADE,
                               related_name="swaps")
    old_point = models.ForeignKey(Point, verbose_name="原点位", on_delete=models.PROTECT,
                                  related_name="+")
    new_point = models.ForeignKey(Point, verbose_name="替换为", on_delete=models.PROTECT,
                                  related_name="+")
    reason = models.CharField("替换原因", max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True,
                           on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField("替换时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "点位替换记录"
        ordering = ["round", "created", "id"]

    def __str__(self):
        return f"{self.old_point} → {self.new_point}"


class RoundFinding(models.Model):
    """A failed checklist item found in a round, and the issue it was filed as (the round's
    tag on the issue)."""

    round = models.ForeignKey(Round, verbose_name="测评轮次", on_delete=models.CASCADE,
                              related_name="findings")
    sample = models.ForeignKey(RoundSample, verbose_name="样本", on_delete=models.CASCADE,
                               related_name="findings")
    result = models.OneToOneField(InspectionResult, verbose_name="测评结果",
                                  on_delete=models.CASCADE, related_name="round_finding")
    issue = models.OneToOneField("issues.Issue", verbose_name="问题", on_delete=models.PROTECT,
                                 related_name="round_finding")

    class Meta:
        verbose_name = verbose_name_plural = "测评发现的问题"
        ordering = ["round", "sample", "id"]

    def __str__(self):
        return f"{self.round}：{self.issue_id}"
