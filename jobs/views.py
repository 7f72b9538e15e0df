from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import FormView

from accounts.scoping import RoleRequiredMixin, ScopedDetailView, ScopedListView
from evidence.views import serve_file

from . import registry
from .excel import ImportFileError
from .forms import ImportForm
from .models import Job
from .services import QUEUED_GRACE, import_start

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class JobListView(ScopedListView):
    """我的导入导出: the caller's jobs (and, for office staff, their region's)."""

    model = Job
    template_name = "jobs/job_list.html"
    paginate_by = 30

    def get_queryset(self):
        return super().get_queryset().select_related("created_by")


class JobDetailView(ScopedDetailView):
    """The progress page; the partial `#progress` is polled by htmx until the job ends."""

    model = Job
    template_name = "jobs/job_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("created_by")

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["jobs/job_detail.html#progress"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        job = self.object
        if registry.is_import(job.kind):
            imp = registry.importer(job.kind)
            ctx["importer"] = imp
        job_type = registry.job_type(job.kind)
        if job_type is not None and job_type.steps:
            ctx["step_text"] = job_type.step_text(job.progress_done)
        # The subject sits above the polled progress partial: not read again on every poll.
        if job_type is not None and job_type.describe is not None \
                and not self.request.headers.get("HX-Request"):
            ctx["subject"], ctx["subject_url"] = job_type.describe(job)
        # Queued past the sweeper's grace: say so, rather than "马上开始" for ever.
        ctx["waiting_long"] = (job.status == Job.Status.QUEUED
                               and timezone.now() - job.created > QUEUED_GRACE)
        return ctx


class JobDownloadView(RoleRequiredMixin, View):
    """A finished job's file (`field="pdf"`: its printable version), only for those who may
    see the job (another's → 404)."""

    field = "result"

    def get(self, request, pk):
        job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
        return serve_file(request, getattr(job, self.field),
                          download_name=getattr(job, f"{self.field}_name") or "结果")


class BaseImportView(RoleRequiredMixin, FormView):
    """An Excel import page: set `kind` to a registered importer's kind. GET shows the form
    with the importer's help and template link; POST checks the file (400 with the message
    when it is refused, nothing stored) and sends the user to the job's progress page."""

    kind = None
    form_class = ImportForm
    template_name = "jobs/import.html"

    @property
    def importer(self):
        return registry.importer(self.kind)

    def dispatch(self, request, *args, **kwargs):
        self.allowed_roles = self.importer.roles
        allowed = self.importer.allowed
        user = request.user
        if (allowed is not None and user.is_authenticated and user.scope_path is not None
                and not allowed(user)):
            raise PermissionDenied(self.importer.denied)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["importer"] = self.importer
        ctx["recent"] = (Job.objects.visible_to(self.request.user)
                         .filter(kind=self.kind, created_by=self.request.user)
                         .select_related("created_by")[:5])
        return ctx

    def form_valid(self, form):
        try:
            job = import_start(kind=self.kind, file=form.cleaned_data["file"],
                               by=self.request.user)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.info(self.request, "文件已上传，正在后台逐行检查，请稍候。")
        return redirect(job)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportTemplateView(RoleRequiredMixin, View):
    """The importer's template workbook."""

    kind = None
    filename = "导入模板.xlsx"

    def dispatch(self, request, *args, **kwargs):
        self.allowed_roles = registry.importer(self.kind).roles
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        response = HttpResponse(registry.importer(self.kind).template(), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(True, self.filename)
        return response
