import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .models import Role, Unit, User


class UnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称或拼音首字母", method="filter_q")
    kind = django_filters.ChoiceFilter(label="类型", choices=Unit.Kind.choices)
    within = extend_schema_field(OpenApiTypes.INT)(django_filters.ModelChoiceFilter(
        label="所属上级", queryset=lambda request: Unit.objects.visible_to(request.user),
        method="filter_within",
    ))

    class Meta:
        model = Unit
        fields = ["q", "kind", "within", "is_active"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_within(self, queryset, name, value):
        return queryset.subtree(value)


class UserFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices)

    class Meta:
        model = User
        fields = ["role", "unit"]
