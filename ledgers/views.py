from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from accounts.models import Role, Unit
from accounts.scoping import RoleRequiredMixin, ScopedDetailView, ScopedListView
from evidence.views import serve_file
from jobs.models import Job

from . import services
from .filters import LedgerRequirementFilterSet
from .forms import ReportForm, UploadForm
from .models import (
    REPORT_ELEMENTS,
    LedgerDocument,
    LedgerPhoto,
    LedgerRequirement,
    LedgerSubmission,
)


class RequirementListView(ScopedListView):
    """Office: every task of the region with its progress; units: their own, by deadline."""

    model = LedgerRequirement
    filterset_class = LedgerRequirementFilterSet
    template_name = "ledgers/requirement_list.html"

    def get_queryset(self):
        qs = super().get_queryset().select_related("standard", "lead_unit").with_progress()
        return laggards_first(qs) if self.request.user.is_office else qs


class RequirementDetailView(ScopedDetailView):
    """A task with each unit's state, laggards first, and one-click reminders."""

    model = LedgerRequirement
    template_name = "ledgers/requirement_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        req = self.object
        current = {s.unit_id: s for s in req.submissions.filter(is_current=True)}
        order = {None: 0, "draft": 1, "returned": 1, "signed": 2, "approved": 3}
        rows = [(u, current.get(u.pk)) for u in Unit.objects.filter(pk__in=req.unit_ids())
                .visible_to(self.request.user)]
        rows.sort(key=lambda r: (order[r[1].status if r[1] else None], r[0].name))
        ctx["rows"] = rows
        ctx["my_submission"] = current.get(self.request.user.unit_id)
        ctx["upload_form"] = UploadForm()
        return ctx


class RemindView(RoleRequiredMixin, View):
    allowed_roles = {Role.OFFICE}

    def post(self, request, pk):
        req = get_object_or_404(LedgerRequirement.objects.visible_to(request.user), pk=pk)
        unit = request.POST.get("unit")
        n = services.ledger_requirement_remind(
            requirement=req, by=request.user, unit_ids={int(unit)} if unit else None)
        messages.success(request, f"已向 {n} 个单位发送催报提醒。")
        return redirect(req)


class SubmissionCreateView(RoleRequiredMixin, View):
    allowed_roles = {Role.LIAISON}

    def post(self, request, pk):
        req = get_object_or_404(LedgerRequirement.objects.visible_to(request.user), pk=pk)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for e in errors:
                    messages.error(request, e)
            return redirect(req)
        try:
            sub = services.ledger_submission_create(
                requirement=req, by=request.user, photos=form.cleaned_data["photos"],
                documents=form.cleaned_data["documents"], captions=form.cleaned_data)
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
            return redirect(req)
        messages.success(request, "已保存为草稿，请填写说明报告后提交领导签字。")
        return redirect(sub)


class SubmissionDetailView(ScopedDetailView):
    model = LedgerSubmission
    template_name = "ledgers/submission_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("requirement__standard", "unit",
                                                     "signed_by", "reviewed_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        sub = self.object
        user = self.request.user
        ctx["photos"] = sub.photos.all()
        ctx["documents"] = sub.documents.all()
        ctx["events"] = sub.events.select_related("actor")
        ctx["elements"] = [(k, label, hint, sub.report.get(k, ""),
                            sub.review_comments.get(k, ""))
                           for k, (label, hint) in REPORT_ELEMENTS.items()]
        ctx["can_edit"] = sub.is_editable and user.role == Role.LIAISON and \
            user.unit_id == sub.unit_id
        ctx["can_sign"] = sub.status == "draft" and user.role == Role.UNIT_LEADER and \
            user.unit_id == sub.unit_id
        ctx["can_review"] = sub.status == "signed" and user.role == Role.OFFICE
        ctx["can_new_version"] = sub.status == "returned" and sub.is_current and \
            user.role == Role.LIAISON and user.unit_id == sub.unit_id
        if ctx["can_edit"]:
            ctx["report_form"] = ReportForm(initial=sub.report)
            ctx["upload_form"] = UploadForm()
        return ctx


class SubmissionActionView(RoleRequiredMixin, View):
    """POST edit/upload/sign/approve/return/new-version from the detail page."""

    def post(self, request, pk, verb):
        sub = get_object_or_404(LedgerSubmission.objects.visible_to(request.user), pk=pk)
        try:
            if verb == "report":
                form = ReportForm(request.POST)
                form.is_valid()
                sub = services.ledger_submission_update(submission=sub, by=request.user,
                                                        report=form.cleaned_data)
            elif verb == "upload":
                form = UploadForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise ValidationError([e for es in form.errors.values() for e in es])
                sub = services.ledger_submission_update(
                    submission=sub, by=request.user, photos=form.cleaned_data["photos"],
                    documents=form.cleaned_data["documents"], captions=form.cleaned_data)
            elif verb == "sign":
                sub = services.ledger_submission_sign(submission=sub, by=request.user)
            elif verb == "approve":
                sub = services.ledger_submission_approve(submission=sub, by=request.user)
            elif verb == "return":
                comments = {k: request.POST.get(f"comment_{k}", "")
                            for k in [*REPORT_ELEMENTS, "photos", "documents", "general"]}
                sub = services.ledger_submission_return(submission=sub, by=request.user,
                                                        comments=comments)
            elif verb == "new-version":
                sub = services.ledger_submission_new_version(submission=sub, by=request.user)
            else:
                raise Http404
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        except PermissionDenied:
            raise
        else:
            messages.success(request, "操作成功。")
        return redirect(sub)


class EvidenceFileView(RoleRequiredMixin, View):
    """A photo or document of a submission the user may see (404 otherwise)."""

    model = LedgerPhoto

    def get(self, request, pk, kind):
        obj = get_object_or_404(self.model.objects.filter(
            submission__in=LedgerSubmission.objects.visible_to(request.user)), pk=pk)
        if kind not in obj.file_fields:
            raise Http404
        field = getattr(obj, kind)
        ext = field.name.rsplit(".", 1)[-1] if field else ""
        base = (obj.original_name or "file").rsplit(".", 1)[0]
        return serve_file(request, field, download_name=f"{base}.{ext}",
                          as_attachment=self.model is LedgerDocument)


class ExportListView(ScopedListView):
    """Packages for the national system: one `ledgers_export` job per request (jobs app)."""

    model = Job
    allowed_roles = {Role.OFFICE}
    template_name = "ledgers/export_list.html"

    def get_queryset(self):
        return super().get_queryset().filter(kind=Job.Kind.LEDGERS_EXPORT)

    def post(self, request):
        from .export import export_start

        try:
            job = export_start(by=request.user, year=request.POST.get("year"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("ledgers:export-list")
        messages.success(request, "导出任务已开始，完成后可在此下载。")
        return redirect(job)


class ExportDownloadView(RoleRequiredMixin, View):
    allowed_roles = {Role.OFFICE}

    def get(self, request, pk):
        job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk,
                                kind=Job.Kind.LEDGERS_EXPORT)
        return serve_file(request, job.result, download_name=job.result_name)


def laggards_first(queryset):
    """Requirements with the lowest completion first (for the office's progress page)."""
    return queryset.order_by(Case(When(approved_count=0, then=Value(0)), default=Value(1),
                                  output_field=IntegerField()), "completion_rate", "deadline")
