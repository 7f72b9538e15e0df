from django.contrib import admin

from .models import ApiCall, ApiKey, CivicPolicy, CivicReport, ReportCategory


@admin.register(ReportCategory)
class ReportCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "service_code", "issue_category", "order", "is_active")


@admin.register(CivicReport)
class CivicReportAdmin(admin.ModelAdmin):
    list_display = ("pk", "created", "region", "category", "status", "channel")
    list_filter = ("status", "channel")
    readonly_fields = ("code", "phone_cipher")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "region", "trusted", "is_active", "last_used_at")
    readonly_fields = ("prefix", "key_hash")


admin.site.register(CivicPolicy)
admin.site.register(ApiCall)
