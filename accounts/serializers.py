from rest_framework import serializers

from .models import Notification, Unit, User


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "kind_display", "parent", "contact_phone", "is_active"]

    def validate_parent(self, parent):
        """A new or moved unit must hang inside the writer's own scope."""
        user = self.context["request"].user
        if parent is None:
            if not user.is_superuser:
                raise serializers.ValidationError("请选择上级单位。")
            return parent
        if not Unit.objects.visible_to(user).filter(pk=parent.pk).exists():
            raise serializers.ValidationError("上级单位不存在或不在您的管辖范围内。")
        if self.instance is not None and parent.path.startswith(self.instance.path):
            raise serializers.ValidationError("不能把单位移到它自己的下级单位之下。")
        return parent

    def validate(self, attrs):
        """Keep the tree valid and nobody's scope wider than the writer's own: a city or
        district bounds the scope of everyone inside it, so an office may neither make one
        (except a district under the city, by the city office) nor turn one into anything
        else, nor turn a unit into one. Only the system administrator reshapes regions."""
        user = self.context["request"].user
        if user.is_superuser:
            return attrs
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        parent = attrs.get("parent", getattr(self.instance, "parent", None))
        regions = Unit.REGION_KINDS
        if self.instance is not None and kind != self.instance.kind and (
                kind in regions or self.instance.kind in regions):
            raise serializers.ValidationError(
                {"kind": "市、区/县的类型不能修改，其他单位也不能改成市或区/县；"
                         "如需调整行政区划，请联系系统管理员。"})
        if self.instance is None and kind == Unit.Kind.CITY:
            raise serializers.ValidationError({"kind": "市级单位只能由系统管理员建立。"})
        if kind == Unit.Kind.DISTRICT and (self.instance is None or "parent" in attrs) and (
                parent is None or parent.kind != Unit.Kind.CITY):
            raise serializers.ValidationError({"parent": "区/县的上级单位必须是市。"})
        return attrs

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            fields["parent"].queryset = Unit.objects.visible_to(request.user)
        return fields


class UserSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "unit", "unit_name", "role", "role_display", "phone"]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created", "read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None
