from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from accounts.models import Scope, ScopedQuerySet, Unit
from evidence.models import EvidenceDocument
from jobs.models import Job


class RankingWeightsQuerySet(ScopedQuerySet):
    scope_field = "region"


# The sub-scores of the composite index, in display order: (field suffix, label).
SUBSCORES = [
    ("ontime", "按期整改率"),
    ("overdue", "逾期情况"),
    ("relapse", "反弹控制"),
    ("ledger_completion", "台账完成率"),
    ("ledger_approval", "台账通过率"),
    ("point_pass", "点位达标率"),
    ("satisfaction", "群众满意率"),
]


class RankingWeights(models.Model):
    """How a region's office weighs the sub-scores of the composite index (综合指数) and the
    three assessment methods of the projected score (测评得分预估).

    Defaults: rectification counts most (按期整改 25, 逾期 20, 反弹 10), then the field
    result (点位达标 20) the assessors see, the ledgers (完成 10, 通过 5) and the citizens'
    satisfaction (10). The index divides by the weights of the sub-scores with a rate
    (dashboard.scoring), so the weights need not sum to 100.
    """

    region = models.OneToOneField(Unit, verbose_name="区域", on_delete=models.CASCADE,
                                  related_name="ranking_weights")
    w_ontime = models.PositiveSmallIntegerField("按期整改率权重", default=25)
    w_overdue = models.PositiveSmallIntegerField("逾期情况权重", default=20)
    w_relapse = models.PositiveSmallIntegerField("反弹控制权重", default=10)
    w_ledger_completion = models.PositiveSmallIntegerField("台账完成率权重", default=10)
    w_ledger_approval = models.PositiveSmallIntegerField("台账通过率权重", default=5)
    w_point_pass = models.PositiveSmallIntegerField("点位达标率权重", default=20)
    w_satisfaction = models.PositiveSmallIntegerField("群众满意率权重", default=10)
    top_n = models.PositiveSmallIntegerField(
        "红黑榜人数", default=3, validators=[MaxValueValidator(20)],
        help_text="红榜取前 N 名，黑榜取后 N 名（末位约谈）")
    # The coverage floor: a unit with too little scored work in the period is listed as
    # 数据不足 and not ranked, so one passed inspection cannot top the 红榜.
    min_items = models.PositiveSmallIntegerField(
        "参与排名最少计分事项", default=3, validators=[MaxValueValidator(1000)],
        help_text="本期办结或反弹的问题、期末逾期的问题、点位检查、到期台账任务合计"
                  "少于此数的单位不参与排名（期限未到的在办问题还没有结果，不计）")
    min_subscores = models.PositiveSmallIntegerField(
        "参与排名最少指标项数", default=1, validators=[MaxValueValidator(len(SUBSCORES))],
        help_text="有数据的指标少于此数的单位不参与排名")
    # The national assessment: per year 网上申报 40 %, 实地考察 40 %, 问卷调查 20 %; over the
    # three-year cycle the years weigh 15 %, 25 %, 60 %.
    method_online = models.PositiveSmallIntegerField("网上申报占比（%）", default=40)
    method_field = models.PositiveSmallIntegerField("实地考察占比（%）", default=40)
    method_survey = models.PositiveSmallIntegerField("问卷调查占比（%）", default=20)
    year1_weight = models.PositiveSmallIntegerField("第一年占比（%）", default=15)
    year2_weight = models.PositiveSmallIntegerField("第二年占比（%）", default=25)
    year3_weight = models.PositiveSmallIntegerField("第三年占比（%）", default=60)
    cycle_start_year = models.PositiveSmallIntegerField("测评周期起始年", null=True, blank=True,
                                                        help_text="不填则以今年为第三年")
    updated = models.DateTimeField("更新时间", auto_now=True)

    objects = RankingWeightsQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "考核权重设置"

    def __str__(self):
        return f"{self.region} 考核权重"

    def clean(self):
        if not any(getattr(self, f"w_{key}") for key, _label in SUBSCORES):
            raise ValidationError("至少一项指标的权重须大于 0。")
        if self.method_online + self.method_field + self.method_survey != 100:
            raise ValidationError({"method_survey": "三种测评方式的占比之和须为 100。"})
        if self.year1_weight + self.year2_weight + self.year3_weight != 100:
            raise ValidationError({"year3_weight": "三个年度的占比之和须为 100。"})

    def weights(self):
        """{sub-score key: weight}."""
        return {key: getattr(self, f"w_{key}") for key, _label in SUBSCORES}

    def floor(self):
        """The coverage floor of the ranking: {"items": n, "subscores": k}."""
        return {"items": self.min_items, "subscores": self.min_subscores}


class NegativeListEventQuerySet(ScopedQuerySet):
    scope_field = "unit"


class NegativeListEvent(models.Model):
    """An entry of the negative list (负面清单): an event that costs assessment points, such
    as a major safety accident or a food-safety incident; a 一票否决 item disqualifies the
    city for the cycle."""

    unit = models.ForeignKey(Unit, verbose_name="责任单位", on_delete=models.PROTECT,
                             related_name="negative_events")
    item = models.CharField("负面清单事项", max_length=200)
    is_veto = models.BooleanField("一票否决", default=False)
    deduction = models.DecimalField("预计扣分", max_digits=5, decimal_places=2, default=0,
                                    help_text="非一票否决事项预计扣减的测评分数（百分制）")
    date = models.DateField("发生日期")
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField("登记时间", auto_now_add=True)

    objects = NegativeListEventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "负面清单事项"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date} {self.unit} {self.item}"


class ReportQuerySet(ScopedQuerySet):
    def within(self, scope):
        """Reports of the scope's region; only office and leaders read them."""
        return self.under(scope.path, "region") if scope.regional else self.none()

    def in_region_of(self, user):
        """Reports of the region the user works in, whatever the role: the API finds them
        first, so that a unit's staff get 403 for their own region's report and 404 for
        another region's."""
        scope = Scope.of(user)
        if not scope.path:
            return self.visible_to(scope)
        return self.under(scope.unit.region_path, "region")


class Report(models.Model):
    """An accountability report (督查通报) of one region for one period: per-unit figures,
    红黑榜, the 通报 list of overdue issues, the 约谈 candidates, the negative list and the
    projected score. The row says which region and period, once per period; its job
    (`jobs.Job` of kind report) builds it and carries the progress, the XLSX and the
    printable PDF. Asking again after a failure starts a new job."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", "周报"
        MONTHLY = "monthly", "月报"
        ON_DEMAND = "on_demand", "临时报告"

    region = models.ForeignKey(Unit, verbose_name="区域", on_delete=models.CASCADE,
                               related_name="reports")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期", help_text="含当日")
    job = models.OneToOneField(Job, verbose_name="生成任务", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="report")
    created = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "通报报告"
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "period_start", "period_end"],
                                    name="dashboard_report_once_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="dashboard_report_period_order"),
        ]

    def __str__(self):
        return f"{self.region} {self.get_kind_display()} {self.period_start}—{self.period_end}"

    def _name(self, ext):
        return f"{self.region.name}{self.get_kind_display()}_{self.period_start:%Y%m%d}-" \
               f"{self.period_end:%Y%m%d}.{ext}"

    @property
    def download_name(self):
        return self._name("xlsx")

    @property
    def pdf_download_name(self):
        return self._name("pdf")

    @property
    def pdf_missing(self):
        """Done with the Excel file but without the PDF (no CJK font on the worker, say):
        the job's message says why."""
        return self.job is not None and self.job.status == Job.Status.DONE and not self.job.pdf

    @property
    def may_retry(self):
        """Nothing is being built and something is missing: no job, a failed one, or no PDF."""
        return self.job is None or self.job.status == Job.Status.FAILED or self.pdf_missing


class EscalationQuerySet(ScopedQuerySet):
    scope_field = "unit"


class Escalation(models.Model):
    """An accountability decision against a unit (通报批评, 约谈, 问责) with its evidence."""

    class Kind(models.TextChoices):
        NOTICE = "notice", "通报"
        INTERVIEW = "interview", "约谈"
        ACCOUNTABILITY = "accountability", "问责"

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT,
                             related_name="escalations")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    decided_on = models.DateField("决定日期")
    reason = models.TextField("事由")
    report = models.ForeignKey(Report, verbose_name="依据报告", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="escalations")
    issues = models.ManyToManyField("issues.Issue", verbose_name="相关问题", blank=True,
                                    related_name="escalations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField("登记时间", auto_now_add=True)

    objects = EscalationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "问责记录"
        ordering = ["-decided_on", "-id"]

    def __str__(self):
        return f"{self.unit} {self.get_kind_display()} {self.decided_on}"


class EscalationDocument(EvidenceDocument):
    """A document kept with an escalation: the 通报 as sent, the minutes of the 约谈, the
    问责 decision (PDF, Word, Excel). Served only to those who see the escalation."""

    evidence_owner_field = "escalation"
    file_url_name = "dashboard:escalation-document-file"

    escalation = models.ForeignKey(Escalation, verbose_name="问责记录", on_delete=models.CASCADE,
                                   related_name="documents")

    class Meta:
        verbose_name = verbose_name_plural = "问责材料"
        ordering = ["id"]

    def __str__(self):
        return self.original_name or f"材料 {self.pk}"


class UnitFigures(models.Model):
    """The figures (counts) of one ranked unit over one period that is over: a week, month,
    quarter or year whose end has passed. Written once, by the beat after the period ends or
    by the first ranking that reads the period, and then read instead of recounting: the
    trend's past weeks and the "previous period" comparison. The scores are not stored, they
    are worked out from these counts with the region's current weights."""

    class Kind(models.TextChoices):
        WEEK = "week", "周"
        MONTH = "month", "月"
        QUARTER = "quarter", "季度"
        YEAR = "year", "年"

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE,
                             related_name="+")
    kind = models.CharField("周期类型", max_length=10, choices=Kind.choices)
    start = models.DateField("起始日期")
    figures = models.JSONField("统计数")
    computed = models.DateTimeField("统计时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "单位周期统计快照"
        constraints = [
            models.UniqueConstraint(fields=["kind", "start", "unit"],
                                    name="dashboard_unitfigures_once"),
        ]

    def __str__(self):
        return f"{self.unit_id} {self.kind} {self.start}"
