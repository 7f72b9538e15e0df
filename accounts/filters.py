import django_filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .models import Channel, Delivery, Role, Unit, User


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


class AccountFilterSet(django_filters.FilterSet):
    """The office's account list: who, where, and who has not logged in for a while."""

    q = django_filters.CharFilter(label="姓名/账号/手机号", method="filter_q")
    unit = django_filters.ModelChoiceFilter(
        label="单位", queryset=lambda request: Unit.objects.visible_to(request.user).only(
            "pk", "name", "path"), method="filter_unit", empty_label="全部")
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices, empty_label="全部")
    is_active = django_filters.ChoiceFilter(
        label="状态", choices=[("1", "在用"), ("0", "已停用")], method="filter_active",
        empty_label="全部")
    stale = django_filters.ChoiceFilter(
        label="登录情况", choices=[("30", "30 天未登录")], method="filter_stale",
        empty_label="全部")

    class Meta:
        model = User
        fields = ["q", "unit", "role", "is_active", "stale"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(full_name__icontains=value) | Q(username__icontains=value)
                               | Q(phone__icontains=value))

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path)

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")

    def filter_stale(self, queryset, name, value):
        return queryset.stale(days=int(value), now=timezone.now())


class DeliveryFilterSet(django_filters.FilterSet):
    """The delivery log: by channel, result and person."""

    q = django_filters.CharFilter(label="接收人/标题", method="filter_q")
    channel = django_filters.ChoiceFilter(label="方式", choices=Channel.choices,
                                          empty_label="全部")
    status = django_filters.ChoiceFilter(label="结果", choices=Delivery.Status.choices,
                                         empty_label="全部")

    class Meta:
        model = Delivery
        fields = ["q", "channel", "status"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(recipient__full_name__icontains=value)
                               | Q(recipient__username__icontains=value)
                               | Q(title__icontains=value))
