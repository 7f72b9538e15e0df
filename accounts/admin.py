from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Notification, Unit, User


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "name_initials"]
    raw_id_fields = ["parent"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ["username", "full_name", "unit", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "phone"]
    raw_id_fields = ["unit"]
    fieldsets = BaseUserAdmin.fieldsets + (("创城", {"fields": ("unit", "role", "full_name", "phone")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("创城", {"fields": ("unit", "role", "full_name")}),)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "created", "read_at", "delivered_at"]
    raw_id_fields = ["recipient"]
