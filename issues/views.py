from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.confirm import confirmation_page
from accounts.models import Role, Unit
from accounts.scoping import RoleRequiredMixin, ScopedDetailView, ScopedListView, may_write
from evidence.views import serve_file
from jobs.excel import SITE_PARAM, request_site
from jobs.models import Job
from jobs.services import job_start
from jobs.views import BaseImportView, ImportTemplateView
from jobs.word import docx_response

from . import deadlines, services
from .exports import clean_export_params
from .filters import IssueFilterSet
from .forms import ActionForm, IssueFileForm
from .models import Issue, IssuePhoto, Status
from .pagination import LateRowPaginator
from .reminders import interview_candidates, notice_draft
from .rows import ROW_VALUES, html_rows, unit_options
from .word import notice_document


class IssueListView(ScopedListView):
    model = Issue
    filterset_class = IssueFilterSet
    template_name = "issues/issue_list.html"
    paginator_class = LateRowPaginator

    def get_queryset(self):
        # The rows as plain values, written by `html_rows` (issues/rows.py).
        return super().get_queryset().for_list(timezone.now()).values(*ROW_VALUES)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_dispatch"] = may_write(user, services.DISPATCH_ROLES)
        ctx["can_file"] = may_write(user, services.FILE_ROLES)
        if ctx["can_dispatch"]:
            # The bulk-dispatch select's few hundred options written in Python (the same
            # markup): through the template's loop they were half of the page's render.
            ctx["unit_options"] = unit_options(
                services.visible_responsible_units(user).values_list("pk", "name"))
        # Rows link to their page by id: one reverse for the page instead of one per row.
        ctx["detail_url"] = reverse("issues:issue-detail", args=[0]).removesuffix("0/")
        ctx["rows"] = html_rows(ctx["object_list"], detail_url=ctx["detail_url"],
                                can_dispatch=ctx["can_dispatch"])
        return ctx


class IssueExportView(RoleRequiredMixin, View):
    """Starts an Excel export of what the list's filters show and opens its progress page."""

    def get(self, request):
        params = {k: v for k, v in request.GET.lists() if k != "page"}
        params[SITE_PARAM] = request_site(request)  # photo links point back here
        job = job_start(kind=Job.Kind.ISSUES_EXPORT, by=request.user,
                        params=clean_export_params(params))
        messages.info(request, "正在生成 Excel，完成后点击下载。")
        return redirect(job)

    post = get


class IssueDetailView(ScopedDetailView):
    model = Issue
    template_name = "issues/issue_detail.html"

    def get_queryset(self):
        return super().get_queryset().for_list(timezone.now()).with_pending_extension()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        issue, user = self.object, self.request.user
        photos = list(issue.photos.all())
        ctx["before_photos"] = [p for p in photos if p.kind == IssuePhoto.Kind.BEFORE]
        ctx["after_photos"] = [p for p in photos if p.kind == IssuePhoto.Kind.AFTER]
        ctx["events"] = issue.events.select_related("actor", "unit")
        ctx["actions"] = issue.available_actions(user)
        ctx["units"] = services.visible_responsible_units(user) if may_write(
            user, services.DISPATCH_ROLES) else []
        ctx["suggested_unit"] = services.suggest_unit(point=issue.point, category=issue.category)
        failed = ctx.get("failed") or {}
        ctx["typed"] = failed.get("values", {})
        # 派发 proposes the category's unit; 改派 / 维持原派 starts from the unit in charge, so
        # confirming it never moves the issue. A refused form keeps the unit that was chosen.
        chosen = ctx["typed"].get("responsible_unit")
        ctx["chosen_unit_id"] = (int(chosen) if chosen and chosen.isdigit() else
                                 issue.responsible_unit_id or getattr(ctx["suggested_unit"],
                                                                      "pk", None))
        return ctx


SERVICES = {
    "assign": services.issue_assign,
    "submit": services.issue_submit,
    "dispute": services.issue_dispute,
    "request_extension": services.extension_request,
    "grant_extension": services.extension_grant,
    "refuse_extension": services.extension_refuse,
    "approve": services.issue_approve,
    "reject": services.issue_reject,
    "reassign": services.issue_reassign,
    "reopen": services.issue_reopen,
    "comment": services.issue_comment,
}


class IssueActionView(RoleRequiredMixin, View):
    """POST from the issue page: one form for every action, the same services as the API.

    A refused action answers the issue page again (400) with what the user typed still in
    the form and the message next to it; chosen photos cannot be put back into a file input,
    so that field asks for them again."""

    def post(self, request, pk, action):
        if action not in SERVICES:
            raise Http404
        issue = get_object_or_404(Issue.objects.visible_to(request.user), pk=pk)
        form = ActionForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.failed(request, pk, action, form.errors)
        if action == "approve" and action in issue.available_actions(request.user):
            page = confirmation_page(
                request, title="确认销号", what=f"销号：{issue_label(issue)}",
                consequence="复核通过后问题即销号，计入整改完成；如问题反弹，可在问题页“反弹重开”。",
                button="确认销号", back=issue.get_absolute_url())
            if page is not None:
                return page
        if (action == "reject" and action in issue.available_actions(request.user)
                and (form.cleaned_data.get("reason") or "").strip()):  # no reason: refused
            page = confirmation_page(
                request, title="确认退回重改",
                what=f"退回重改：{issue_label(issue)}（理由：{form.cleaned_data['reason'][:50]}）",
                consequence=f"退回后问题交{issue.responsible_unit or '责任单位'}重新整改，"
                            "本次整改照片保留在问题记录中。",
                button="确认退回", back=issue.get_absolute_url(), danger=True)
            if page is not None:
                return page
        try:
            SERVICES[action](issue=issue, by=request.user, **form.kwargs_for(action))
        except services.TransitionError as exc:
            return self.failed(request, pk, action, {None: [exc.message]})
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            return self.failed(request, pk, action, errors)
        issue.refresh_from_db()
        messages.success(request, done_message(action, issue))
        return redirect(issue)

    def failed(self, request, pk, action, errors):
        view = IssueDetailView()
        view.setup(request, pk=pk)
        view.object = view.get_object()
        ctx = view.get_context_data(object=view.object, failed=failed_form(action, errors,
                                                                         request))
        return view.render_to_response(ctx, status=400)


def failed_form(action, errors, request):
    """What the page needs to show a refused action again: the action, the messages (the
    form-wide ones under None), the values typed, and whether photos must be chosen again."""
    errors = {field or "__all__": list(msgs) for field, msgs in dict(errors).items()}
    return {"action": action, "errors": errors,
            "messages": [m for msgs in errors.values() for m in msgs],
            "values": request.POST, "photos_again": bool(request.FILES.getlist("photos"))}


def issue_label(issue):
    """#123 类别（点位） — how a message names an issue."""
    where = f"（{issue.point.name}）" if issue.point_id else ""
    return f"问题 #{issue.pk} {issue.category.name}{where}"


def done_message(action, issue):
    """What the user just did, in words (not a bare 操作成功)."""
    unit = issue.responsible_unit.name if issue.responsible_unit_id else ""
    deadline = (timezone.localtime(issue.deadline).strftime("%Y-%m-%d %H:%M")
                if issue.deadline else "")
    return {
        "assign": f"问题 #{issue.pk} 已派发给{unit}，整改期限 {deadline}。",
        "reassign": f"问题 #{issue.pk} 现由{unit}整改，期限 {deadline}。",
        "submit": f"问题 #{issue.pk} 的整改已提交，等待创城办复核。",
        "dispute": f"已对问题 #{issue.pk} 提出异议，等待创城办处理。",
        "request_extension": f"问题 #{issue.pk} 的延期申请已提交。",
        "grant_extension": f"已同意延期，问题 #{issue.pk} 的新期限 {deadline}。",
        "refuse_extension": f"已不同意问题 #{issue.pk} 的延期申请。",
        # 销号 has no undo: a relapse is reopened through the workflow, which counts it.
        "approve": f"已销号：{issue_label(issue)}，复核通过。"
                   "如问题反弹需要重新整改，请在问题页点击“反弹重开”。",
        "reject": f"问题 #{issue.pk} 已退回{unit}重新整改。",
        "reopen": f"问题 #{issue.pk} 已重开，交{unit}在 {deadline} 前重新整改。",
        "comment": "备注已添加。",
    }[action]


class BulkAssignView(RoleRequiredMixin, View):
    allowed_roles = services.DISPATCH_ROLES

    def post(self, request):
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
        unit = Unit.objects.visible_to(request.user).filter(
            pk=request.POST.get("responsible_unit") or 0).first()
        issues = list(Issue.objects.visible_to(request.user).filter(pk__in=ids,
                                                                     status=Status.NEW))
        if not issues or unit is None:
            messages.error(request, "请勾选待派发的问题并选择责任单位。")
        else:
            try:
                services.issue_bulk_assign(issues=issues, by=request.user,
                                           responsible_unit=unit)
                messages.success(request, f"已派发 {len(issues)} 个问题给{unit}。")
            except (services.TransitionError, ValidationError) as exc:
                messages.error(request, getattr(exc, "message", None) or "；".join(exc.messages))
        return redirect(request.POST.get("next") or "issues:issue-list")


class IssueFileView(RoleRequiredMixin, FormView):
    """File an issue from the desktop or the phone (camera capture, phone location)."""

    allowed_roles = services.FILE_ROLES
    form_class = IssueFileForm
    template_name = "issues/issue_file.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        dupes = services.possible_duplicates(point=data.get("point"), category=data["category"])
        if dupes.exists() and not data.get("confirm_duplicate"):
            return self.render_to_response(self.get_context_data(form=form, duplicates=dupes))
        try:
            issue = services.issue_file(
                by=self.request.user, point=data.get("point"), category=data["category"],
                description=data["description"], source=data["source"],
                latitude=data.get("latitude"), longitude=data.get("longitude"),
                address=data.get("address") or "", photos=self.request.FILES.getlist("photos"))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, f"问题 #{issue.pk} 已上报。")
        return redirect(issue)


class PhotoFileView(RoleRequiredMixin, View):
    """A photo of an issue the user may see; other units' photos do not exist (404)."""

    def get(self, request, pk, kind):
        photo = get_object_or_404(
            IssuePhoto.objects.filter(issue__in=Issue.objects.visible_to(request.user)), pk=pk)
        if kind not in ("file", "thumbnail", "display"):
            raise Http404
        field = getattr(photo, kind)
        return serve_file(request, field, download_name=f"问题{photo.issue_id}_{photo.pk}.jpg",
                          as_attachment=False)


class IssueMapView(RoleRequiredMixin, TemplateView):
    """Open issues on a map (clusters; draws without tiles too)."""

    template_name = "issues/issue_map.html"

    def get_context_data(self, **kwargs):
        from django.conf import settings

        ctx = super().get_context_data(**kwargs)
        qs = IssueFilterSet(self.request.GET or None,
                            queryset=Issue.objects.visible_to(self.request.user).open(),
                            request=self.request).qs
        features = []
        for row in qs.select_related("point", "category")[:5000]:
            where = row.coordinates()
            if where:
                features.append({"id": row.pk, "lat": where[0], "lng": where[1],
                                 "title": f"#{row.pk} {row.category.name}",
                                 "status": row.get_status_display(),
                                 "url": row.get_absolute_url()})
        ctx["features"] = features
        ctx["tile_url"] = settings.MAP_TILE_URL
        return ctx


class NoticeDraftView(RoleRequiredMixin, TemplateView):
    """The 通报 draft: issues far overdue, and units repeatedly late (约谈候选)."""

    allowed_roles = {Role.OFFICE, Role.LEADER}
    template_name = "issues/notice_draft.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        ctx["issues"] = notice_draft(Issue.objects.visible_to(user).for_list(now))
        ctx["candidates"] = interview_candidates(Unit.objects.visible_to(user), now=now)
        return ctx


class NoticeDocxView(NoticeDraftView):
    """The same draft as a .docx in 红头 layout."""

    def get(self, request, *args, **kwargs):
        ctx = self.get_context_data()
        now = timezone.now()
        doc = notice_document(issues=ctx["issues"], candidates=ctx["candidates"],
                              user=request.user, now=now)
        return docx_response(doc, f"逾期问题通报（草稿）{deadlines.local_date(now):%Y%m%d}.docx")



class IssueImportView(BaseImportView):
    """Upload a workbook of findings (暗访 …); a job checks every row, all or nothing."""

    kind = Job.Kind.ISSUES_IMPORT


class IssueImportTemplateView(ImportTemplateView):
    kind = Job.Kind.ISSUES_IMPORT
    filename = "问题导入模板.xlsx"
