from rest_framework import serializers

from jobs.serializers import JobSerializer

from .models import SUBSCORES, Report


class RankingUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RankingItemSerializer(serializers.Serializer):
    """One ranked unit: rank, unit, composite score, each sub-score and the change."""

    rank = serializers.IntegerField(allow_null=True)
    unit = serializers.SerializerMethodField()
    score = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)
    previous_rank = serializers.IntegerField(allow_null=True)
    figures = serializers.SerializerMethodField()
    ranked = serializers.BooleanField(help_text="本期计分事项达到参与排名的下限")
    coverage = serializers.DictField(child=serializers.IntegerField(),
                                     help_text="计分事项数 items 与有数据的指标数 subscores")
    records = serializers.SerializerMethodField(
        help_text="穿透：每个数字背后的记录清单（同一统计周期）的接口地址，键为 figures 的键")

    def get_unit(self, row) -> dict:
        return {"id": row["id"], "name": row["name"], "kind": row["kind"]}

    def get_figures(self, row) -> dict:
        return {key: row[key] for key in (
            "received", "closed", "closed_on_time", "rectifying", "overdue", "relapsed",
            "ledgers_due", "ledgers_approved", "ledgers_returned", "inspections",
            "inspections_passed", "survey_answered", "survey_satisfied")}

    def get_records(self, row) -> dict[str, str]:
        from django.urls import reverse

        from .drill import COLUMNS

        query = self.context["period"].query
        request = self.context.get("request")
        out = {}
        for column in COLUMNS:
            url = f"{reverse('dashboard-ranking-records', args=[row['id'], column])}?{query}"
            out[column] = request.build_absolute_uri(url) if request else url
        return out

    def to_representation(self, row):
        data = super().to_representation(row)
        for key, _label in SUBSCORES:
            data[key] = row["scores"][key]
        return data


class ReportSerializer(serializers.ModelSerializer):
    """A report and the job that builds it: its status, message (why the PDF is missing,
    say) and the download links of the XLSX and the PDF."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    job = JobSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Report
        fields = ["id", "region", "kind", "kind_display", "period_start", "period_end",
                  "created", "job"]
        read_only_fields = fields


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Report.Kind.choices,
                                   error_messages={"invalid_choice": "报告类型须为 weekly、"
                                                   "monthly 或 on_demand。"})
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
