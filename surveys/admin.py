from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Option, Question, Quota, Response, Section, Survey


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0
    raw_id_fields = ["community"]


@admin.register(Survey)
class SurveyAdmin(SimpleHistoryAdmin):
    list_display = ["title", "region", "round_kind", "status", "starts_on", "ends_on", "version"]
    list_filter = ["status", "round_kind"]
    search_fields = ["title"]
    inlines = [SectionInline, QuotaInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.questions_changed()  # the sections may have changed


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "survey", "kind", "indicator", "screening", "required", "order"]
    list_filter = ["kind", "indicator"]
    inlines = [OptionInline]

    # Changes here move the survey's questionnaire revision, as the editor's do.
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.survey.questions_changed()

    def delete_model(self, request, obj):
        survey = obj.survey
        super().delete_model(request, obj)
        survey.questions_changed()

    def delete_queryset(self, request, queryset):
        surveys = list(Survey.objects.filter(questions__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for survey in surveys:
            survey.questions_changed()


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["id", "survey", "community", "channel", "created", "in_frame", "voided"]
    list_filter = ["channel", "voided", "in_frame"]
    raw_id_fields = ["community", "interviewer"]
    readonly_fields = ["device_hash"]
