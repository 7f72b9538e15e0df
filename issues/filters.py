import datetime as dt

import django_filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.filterforms import FilterForm, OrderingFilter
from accounts.models import Unit

from . import deadlines
from .models import RECTIFYING, Issue, IssueCategory, Source, Status


class IssueFilterSet(django_filters.FilterSet):
    """The one filter of issue lists: the page, the API and the Excel export."""

    q = django_filters.CharFilter(label="搜索", method="filter_q")
    status = django_filters.ChoiceFilter(label="状态", choices=Status.choices)
    unit = extend_schema_field(OpenApiTypes.INT)(django_filters.ModelChoiceFilter(
        label="责任单位", method="filter_unit", queryset=Unit.objects.all(),
    ))
    category = django_filters.ModelChoiceFilter(label="类别",
                                                queryset=IssueCategory.objects.all())
    source = django_filters.ChoiceFilter(label="来源", choices=Source.choices)
    point = django_filters.NumberFilter(label="点位", field_name="point_id")
    street = extend_schema_field(OpenApiTypes.INT)(django_filters.ModelChoiceFilter(
        label="街道", method="filter_street",
        queryset=Unit.objects.none(),
    ))
    open = django_filters.BooleanFilter(label="未销号", method="filter_open")
    overdue = django_filters.BooleanFilter(label="逾期", method="filter_overdue")
    due_within = django_filters.NumberFilter(label="几天内到期", method="filter_due_within",
                                             min_value=0)
    created_after = django_filters.DateFilter(label="发现日期从", method="filter_created_after")
    created_before = django_filters.DateFilter(label="至", method="filter_created_before")
    ordering = OrderingFilter(
        label="排序",
        fields=(("created", "created"), ("deadline", "deadline"), ("status", "status"),
                ("id", "id")),
        field_labels={"created": "发现时间", "deadline": "整改期限", "status": "状态",
                      "id": "编号"},
    )

    class Meta:
        model = Issue
        fields = []
        form = FilterForm

    def __init__(self, *args, now=None, viewer=None, **kwargs):
        """`viewer` (a user or a scope; the request's user by default) limits the units
        offered and accepted to those it may see."""
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        viewer = viewer or getattr(self.request, "user", None)
        if viewer is not None:
            self.filters["unit"].queryset = Unit.objects.visible_to(viewer)
            self.filters["street"].queryset = Unit.objects.streets_of(viewer)

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_unit(self, queryset, name, value):
        # The unit's subtree as a subquery of ids: the issues are then found through the
        # (responsible unit, status) index instead of joining every issue to its unit's path.
        subtree = Unit.objects.filter(path__startswith=value.path).order_by().values("pk")
        return queryset.filter(responsible_unit_id__in=subtree)

    def filter_street(self, queryset, name, value):
        """Issues at points whose territorial unit lies in the street."""
        return queryset.filter(point__territorial_unit__path__startswith=value.path)

    def filter_open(self, queryset, name, value):
        """Every status but 已销号 (true), or only 已销号 (false)."""
        closed = Q(status=Status.CLOSED)
        return queryset.exclude(closed) if value else queryset.filter(closed)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=RECTIFYING, deadline__lt=self.now)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_due_within(self, queryset, name, value):
        until = deadlines.end_of_day(deadlines.local_date(self.now) + dt.timedelta(days=int(value)))
        return queryset.filter(status__in=RECTIFYING, deadline__gte=self.now,
                               deadline__lte=until)

    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created__gte=deadlines.start_of_day(value))

    def filter_created_before(self, queryset, name, value):
        return queryset.filter(created__lte=deadlines.end_of_day(value))

