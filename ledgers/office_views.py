"""The office's pages for managing ledger tasks: new/edit (with a sample file), copy from last
year, Excel import (jobs app) and export, and the sample download for everyone who sees
the task."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import FormView

from accounts.models import Role
from accounts.scoping import RoleRequiredMixin
from evidence.views import serve_file
from jobs.excel import filters_text
from jobs.models import Job
from jobs.views import BaseImportView, ImportTemplateView

from . import requirements
from .filters import LedgerRequirementFilterSet
from .forms import RequirementCopyForm, RequirementForm
from .models import LedgerRequirement

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFICE = {Role.OFFICE}


def _apply_errors(form, exc):
    for field, messages_ in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


class RequirementFormView(RoleRequiredMixin, FormView):
    """New task (no pk) or edit one of the office's region."""

    allowed_roles = OFFICE
    form_class = RequirementForm
    template_name = "ledgers/requirement_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if "pk" in kwargs and request.user.is_authenticated:
            self.object = get_object_or_404(
                LedgerRequirement.objects.visible_to(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user,
                "instance": self.object}

    def form_valid(self, form):
        requirement = form.save(commit=False)
        try:
            requirement = requirements.requirement_save(
                requirement=requirement, by=self.request.user,
                contributing_units=list(form.cleaned_data["contributing_units"]),
                sample=form.cleaned_data.get("sample_upload"))
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"台账任务“{requirement.title}”已保存。")
        return redirect(requirement)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "object": self.object}


class RequirementCopyView(RoleRequiredMixin, View):
    """复制往年任务: pick a year, tick the tasks, copy them a year later in one go."""

    allowed_roles = OFFICE
    template_name = "ledgers/requirement_copy.html"

    def _render(self, request, source_year, form, status=200):
        tasks = (LedgerRequirement.objects.visible_to(request.user).filter(year=source_year)
                 .select_related("standard", "lead_unit").order_by("standard__order", "id"))
        years = (LedgerRequirement.objects.visible_to(request.user).order_by("-year")
                 .values_list("year", flat=True).distinct())
        chosen = set(form["requirements"].value() or []) if form.is_bound else None
        return render(request, self.template_name, {
            "form": form, "tasks": tasks, "source_year": source_year,
            "target_year": source_year + 1, "years": list(years), "chosen": chosen,
        }, status=status)

    def _year(self, value):
        try:
            year = int(value)
        except (TypeError, ValueError):
            return timezone.localdate().year - 1
        return year if 2000 <= year <= 2100 else timezone.localdate().year - 1

    def get(self, request):
        year = self._year(request.GET.get("year"))
        form = RequirementCopyForm(initial={"source_year": year})
        return self._render(request, year, form)

    def post(self, request):
        year = self._year(request.POST.get("source_year"))
        ids = LedgerRequirement.objects.visible_to(request.user).filter(
            year=year).values_list("pk", flat=True)
        form = RequirementCopyForm(request.POST, choices=[(pk, pk) for pk in ids])
        if not form.is_valid():
            return self._render(request, year, form, status=400)
        try:
            made = requirements.requirements_copy(
                by=request.user, requirement_ids=form.cleaned_data["requirements"],
                target_year=year + 1)
        except ValidationError as exc:
            _apply_errors(form, exc)
            return self._render(request, year, form, status=400)
        messages.success(request, f"已复制 {len(made)} 个台账任务到 {year + 1} 年，"
                                  "日期已顺延一年，请核对截止时间。")
        return redirect(reverse("ledgers:requirement-list") + f"?year={year + 1}")


class RequirementImportView(BaseImportView):
    kind = Job.Kind.LEDGERS_IMPORT


class RequirementImportTemplateView(ImportTemplateView):
    kind = Job.Kind.LEDGERS_IMPORT
    filename = "台账任务导入模板.xlsx"


class RequirementExportView(RoleRequiredMixin, View):
    """The filtered task list with progress figures as Excel."""

    def get(self, request):
        filterset = LedgerRequirementFilterSet(
            request.GET or None, request=request,
            queryset=LedgerRequirement.objects.visible_to(request.user))
        response = HttpResponse(requirements.requirements_export_file(
            filterset.qs.with_progress(), filters_text(filterset)), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(True, "台账任务.xlsx")
        return response


class SampleFileView(RoleRequiredMixin, View):
    """A task's sample file for everyone who sees the task (another region's → 404)."""

    def get(self, request, pk):
        req = get_object_or_404(LedgerRequirement.objects.visible_to(request.user), pk=pk)
        ext = req.sample.name.rsplit(".", 1)[-1] if req.sample else ""
        return serve_file(request, req.sample, download_name=f"{req.title}样例.{ext}",
                          as_attachment=ext not in ("jpg", "jpeg", "png", "webp"))
