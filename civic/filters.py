import django_filters
from django.db.models import Q

from accounts.filterforms import FilterForm
from issues import deadlines

from .models import CivicReport, ReportCategory


class CivicReportFilterSet(django_filters.FilterSet):
    """The moderation queue's filter: the page, its map and the Excel export."""

    q = django_filters.CharFilter(label="搜索", method="filter_q")
    status = django_filters.ChoiceFilter(label="状态", choices=CivicReport.Status.choices)
    category = django_filters.ModelChoiceFilter(label="类别",
                                                queryset=ReportCategory.objects.all())
    channel = django_filters.ChoiceFilter(label="来源", choices=CivicReport.Channel.choices)
    created_after = django_filters.DateFilter(label="上报日期从", method="filter_after")
    created_before = django_filters.DateFilter(label="至", method="filter_before")

    class Meta:
        model = CivicReport
        fields = []
        form = FilterForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        cond = Q(description__icontains=value) | Q(address__icontains=value)
        if value.isdigit():
            cond |= Q(pk=int(value))
        return queryset.filter(cond)

    def filter_after(self, queryset, name, value):
        return queryset.filter(created__gte=deadlines.start_of_day(value))

    def filter_before(self, queryset, name, value):
        return queryset.filter(created__lte=deadlines.end_of_day(value))
