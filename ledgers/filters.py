import django_filters

from accounts.filterforms import FilterForm

from .models import LedgerRequirement, LedgerSubmission


class LedgerRequirementFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    year = django_filters.NumberFilter(label="年度")

    class Meta:
        model = LedgerRequirement
        fields = ["year", "standard", "lead_unit"]
        form = FilterForm

    def search(self, queryset, name, value):
        return queryset.filter(title__icontains=value) | queryset.filter(
            standard__code__startswith=value)


class LedgerSubmissionFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LedgerSubmission.Status.choices, label="状态")
    current = django_filters.BooleanFilter(field_name="is_current", label="仅当前版本")

    class Meta:
        model = LedgerSubmission
        fields = ["requirement", "unit", "status", "current"]
