import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.filterforms import FilterForm
from accounts.models import Unit

from .models import Round, RoundSample


def _regions(request):
    if request is None:
        return Unit.objects.none()
    return Unit.objects.visible_to(request.user).filter(kind__in=Unit.REGION_KINDS)


class RoundFilterSet(django_filters.FilterSet):
    """The filters of the rounds list (API): year started, kind, region (with the regions
    under it)."""

    year = django_filters.NumberFilter(label="年度", field_name="starts__year", min_value=2000,
                                       max_value=2100)
    kind = django_filters.ChoiceFilter(label="类型", choices=Round.Kind.choices)
    region = extend_schema_field(OpenApiTypes.INT)(django_filters.ModelChoiceFilter(
        label="测评范围", queryset=_regions, method="filter_region",
        help_text="区县或城市的编号（含其下的轮次）"))

    class Meta:
        model = Round
        fields = ["year", "kind", "region"]
        form = FilterForm

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path)


class RoundSampleFilterSet(django_filters.FilterSet):
    """The filters of a round's sample list: the team, inspected or not."""

    team = django_filters.NumberFilter(label="督查组", field_name="team_id")
    status = django_filters.ChoiceFilter(
        label="状态", choices=[("pending", "未测评"), ("inspected", "已测评")],
        method="filter_status")

    class Meta:
        model = RoundSample
        fields = ["team", "status"]
        form = FilterForm

    def filter_status(self, queryset, name, value):
        return queryset.filter(inspection__isnull=value == "pending")
