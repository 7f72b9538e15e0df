"""Pages the office runs people with: accounts (add, edit, disable, hand over, reset a
password, who has not logged in) and the delivery log. All scoped to the office's region:
another district's person answers 404, another role 403."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from points.models import Point

from . import services
from .confirm import confirmation_page
from .filters import AccountFilterSet, DeliveryFilterSet
from .forms import AccountForm, HandoverForm, apply_errors
from .models import Delivery, Role, User
from .scoping import RoleRequiredMixin, ScopedListView

OFFICE = {Role.OFFICE}


class AccountListView(ScopedListView):
    """账号管理: the people of the office's region, 50 a page."""

    model = User
    filterset_class = AccountFilterSet
    template_name = "accounts/account_list.html"
    allowed_roles = OFFICE

    def get_queryset(self):
        # Query budget: the count, the page (with the unit joined), the filter's units.
        return super().get_queryset().select_related("unit").order_by(
            "unit__path", "role", "username")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = timezone.now()
        ctx["stale_count"] = User.objects.visible_to(self.request.user).stale(
            days=services.INACTIVE_DAYS, now=now).count()
        ctx["stale_cutoff"] = now - timezone.timedelta(days=services.INACTIVE_DAYS)
        return ctx


def _password_page(request, account, password, created):
    return render(request, "accounts/account_password.html",
                  {"account": account, "password": password, "created": created})


class AccountCreateView(RoleRequiredMixin, TemplateView):
    template_name = "accounts/account_form.html"
    allowed_roles = OFFICE

    def get(self, request):
        form = AccountForm(user=request.user, initial={"unit": request.GET.get("unit")})
        return self.render_to_response({"form": form})

    def post(self, request):
        form = AccountForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            if User.objects.filter(username=data["username"].strip()).exists():
                form.add_error("username", "该登录账号已被使用，请换一个。")
            else:
                try:
                    account, password = services.account_create(by=request.user, **data)
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    return _password_page(request, account, password, created=True)
        return self.render_to_response({"form": form}, status=400)


def _account(request, pk):
    return get_object_or_404(User.objects.visible_to(request.user).select_related("unit"),
                             pk=pk)


class AccountDetailView(RoleRequiredMixin, TemplateView):
    """One person: edit, and the actions (reset password, disable/enable, hand over)."""

    template_name = "accounts/account_detail.html"
    allowed_roles = OFFICE

    def _context(self, account, form=None, handover=None):
        return {
            "account": account,
            "form": form or AccountForm(user=self.request.user, editing=True, initial={
                "full_name": account.full_name, "unit": account.unit_id,
                "role": account.role, "phone": account.phone, "email": account.email}),
            "handover": handover or HandoverForm(account=account),
            "chief_points": Point.objects.filter(chief=account).count(),
        }

    def get(self, request, pk):
        return self.render_to_response(self._context(_account(request, pk)))

    def post(self, request, pk):
        account = _account(request, pk)
        form = AccountForm(request.POST, user=request.user, editing=True)
        if form.is_valid():
            try:
                services.account_update(by=request.user, user=account, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已保存 {account.display_name} 的账号信息。")
                return redirect("accounts:account-detail", pk=account.pk)
        return self.render_to_response(self._context(account, form=form), status=400)


class AccountPasswordView(RoleRequiredMixin, View):
    allowed_roles = OFFICE

    def post(self, request, pk):
        account = _account(request, pk)
        page = confirmation_page(
            request, title="确认重置密码", what=f"重置密码：{account.display_name}（{account.username}）",
            consequence="原密码立即失效；新密码只显示一次，请当面或电话告知本人。",
            button="确认重置密码", back=reverse("accounts:account-detail", args=[account.pk]),
            danger=True)
        if page is not None:
            return page
        password = services.account_reset_password(by=request.user, user=account)
        return _password_page(request, account, password, created=False)


class AccountActiveView(RoleRequiredMixin, View):
    allowed_roles = OFFICE

    def post(self, request, pk):
        account = _account(request, pk)
        if request.POST.get("active") not in ("0", "1"):
            messages.error(request, "请求无效：请在账号页面点击“停用账号”或“启用账号”。")
            return redirect("accounts:account-detail", pk=account.pk)
        active = request.POST["active"] == "1"
        page = None if active or account == request.user else confirmation_page(
            request, title="确认停用账号", what=f"停用账号：{account.display_name}（{account.username}）",
            consequence="停用后本人不能登录，经办记录保留；需要时可在账号页重新启用。",
            button="确认停用账号", back=reverse("accounts:account-detail", args=[account.pk]),
            danger=True)
        if page is not None:
            return page
        try:
            services.account_set_active(by=request.user, user=account, active=active)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("accounts:account-detail", pk=account.pk)
        if active:
            messages.success(request, f"已启用 {account.display_name} 的账号，可以重新登录。")
        else:
            messages.success(request, f"已停用 {account.display_name} 的账号，本人不能再登录；"
                                      "其经办记录保留。需要时可在此重新启用。")
        return redirect("accounts:account-detail", pk=account.pk)


class AccountHandoverView(AccountDetailView):
    http_method_names = ["post"]

    def post(self, request, pk):
        account = _account(request, pk)
        handover = HandoverForm(request.POST, account=account)
        if handover.is_valid():
            successor = handover.cleaned_data["successor"]
            page = confirmation_page(
                request, title="确认交接工作",
                what=f"交接：{account.display_name} → {successor.display_name}",
                consequence="角色和担任点位长的点位移交给接任人，原账号随即停用。",
                button="确认交接", back=reverse("accounts:account-detail", args=[account.pk]),
                danger=True)
            if page is not None:
                return page
            try:
                moved = services.account_handover(by=request.user, user=account,
                                                  successor=successor)
            except ValidationError as exc:
                apply_errors(handover, exc)
            else:
                messages.success(request, f"{account.display_name} 的工作已交接给 "
                                          f"{successor.display_name}（移交点位 {moved} 个），"
                                          "原账号已停用。")
                return redirect("accounts:account-detail", pk=successor.pk)
        return self.render_to_response(self._context(account, handover=handover), status=400)


class DeliveryListView(ScopedListView):
    """推送记录: every e-mail, robot @mention and SMS to the region's people, newest first."""

    model = Delivery
    filterset_class = DeliveryFilterSet
    template_name = "accounts/delivery_list.html"
    allowed_roles = OFFICE

    def get_queryset(self):
        # Query budget: the count and the page with the person and unit joined.
        return super().get_queryset().select_related("recipient__unit")
