"""Office pages for the reference data of rectification: issue categories (default deadline
and severity) and the working-day calendar (public holidays and 调休 working weekends)."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.confirm import confirmation_page
from accounts.forms import apply_errors
from accounts.scoping import ReferenceDataWriteMixin, RoleRequiredMixin
from accounts.undo import with_undo
from jobs.models import Job
from jobs.views import BaseImportView, ImportTemplateView

from . import deadlines, services
from .models import Holiday, IssueCategory


class CategoryForm(forms.ModelForm):
    class Meta:
        model = IssueCategory
        fields = ["name", "deadline_value", "deadline_unit", "severity", "suggested_unit",
                  "order", "is_active"]
        labels = {"deadline_value": "默认整改时限（数字）"}
        help_texts = {"deadline_unit": "按工作日计算时跳过周末和节假日，调休上班日照常计算；"
                                       "期限为最后一天的 23:59:59。"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suggested_unit"].queryset = services.visible_responsible_units(user)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control")
            field.widget.attrs.setdefault("class", css)


class HolidayForm(forms.Form):
    KIND_CHOICES = [("off", "放假"), ("work", "调休上班")]

    # A date input only takes ISO dates: the locale's "2026/01/01" would show an empty field.
    date = forms.DateField(label="日期", widget=forms.DateInput(
        attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"))
    name = forms.CharField(label="名称", max_length=50,
                           widget=forms.TextInput(attrs={"class": "form-control",
                                                         "placeholder": "如：国庆节"}))
    kind = forms.ChoiceField(label="类型", choices=KIND_CHOICES, initial="off",
                             widget=forms.Select(attrs={"class": "form-select"}))


class CategoryListView(RoleRequiredMixin, TemplateView):
    allowed_roles = services.SETTINGS_ROLES
    template_name = "issues/category_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["categories"] = IssueCategory.objects.select_related("suggested_unit")
        return ctx


class CategoryFormView(ReferenceDataWriteMixin, TemplateView):
    """New category, or edit one (`pk`)."""

    allowed_roles = services.SETTINGS_ROLES
    template_name = "issues/category_form.html"

    def _object(self):
        pk = self.kwargs.get("pk")
        return get_object_or_404(IssueCategory, pk=pk) if pk else IssueCategory()

    def get(self, request, pk=None):
        category = self._object()
        form = CategoryForm(instance=category, user=request.user)
        return self.render_to_response(self.get_context_data(form=form, object=category))

    def post(self, request, pk=None):
        category = self._object()
        form = CategoryForm(request.POST, instance=category, user=request.user)
        if form.is_valid():
            try:
                services.issue_category_save(category=form.instance, by=request.user)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"问题类别“{category.name}”已保存。")
                return redirect("issues:category-list")
        return self.render_to_response(self.get_context_data(form=form, object=category),
                                       status=400)


class HolidayView(ReferenceDataWriteMixin, TemplateView):
    """One year of the calendar: its holidays and 调休 working weekends, and (for the city
    office, who keeps the one calendar of the city) a form to add."""

    allowed_roles = services.SETTINGS_ROLES
    read_methods = ("GET", "HEAD")
    template_name = "issues/holidays.html"

    def _year(self):
        try:
            year = int(self.request.GET.get("year") or self.request.POST.get("year") or 0)
        except ValueError:
            year = 0
        return year if 2000 <= year <= 2100 else deadlines.local_date(timezone.now()).year

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        year = self._year()
        days = list(Holiday.objects.filter(date__year=year))
        ctx.update(year=year, years=[year - 1, year, year + 1],
                   groups=[("放假", [d for d in days if not d.is_workday]),
                           ("调休上班", [d for d in days if d.is_workday])])
        today = deadlines.local_date(timezone.now())
        ctx.setdefault("form", HolidayForm(
            initial={"date": today if year == today.year else dt.date(year, 1, 1)}))
        return ctx

    def post(self, request):
        form = HolidayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.holiday_save(day=data["date"], name=data["name"],
                                      is_workday=data["kind"] == "work", by=request.user)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                day, kind = f"{data['date']:%Y-%m-%d}", dict(HolidayForm.KIND_CHOICES)[data["kind"]]
                text = f"{day} 已设为{kind}。"
                if request.POST.get("undo"):
                    text = f"已撤销删除：{day} {data['name']}（{kind}）已恢复。"
                messages.success(request, text)
                return redirect(reverse("issues:holidays") + f"?year={data['date'].year}")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class HolidayDeleteView(ReferenceDataWriteMixin, View):
    allowed_roles = services.SETTINGS_ROLES

    def post(self, request, pk):
        holiday = get_object_or_404(Holiday, pk=pk)
        back = reverse("issues:holidays") + f"?year={holiday.date.year}"
        page = confirmation_page(
            request, title="确认删除节假日", what=f"删除：{holiday}",
            consequence="删除后这一天按平常的工作日或周末计算整改期限；需要时可重新添加。",
            button="确认删除", back=back, danger=True)
        if page is not None:
            return page
        services.holiday_delete(holiday=holiday, by=request.user)
        # 撤销 adds the same day back through the calendar's own form.
        messages.success(request, with_undo(
            request, f"已删除：{holiday.date:%Y-%m-%d} {holiday.name}。",
            action=reverse("issues:holidays"), window=False,
            fields={"date": f"{holiday.date:%Y-%m-%d}", "name": holiday.name,
                    "kind": "work" if holiday.is_workday else "off", "undo": "1"}))
        return redirect(back)


class HolidayImportView(BaseImportView):
    kind = Job.Kind.HOLIDAYS_IMPORT


class HolidayImportTemplateView(ImportTemplateView):
    kind = Job.Kind.HOLIDAYS_IMPORT
    filename = "节假日导入模板.xlsx"
