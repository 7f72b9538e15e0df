from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Job


class JobErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Excel 行号（表头为第 1 行）")
    column = serializers.CharField()
    message = serializers.CharField()


class JobSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    created_by = serializers.CharField(source="created_by.display_name", default=None,
                                       read_only=True)
    percent = serializers.IntegerField(read_only=True)
    errors = JobErrorSerializer(many=True, read_only=True)
    download_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "kind", "kind_display", "status", "status_display", "created_by",
                  "params", "upload_name", "progress_done", "progress_total", "percent",
                  "message", "errors", "result_count", "result_name", "download_url",
                  "pdf_name", "pdf_url", "page_url", "created", "started", "finished"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, obj):
        if not obj.result:
            return None
        return reverse("job-download", kwargs={"pk": obj.pk})

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pdf_url(self, obj):
        return reverse("job-pdf", kwargs={"pk": obj.pk}) if obj.pdf else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_page_url(self, obj):
        return obj.get_absolute_url()


class JobCreateSerializer(serializers.Serializer):
    """An export job: `kind` and its parameters (issues_export: the list's filters;
    ledgers_export: `year`). Imports also accept `file` here, as multipart."""

    kind = serializers.ChoiceField(choices=Job.Kind.choices)
    params = serializers.JSONField(required=False, default=dict)
    file = serializers.FileField(required=False)
