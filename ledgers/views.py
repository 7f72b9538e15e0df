from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.confirm import confirmation_page
from accounts.models import Role, Unit
from accounts.scoping import RoleRequiredMixin, ScopedDetailView, ScopedListView
from accounts.undo import UNDO_MINUTES, with_undo
from accounts.workflow import TransitionError
from evidence.views import serve_file
from jobs.models import Job
from jobs.word import docx_response

from . import services
from .copycheck import report_check_settings_save, review_flags
from .filters import LedgerRequirementFilterSet
from .forms import CopyCheckSettingsForm, ReplacePhotoForm, ReportForm, UploadForm
from .models import (
    COMPLETION_TEXT,
    REPORT_ELEMENTS,
    LedgerDocument,
    LedgerEvent,
    LedgerPhoto,
    LedgerRequirement,
    LedgerSubmission,
    ReportCheckSettings,
    ReportFingerprint,
    ReportMatch,
    submission_visible_to,
)
from .textcheck import DEFAULT_THRESHOLD
from .word import report_document


class RequirementListView(ScopedListView):
    """Office: every task of the region with its progress; units: their own, by deadline."""

    model = LedgerRequirement
    filterset_class = LedgerRequirementFilterSet
    template_name = "ledgers/requirement_list.html"

    def get_queryset(self):
        qs = super().get_queryset().select_related("standard", "lead_unit").with_progress()
        return laggards_first(qs) if self.request.user.is_office else qs

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "completion_text": COMPLETION_TEXT}


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
        actions = sub.available_actions(user)
        ctx["can_edit"] = "update" in actions
        ctx["can_sign"] = "sign" in actions
        ctx["can_review"] = "approve" in actions
        ctx["can_new_version"] = "new_version" in actions
        ctx["sign_requested"] = any(e.action == LedgerEvent.Action.REQUEST_SIGN
                                    for e in ctx["events"])
        if sub.signed_at:
            ctx["copy_flags"] = review_flags(sub, user)
            ctx["fingerprint"] = ReportFingerprint.objects.filter(submission=sub).defer(
                "text", "signature").first()
        if ctx["can_edit"]:
            verb = kwargs.get("failed_verb")
            ctx["report_form"] = ReportForm(initial={**sub.report, **(
                self.request.POST.dict() if verb == "report" else {})})
            ctx["upload_form"] = kwargs.get("failed_form") or UploadForm()
        return ctx


# The file verbs: verb → (what it is, the service's argument, the verb that undoes it).
FILE_VERBS = {
    "remove-photo": ("照片", "photo_id", "restore-photo"),
    "remove-document": ("文件", "document_id", "restore-document"),
    "restore-photo": ("照片", "photo_id", None),
    "restore-document": ("文件", "document_id", None),
}


class SubmissionActionView(RoleRequiredMixin, View):
    """POST edit/upload/remove/replace/request-sign/sign/approve/return/new-version from the
    detail page. A refused report or upload answers the page again (400) with what was
    typed kept; chosen files cannot be put back into a file input, so that field asks for
    them again."""

    def post(self, request, pk, verb):
        sub = get_object_or_404(LedgerSubmission.objects.visible_to(request.user), pk=pk)
        page = self.confirmation(request, sub, verb)
        if page is not None:
            return page
        try:
            done = self.act(request, sub, verb)
        except TransitionError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            if verb in ("report", "upload"):
                return self.failed(request, pk, verb, exc)
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, done)
        return redirect(getattr(self, "next_url", None) or sub)

    def confirmation(self, request, sub, verb):
        """The page that asks before signing or deleting a file (None: go ahead). Asked only
        of whoever may do it; anyone else gets the service's refusal at once."""
        actions = sub.available_actions(request.user)
        title = f"“{sub.requirement.title}”台账（{sub.unit.name}）"
        if verb == "sign" and "sign" in actions:
            return confirmation_page(
                request, title="确认签字", what=f"签字：{title}",
                consequence="签字后材料报送创城办审核，不能再修改；如需改动，须等创城办退回。",
                button="确认签字", back=sub.get_absolute_url())
        commented = any(v.strip() for k, v in request.POST.items() if k.startswith("comment_"))
        if verb == "return" and "return" in actions and commented:  # no comment: refused
            return confirmation_page(
                request, title="确认退回", what=f"退回修改：{title}",
                consequence="退回后本版材料保留备查，该单位须按意见新建一版重新填报并再次签字。",
                button="确认退回", back=sub.get_absolute_url(), danger=True)
        if verb in ("remove-photo", "remove-document") and "update" in actions:
            model, kind = ((LedgerPhoto, "照片") if verb == "remove-photo"
                           else (LedgerDocument, "文件"))
            item = model.objects.filter(submission=sub, pk=_int(request.POST.get("file"))).first()
            if item is None:
                return None  # the service says the file is not there
            name = str(item) if model is LedgerDocument else (
                item.caption_text or item.original_name)
            return confirmation_page(
                request, title=f"确认删除{kind}", what=f"删除{kind}：“{name}”（{title}）",
                consequence=f"删除后 {UNDO_MINUTES} 分钟内可以撤销；过后{kind}不能恢复，"
                            "如需要请重新上传。",
                button=f"确认删除{kind}", back=sub.get_absolute_url(), danger=True)
        return None

    def act(self, request, sub, verb):
        """Call the service for `verb`; returns what to tell the user."""
        by = request.user
        if verb == "report":
            form = ReportForm(request.POST)
            form.is_valid()
            services.ledger_submission_update(submission=sub, by=by, report=form.cleaned_data)
            return "说明报告已保存。"
        if verb == "upload":
            form = self.form = UploadForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError([])
            photos, documents = form.cleaned_data["photos"], form.cleaned_data["documents"]
            services.ledger_submission_update(submission=sub, by=by, photos=photos,
                                              documents=documents, captions=form.cleaned_data)
            return f"已上传照片 {len(photos)} 张、文件 {len(documents)} 份。"
        if verb in FILE_VERBS:
            kind, key, undo = FILE_VERBS[verb]
            file = {key: _int(request.POST.get("file"))}
            if undo:
                item = services.ledger_file_remove(submission=sub, by=by, **file)
                return with_undo(
                    request, f"已删除：{kind}“{item}”（“{sub.requirement.title}”台账）。",
                    action=reverse("ledgers:submission-action", args=[sub.pk, undo]),
                    fields={"file": item.pk})
            item = services.ledger_file_restore(submission=sub, by=by, **file)
            return f"已撤销删除：{kind}“{item}”已放回“{sub.requirement.title}”台账。"
        if verb == "replace-photo":
            form = ReplacePhotoForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError([e for es in form.errors.values() for e in es])
            services.ledger_photo_replace(submission=sub, by=by, photo_id=form.cleaned_data["file"],
                                          uploaded=form.cleaned_data["photo"])
            return "照片已替换，说明文字保留不变。"
        if verb == "request-sign":
            services.ledger_submission_request_sign(submission=sub, by=by)
            return "已提交领导签字，已通知本单位主要领导。"
        if verb == "sign":
            services.ledger_submission_sign(submission=sub, by=by)
            # 签字 has no undo: only the office's 退回 opens the material again.
            return (f"已签字：“{sub.requirement.title}”台账（{sub.unit.name}），"
                    "材料已报送创城办审核。如需改动，请联系创城办退回后重新填报。")
        if verb == "approve":
            services.ledger_submission_approve(submission=sub, by=by)
            return f"{sub.unit.name}的材料已审核通过。"
        if verb == "return":
            comments = {k: request.POST.get(f"comment_{k}", "")
                        for k in [*REPORT_ELEMENTS, "photos", "documents", "general"]}
            services.ledger_submission_return(submission=sub, by=by, comments=comments)
            return f"已退回{sub.unit.name}修改，并通知其联络员。"
        if verb == "new-version":
            new = services.ledger_submission_new_version(submission=sub, by=by)
            self.next_url = new.get_absolute_url()
            return f"已新建第{new.version}版，可按意见修改。"
        raise Http404

    def failed(self, request, pk, verb, exc):
        view = SubmissionDetailView()
        view.setup(request, pk=pk)
        view.object = view.get_object()
        form = getattr(self, "form", None)
        if form is not None:
            # The service's refusals join the form's own errors, each on its field.
            if hasattr(exc, "error_dict"):
                for field, msgs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, msgs)
            elif exc.messages:
                form.add_error(None, exc.messages)
            if request.FILES:
                form.add_error("photos", "请重新选择照片和文件（说明文字已保留）。")
        ctx = view.get_context_data(object=view.object, failed_verb=verb, failed_form=form,
                                    failed_errors=getattr(exc, "message_dict", {}))
        return view.render_to_response(ctx, status=400)


def _int(value):
    return int(value) if value and str(value).isdigit() else 0


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

    def get_context_data(self, **kwargs):
        # The package usually wanted is this year's: the year field starts there.
        return super().get_context_data(**kwargs, this_year=timezone.localdate().year)

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


class CopyCheckView(ScopedListView):
    """The office's copied-report page: the threshold and template text it sets, and every
    flagged report of its region, most similar first."""

    model = ReportMatch
    allowed_roles = {Role.OFFICE, Role.LEADER}
    template_name = "ledgers/copy_check.html"

    def get_queryset(self):
        return super().get_queryset().select_related(
            "submission__unit", "submission__requirement", "other__unit",
            "other__requirement").order_by("-created", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_edit"] = user.is_superuser or user.role == Role.OFFICE
        region = Unit.objects.filter(path=user.scope_path).first() if user.scope_path else None
        found = ReportCheckSettings.objects.filter(region=region).first() if region else None
        ctx["form"] = kwargs.get("form") or CopyCheckSettingsForm(initial={
            "threshold": round((found.threshold if found else DEFAULT_THRESHOLD) * 100),
            "template_text": found.template_text if found else ""})
        ctx["rows"] = [(m, submission_visible_to(user, m.other.unit.path))
                       for m in ctx["object_list"]]
        return ctx

    def post(self, request):
        if not (request.user.is_superuser or request.user.role == Role.OFFICE):
            raise PermissionDenied("只有创城办工作人员可以修改雷同核查设置。")
        form = CopyCheckSettingsForm(request.POST)
        if form.is_valid():
            try:
                report_check_settings_save(by=request.user,
                                           threshold=form.cleaned_data["threshold"] / 100,
                                           template_text=form.cleaned_data["template_text"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
        if not form.is_valid() or form.errors:
            self.object_list = self.get_queryset()
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, "雷同核查设置已保存，此后签字确认的报告按新设置核查。")
        return redirect("ledgers:copy-check")
class SubmissionReportDocxView(ScopedDetailView):
    """The 说明报告 as a .docx for anyone who may see the submission (404 otherwise)."""

    model = LedgerSubmission

    def get_queryset(self):
        return super().get_queryset().select_related("requirement__standard", "unit",
                                                     "signed_by")

    def render_to_response(self, context, **kwargs):
        sub = self.object
        return docx_response(report_document(sub),
                             f"{sub.requirement.title}-{sub.unit.name}-说明报告.docx")


class CopyCheckExportView(RoleRequiredMixin, View):
    """The office's flagged list (copy-check findings of its region) as Excel, optionally of
    one year (either report's) and one kind; bad values answer 400 with the reason."""

    allowed_roles = {Role.OFFICE}

    def get(self, request):
        from django.conf import settings
        from django.http import HttpResponse, HttpResponseBadRequest
        from django.utils.http import content_disposition_header

        from jobs.excel import request_site

        from .copycheck import flagged_export_file

        qs = ReportMatch.objects.visible_to(request.user).select_related(
            "submission__unit", "submission__requirement", "other__unit",
            "other__requirement").order_by("-similarity", "-id")
        used = []
        year = request.GET.get("year", "").strip()
        if year:
            if not year.isdigit() or not 2000 <= int(year) <= 2100:
                return HttpResponseBadRequest("年度不正确：请填写四位年份，如 2025。",
                                              content_type="text/plain; charset=utf-8")
            qs = qs.filter(submission__requirement__year=int(year))
            used.append(f"年度：{year}")
        kind = request.GET.get("kind", "").strip()
        if kind:
            labels = dict(ReportMatch.Kind.choices)
            if kind not in labels:
                return HttpResponseBadRequest("类型不正确：请从列表中选择雷同类型。",
                                              content_type="text/plain; charset=utf-8")
            qs = qs.filter(kind=kind)
            used.append(f"类型：{labels[kind]}")
        site = settings.SITE_URL or request_site(request)
        body = flagged_export_file(qs, request.user, "；".join(used) or "全部", site=site)
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-"
                                                   "officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = content_disposition_header(True, "材料雷同核查.xlsx")
        return response
