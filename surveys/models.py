import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from simple_history.models import HistoricalRecords

from accounts.models import Role, Scope, ScopedQuerySet, Unit
from accounts.workflow import Transition, Workflow


class Indicator(models.TextChoices):
    """The survey indicators of the national assessment (问卷调查的测评指标)."""

    AWARENESS = "awareness", "知晓率"
    SUPPORT = "support", "支持率"
    PARTICIPATION = "participation", "参与率"
    SATISFACTION = "satisfaction", "满意率"


INDICATORS = [value for value, _label in Indicator.choices]


def _public_token():
    return secrets.token_urlsafe(9)


def _ancestor_paths(path):
    """"/1/4/17/" → ["/1/", "/1/4/", "/1/4/17/"]: the paths of a unit and its ancestors."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def result_scope_path(viewer):
    """Unit path prefix of the communities whose answers `viewer` (a user or a scope) may see
    in results.

    Regional staff (office, inspector, leader) see their whole region; a street or community
    user sees the communities of their own unit; anybody else (a department's liaison) sees
    no results at all (None)."""
    scope = Scope.of(viewer)
    path = scope.path
    if path is None or path == "" or scope.regional:
        return path
    if scope.unit.kind in (Unit.Kind.STREET, Unit.Kind.COMMUNITY):
        return path
    return None


class SurveyQuerySet(ScopedQuerySet):
    def within(self, scope):
        """Surveys of the scope's region for regional staff; for street and community users
        the surveys run over their district (or city); nothing for department users."""
        path = result_scope_path(scope)
        if path is None:
            return self.none()
        if scope.regional:
            return self.under(path, "region")
        return self.filter(region__path__in=_ancestor_paths(scope.unit.path))

    def with_response_counts(self):
        # A correlated count keeps a list at one query however many responses there are.
        valid = Response.objects.filter(survey=OuterRef("pk"), voided=False)
        return self.annotate(
            response_count=Coalesce(Subquery(
                valid.values("survey").annotate(n=Count("pk")).values("n")[:1]
            ), 0),
        )


class Survey(models.Model):
    """A questionnaire to residents (问卷) run over a district for one round, real or mock."""

    class RoundKind(models.TextChoices):
        REAL = "real", "正式测评"
        MOCK = "mock", "模拟调查"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    title = models.CharField("问卷标题", max_length=200)
    intro = models.TextField("卷首语", blank=True,
                             help_text="显示在问卷开头，例如调查目的和匿名承诺。")
    region = models.ForeignKey(Unit, verbose_name="调查范围（区/市）", on_delete=models.PROTECT,
                               related_name="surveys")
    round_kind = models.CharField("轮次类型", max_length=10, choices=RoundKind.choices,
                                  default=RoundKind.MOCK)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    target_awareness = models.DecimalField("知晓率目标（%）", max_digits=5, decimal_places=2,
                                           default=90)
    target_support = models.DecimalField("支持率目标（%）", max_digits=5, decimal_places=2,
                                         default=90)
    target_participation = models.DecimalField("参与率目标（%）", max_digits=5,
                                               decimal_places=2, default=80)
    target_satisfaction = models.DecimalField("满意率目标（%）", max_digits=5,
                                              decimal_places=2, default=85)
    version = models.PositiveIntegerField("版本", default=1)
    copied_from = models.ForeignKey("self", verbose_name="复制自", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="copies")
    # Unguessable part of the public link, so surveys cannot be enumerated by id.
    public_token = models.CharField(max_length=20, unique=True, default=_public_token,
                                    editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField("创建时间", auto_now_add=True)
    # Moved by every change of the questions, options or sections (surveys.editing, the
    # admin), in the change's own transaction: the answer check keeps the questionnaire per
    # revision (services.questionnaire). Only those UPDATEs write it (see save()).
    questions_revision = models.PositiveIntegerField(default=0, editable=False)

    objects = SurveyQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["questions_revision"])

    class Meta:
        verbose_name = verbose_name_plural = "问卷"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="surveys_survey_dates_ordered"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A survey loaded before a question was edited must not write its old revision back
        # (the kept questionnaire of that revision would be read again): saves of an existing
        # row leave the column to `questions_changed`.
        if self.pk is not None and not self._state.adding and not kwargs.get("force_insert") \
                and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.name != "questions_revision"]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("surveys:detail", args=[self.pk])

    def questions_changed(self):
        """Move the questionnaire's revision: call inside the transaction that changes the
        questions, options or sections, so a response checked after it commits reads the
        new questionnaire (and one checked before holds the survey row against the edit)."""
        Survey.objects.filter(pk=self.pk).update(
            questions_revision=models.F("questions_revision") + 1)

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "结束日期不能早于开始日期。"})
        if self.region_id and self.region.kind not in Unit.REGION_KINDS:
            raise ValidationError({"region": "调查范围必须是区（县）或市。"})
        for indicator in INDICATORS:
            value = getattr(self, f"target_{indicator}")
            if value is not None and not 0 <= value <= 100:
                raise ValidationError({f"target_{indicator}": "目标应在 0 到 100 之间。"})

    def targets(self):
        return {i: float(getattr(self, f"target_{i}")) for i in INDICATORS}

    def public_path(self, community=None):
        if community is None:
            return reverse("surveys:public", args=[self.public_token])
        return reverse("surveys:public-community", args=[self.public_token, community.pk])

    def accepts_answers(self, today):
        """Whether the public form takes answers on `today` (a local date)."""
        return (self.status == self.Status.OPEN
                and self.starts_on <= today <= self.ends_on)

    def closed_message(self, today):
        if self.status == self.Status.DRAFT:
            return "本问卷尚未发布。"
        if self.status == self.Status.CLOSED or today > self.ends_on:
            return f"本次调查已于 {self.ends_on:%Y年%m月%d日} 结束，感谢您的关注。"
        if today < self.starts_on:
            return f"本次调查将于 {self.starts_on:%Y年%m月%d日} 开始，请届时再来填写。"
        return ""


# A survey's publication: published (发布) from a draft, closed (结束调查) when the round
# ends, published again to reopen it. Read by the services to refuse and by the survey
# page and the API to offer the actions.
WORKFLOW = Workflow(
    Transition("publish", "发布", [Survey.Status.DRAFT, Survey.Status.CLOSED], Survey.Status.OPEN,
               {Role.OFFICE}),
    Transition("close", "结束调查", [Survey.Status.OPEN], Survey.Status.CLOSED, {Role.OFFICE}),
)


class Section(models.Model):
    """A part of a questionnaire with a heading (e.g. 一、创建知晓情况)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField("标题", max_length=200)
    order = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "问卷分节"
        ordering = ["order", "id"]

    def __str__(self):
        return self.title


class Question(models.Model):
    """One question; choice and rating questions may feed one indicator, screening questions
    decide whether the respondent is inside the national sampling frame."""

    class Kind(models.TextChoices):
        SINGLE = "single", "单选"
        MULTIPLE = "multiple", "多选"
        RATING = "rating", "评分（1–5分）"
        TEXT = "text", "简答"

    class Screening(models.TextChoices):
        NONE = "", "不是甄别题"
        AGE = "age", "年龄（18–65周岁）"
        RESIDENCE = "residence", "居住时间（满6个月）"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, verbose_name="分节", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="questions")
    text = models.CharField("题目", max_length=300)
    kind = models.CharField("题型", max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    required = models.BooleanField("必答", default=True)
    order = models.PositiveIntegerField("顺序", default=0)
    indicator = models.CharField("计入指标", max_length=20, choices=Indicator.choices,
                                 blank=True)
    screening = models.CharField("甄别", max_length=10, choices=Screening.choices, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "题目"
        ordering = ["order", "id"]

    def __str__(self):
        return self.text

    def clean(self):
        if self.kind == self.Kind.TEXT and (self.indicator or self.screening):
            raise ValidationError({"kind": "简答题不能计入指标或作为甄别题。"})
        if self.screening and self.kind != self.Kind.SINGLE:
            raise ValidationError({"screening": "甄别题必须是单选题。"})
        if self.screening and self.indicator:
            raise ValidationError({"indicator": "甄别题不计入指标。"})

    @property
    def has_options(self):
        return self.kind != self.Kind.TEXT

    @property
    def counts_nothing(self):
        """Fed to an indicator with no option counting toward it: its rate would read 0 %
        whatever residents answer. Reads `options.all()`, so prefetch them for a list."""
        return bool(self.indicator) and self.has_options and not any(
            o.indicator for o in self.options.all())

    def counts_nothing_message(self):
        return (f"第{self.order}题“{self.text}”计入{self.get_indicator_display()}，但没有选项"
                f"计入{self.get_indicator_display()}，这道题的{self.get_indicator_display()}"
                f"会一直是 0%。请把“满意”一类的选项设为计入。")


class Option(models.Model):
    """A choice of a question; `indicator` says which rate choosing it counts toward
    ("知道" → awareness, "满意/比较满意" → satisfaction); blank counts toward none."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField("选项", max_length=200)
    order = models.PositiveIntegerField("顺序", default=0)
    indicator = models.CharField("计入指标", max_length=20, choices=Indicator.choices,
                                 blank=True)
    # For screening questions: choosing this option keeps the respondent in the frame.
    in_frame = models.BooleanField("符合抽样条件", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "选项"
        ordering = ["order", "id"]

    def __str__(self):
        return self.text

    def clean(self):
        if self.indicator and self.question.indicator != self.indicator:
            raise ValidationError({"indicator": "选项计入的指标必须与题目计入的指标一致。"})


class Quota(models.Model):
    """How many valid responses the office wants from one community (样本配额)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="quotas")
    community = models.ForeignKey(Unit, verbose_name="社区", on_delete=models.PROTECT,
                                  related_name="+")
    target = models.PositiveIntegerField("目标份数", default=20)

    class Meta:
        verbose_name = verbose_name_plural = "样本配额"
        ordering = ["community__path"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "community"],
                                    name="surveys_quota_unique_community"),
        ]

    def __str__(self):
        return f"{self.community} {self.target}"


class ResponseQuerySet(ScopedQuerySet):
    def within(self, scope):
        """Responses from communities inside the scope's result scope, of visible surveys."""
        path = result_scope_path(scope)
        if path is None:
            return self.none()
        return self.filter(survey__in=Survey.objects.visible_to(scope)).under(path, "community")

    def valid(self):
        return self.filter(voided=False)


class Response(models.Model):
    """One filled-in questionnaire: anonymous, from a community, through a channel.
    No IP address is stored; online answers carry only a hash of the device cookie."""

    class Channel(models.TextChoices):
        ONLINE = "online", "网上填写"
        HOUSEHOLD = "household", "入户调查"
        INTERCEPT = "intercept", "街头拦访"
        MOCK = "mock", "模拟调查"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    community = models.ForeignKey(Unit, verbose_name="社区", on_delete=models.PROTECT,
                                  related_name="+")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices,
                               default=Channel.ONLINE)
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="调查员", null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    device_hash = models.CharField(max_length=64, blank=True, editable=False)
    created = models.DateTimeField("提交时间", auto_now_add=True, db_index=True)
    # Computed from the screening answers when the response is saved.
    in_frame = models.BooleanField("在抽样框内", default=True)
    voided = models.BooleanField("已作废", default=False)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "答卷"
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "device_hash"],
                                    condition=~Q(device_hash=""),
                                    name="surveys_response_one_per_device"),
        ]
        indexes = [
            models.Index(fields=["survey", "community"], name="surveys_resp_survey_comm_idx"),
        ]

    def __str__(self):
        return f"{self.survey} #{self.pk}"


class Answer(models.Model):
    """A respondent's answer to one question: the chosen option (single choice, rating),
    the chosen options (multiple choice) or the text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(Option, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="answers")
    choices = models.ManyToManyField(Option, blank=True, related_name="multi_answers")
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "答案"
        constraints = [
            models.UniqueConstraint(fields=["response", "question"],
                                    name="surveys_answer_one_per_question"),
        ]

    def __str__(self):
        return f"{self.question_id}: {self.option_id or self.text}"


class SurveyEvent(models.Model):
    """A change of a survey's state or of its responses: publish, close, copy, void."""

    class Action(models.TextChoices):
        CREATED = "created", "新建"
        EDIT = "edit", "修改问卷"
        STATUS = "status", "状态变更"
        COPY = "copy", "复制为新版本"
        VOID = "void", "作废答卷"
        QUOTAS = "quotas", "设置配额"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    detail = models.CharField("说明", max_length=300, blank=True)
    created = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "问卷记录"
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.action} {self.detail}"
