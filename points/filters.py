import django_filters
from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.filterforms import FilterForm
from accounts.models import Unit

from .models import FrameworkItem, Inspection, InspectionResult, Point, PointCategory, PointCircle

ISSUE_STATES = [("none", "无问题"), ("open", "有未销号问题"), ("overdue", "有逾期问题")]
LATEST_INSPECTION = [("failed", "最近一次督查不达标"), ("passed", "最近一次督查达标"),
                     ("never", "从未督查")]


def _units(request):
    if request is None:
        return Unit.objects.none()
    return Unit.objects.visible_to(request.user)


def _streets(request):
    if request is None:
        return Unit.objects.none()
    return Unit.objects.streets_of(request.user)


def _points(request):
    if request is None:
        return Point.objects.none()
    return Point.objects.visible_to(request.user)


class PointFilterSet(django_filters.FilterSet):
    """One filter set for the points page, its Excel export, the map and the API."""

    q = django_filters.CharFilter(label="名称/拼音首字母", method="filter_q")
    category = django_filters.ModelChoiceFilter(label="类别", queryset=PointCategory.objects.all())
    unit = extend_schema_field(OpenApiTypes.INT)(django_filters.ModelChoiceFilter(
        label="责任单位", queryset=_units, method="filter_unit",
        help_text="属地单位、主管部门或包抓共建单位（含下级）",
    ))
    street = extend_schema_field(OpenApiTypes.INT)(django_filters.ModelChoiceFilter(
        label="街道/镇", queryset=_streets, method="filter_street",
    ))
    kind = django_filters.ChoiceFilter(label="类型", choices=Point.Kind.choices)
    is_active = django_filters.BooleanFilter(label="在用")
    issue_state = django_filters.ChoiceFilter(
        label="问题", choices=ISSUE_STATES, method="filter_issue_state")
    latest = django_filters.ChoiceFilter(
        label="最近督查", choices=LATEST_INSPECTION, method="filter_latest")

    class Meta:
        model = Point
        fields = ["q", "category", "unit", "street", "kind", "is_active", "issue_state",
                  "latest"]
        form = FilterForm

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_latest(self, queryset, name, value):
        queryset = queryset.with_latest_passed()
        if value == "never":
            return queryset.filter(latest_passed__isnull=True)
        return queryset.filter(latest_passed=(value == "passed"))

    def filter_unit(self, queryset, name, value):
        partner = Point.partner_units.through.objects.filter(
            point_id=OuterRef("pk"), unit__path__startswith=value.path
        )
        return queryset.filter(
            Q(territorial_unit__path__startswith=value.path)
            | Q(supervising_unit__path__startswith=value.path)
            | Exists(partner)
        )

    def filter_street(self, queryset, name, value):
        return queryset.filter(territorial_unit__path__startswith=value.path)

    def filter_issue_state(self, queryset, name, value):
        """EXISTS per point: "open" includes overdue (both still need rectifying); "none"
        is no open issue at all."""
        # By name: issues depends on points, never the other way round.
        at_point = apps.get_model("issues", "Issue").objects.filter(point=OuterRef("pk"))
        if value == "overdue":
            return queryset.filter(Exists(at_point.overdue(timezone.now())))
        if value == "open":
            return queryset.filter(Exists(at_point.open()))
        return queryset.exclude(Exists(at_point.open()))


class FrameworkItemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键词", method="filter_q")
    level = django_filters.ChoiceFilter(label="层级", choices=FrameworkItem.Level.choices)
    method_field = django_filters.BooleanFilter(label="实地考察")
    method_online = django_filters.BooleanFilter(label="网上申报")
    method_survey = django_filters.BooleanFilter(label="问卷调查")

    class Meta:
        model = FrameworkItem
        fields = ["framework", "parent", "level", "q", "method_field", "method_online",
                  "method_survey"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(text__icontains=value)
                               | Q(code__startswith=value))


class PointCategoryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称", field_name="name", lookup_expr="icontains")

    class Meta:
        model = PointCategory
        fields = ["q"]


class PointCircleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称", field_name="name", lookup_expr="icontains")
    member = extend_schema_field(OpenApiTypes.INT)(django_filters.ModelChoiceFilter(
        label="包含点位", queryset=_points, field_name="members",
    ))
    # Declared (not generated from Meta) so its choices are the caller's points only.
    core = extend_schema_field(OpenApiTypes.INT)(django_filters.ModelChoiceFilter(
        label="核心点位", queryset=_points,
    ))

    class Meta:
        model = PointCircle
        fields = ["q", "member", "core"]


class InspectionFilterSet(django_filters.FilterSet):
    point = extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(label="点位", queryset=_points))
    category = django_filters.ModelChoiceFilter(
        label="类别", queryset=PointCategory.objects.all(), field_name="point__category")
    passed = django_filters.BooleanFilter(label="达标")
    has_severe = django_filters.BooleanFilter(label="有严重不合格", method="filter_severe")
    created = django_filters.DateFromToRangeFilter(label="督查日期")

    class Meta:
        model = Inspection
        fields = ["point", "category", "inspector", "passed", "has_severe", "created"]

    def filter_severe(self, queryset, name, value):
        severe = InspectionResult.objects.filter(
            inspection=OuterRef("pk"), verdict=InspectionResult.Verdict.SEVERE)
        return queryset.filter(Exists(severe)) if value else queryset.exclude(Exists(severe))
