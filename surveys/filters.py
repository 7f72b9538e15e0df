import django_filters

from .models import Response, Survey


class SurveyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="标题", field_name="title", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label="状态", choices=Survey.Status.choices)
    round_kind = django_filters.ChoiceFilter(label="轮次", choices=Survey.RoundKind.choices)

    class Meta:
        model = Survey
        fields = ["q", "status", "round_kind"]


class ResponseFilterSet(django_filters.FilterSet):
    channel = django_filters.ChoiceFilter(label="渠道", choices=Response.Channel.choices)
    voided = django_filters.BooleanFilter(label="已作废")
    in_frame = django_filters.BooleanFilter(label="在抽样框内")

    class Meta:
        model = Response
        fields = ["survey", "community", "channel", "voided", "in_frame"]
