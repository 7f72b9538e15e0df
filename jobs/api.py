from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.models import Role
from accounts.scoping import ScopedViewSetMixin
from evidence.views import serve_file

from . import registry
from .excel import ImportFileError
from .models import Job
from .serializers import JobCreateSerializer, JobSerializer
from .services import import_start, job_start

EVERY_ROLE = set(Role)


def start_import_response(request, kind):
    """The API answer to an Excel upload: 202 with the queued job (poll `GET
    /api/v1/jobs/{id}/`), 400 with a Chinese message when the file is refused (nothing is
    stored), 403 when the role may not import."""
    try:
        job = import_start(kind=kind, file=request.FILES.get("file"), by=request.user)
    except ImportFileError as exc:
        return Response({"file": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
    return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class JobViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Import and export jobs: the caller's own, and for office staff those of their region.
    POST starts one (an export with `params`, or an import with a multipart `file`) and
    answers 202; GET shows progress, row errors and the download link."""

    queryset = Job.objects.select_related("created_by")
    serializer_class = JobSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created", "id"]
    write_roles = EVERY_ROLE  # each kind checks its own roles in the service

    @extend_schema(request=JobCreateSerializer, responses={202: JobSerializer})
    def create(self, request, *args, **kwargs):
        data = JobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["kind"]
        jt = registry.job_type(kind)
        if jt is not None and jt.own_start:  # the report: POST /api/v1/reports/
            raise ValidationError({"kind": [f"{Job.Kind(kind).label}不能在这里发起，"
                                            "请在其所属页面生成。"]})
        if registry.is_import(kind):
            return start_import_response(request, kind)
        try:
            job = job_start(kind=kind, by=request.user, params=data.validated_data["params"])
        except DjangoValidationError as exc:
            raise ValidationError({"params": exc.message_dict if hasattr(exc, "error_dict")
                                   else exc.messages}) from None
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The result file of a finished job (404 while there is none)."""
        job = self.get_object()
        return serve_file(request, job.result, download_name=job.result_name or "结果")

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The printable version of a finished job's result (the report's PDF; 404 while
        there is none)."""
        job = self.get_object()
        return serve_file(request, job.pdf, download_name=job.pdf_name or "结果.pdf")


router = SimpleRouter()
router.register("jobs", JobViewSet, basename="job")
