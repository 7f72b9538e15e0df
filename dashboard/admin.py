from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Escalation, NegativeListEvent, RankingWeights, Report


@admin.register(RankingWeights)
class RankingWeightsAdmin(SimpleHistoryAdmin):
    list_display = ["region", "updated"]


@admin.register(NegativeListEvent)
class NegativeListEventAdmin(SimpleHistoryAdmin):
    list_display = ["date", "unit", "item", "is_veto", "deduction"]
    list_filter = ["is_veto"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["region", "kind", "period_start", "period_end", "job"]
    list_filter = ["kind"]
    raw_id_fields = ["job"]


@admin.register(Escalation)
class EscalationAdmin(SimpleHistoryAdmin):
    list_display = ["decided_on", "unit", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["unit", "report", "issues"]
