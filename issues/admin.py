from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ExtensionRequest, Holiday, Issue, IssueCategory, IssueEvent, Reminder


@admin.register(IssueCategory)
class IssueCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "deadline_value", "deadline_unit", "severity", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"


class EventInline(admin.TabularInline):
    model = IssueEvent
    extra = 0
    readonly_fields = ["kind", "actor", "from_status", "to_status", "reason", "unit", "deadline",
                       "created"]
    can_delete = False


@admin.register(Issue)
class IssueAdmin(SimpleHistoryAdmin):
    """Read-mostly: workflow changes go through the services (pages and API)."""

    list_display = ["id", "category", "status", "responsible_unit", "deadline", "created"]
    list_filter = ["status", "source", "category"]
    search_fields = ["description", "address"]
    readonly_fields = ["status", "responsible_unit", "deadline", "closed_at", "created_by",
                       "region"]
    raw_id_fields = ["point"]
    inlines = [EventInline]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ["issue", "requested_deadline", "status", "created"]
    readonly_fields = [f.name for f in ExtensionRequest._meta.fields]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["issue", "kind", "deadline", "day", "created"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in Reminder._meta.fields]
