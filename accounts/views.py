from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView, View

from .filters import UnitFilterSet
from .forms import DeliveryForm
from .home import panels_for
from .models import Notification, Role, Unit, User
from .scoping import RoleRequiredMixin, ScopedDetailView, ScopedListView
from .services import user_delivery_save


class HomeView(RoleRequiredMixin, TemplateView):
    """Each person's 工作台: what needs doing now, by role."""

    template_name = "accounts/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["role"] = user.role
        ctx["Role"] = Role
        ctx["scope_units"] = Unit.objects.visible_to(user).count()
        ctx["recent_notifications"] = user.notifications.all()[:5]
        ctx["home_panels"] = panels_for(user)
        return ctx


class UnitListView(ScopedListView):
    model = Unit
    filterset_class = UnitFilterSet
    template_name = "accounts/unit_list.html"
    allowed_roles = {Role.OFFICE, Role.LEADER, Role.INSPECTOR}

    def get_queryset(self):
        return super().get_queryset().select_related("parent")


class UnitDetailView(ScopedDetailView):
    model = Unit
    template_name = "accounts/unit_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        unit = self.object
        ctx["children"] = Unit.objects.visible_to(self.request.user).filter(parent=unit)
        ctx["members"] = unit.users.filter(is_active=True).order_by("role", "username")
        return ctx


class NotificationListView(RoleRequiredMixin, TemplateView):
    template_name = "accounts/notification_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["notifications"] = self.request.user.notifications.all()[:100]
        return ctx


@require_POST
def notification_open(request, pk):
    """Mark one message read and follow its link."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return redirect(note.url or "accounts:notifications")


@require_POST
def notification_read_all(request):
    request.user.notifications.unread().update(read_at=timezone.now())
    return redirect("accounts:notifications")


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_broker():
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_storage():
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("healthz/probe.txt", ContentFile(b"ok"))
    default_storage.delete(name)


class StaticManifestMissing(Exception):
    """The production static storage has no manifest: every page would answer 500."""


def _check_static():
    """With the manifest storage (production), the manifest collectstatic writes must be there
    and list the files, or every page that names a static file fails."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.files.storage import storages

    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return
    if not storage.exists(storage.manifest_name) or not storage.load_manifest():
        raise StaticManifestMissing("静态文件清单缺失，请先运行 collectstatic")


@login_not_required
@never_cache
def healthz(request):
    """200 with each dependency's status, 503 when one is down (for the load balancer)."""
    checks = {"database": _check_database, "broker": _check_broker, "storage": _check_storage,
              "static": _check_static}
    body = {}
    for name, check in checks.items():
        try:
            check()
            body[name] = "ok"
        except StaticManifestMissing as exc:
            body[name] = f"error: {exc}"
        except Exception as exc:  # noqa: BLE001 - any failure means "down" here
            body[name] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in body.values())
    body["status"] = "ok" if healthy else "error"
    return JsonResponse(body, status=200 if healthy else 503)


class LockoutListView(RoleRequiredMixin, TemplateView):
    """Accounts of the office's region locked after repeated wrong passwords, to unlock."""

    template_name = "accounts/lockout_list.html"
    allowed_roles = {Role.OFFICE}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        usernames = User.objects.visible_to(self.request.user).values("username")
        ctx["attempts"] = AccessAttempt.objects.filter(
            username__in=usernames, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        ).order_by("-attempt_time")
        return ctx


class LockoutResetView(RoleRequiredMixin, View):
    allowed_roles = {Role.OFFICE}

    def post(self, request, username):
        user = get_object_or_404(User.objects.visible_to(request.user), username=username)
        axes_reset(username=user.username)
        messages.success(request, f"已解锁账号 {user.username}（{user.display_name}）。")
        return redirect("accounts:lockouts")


class DeliveryPreferenceView(RoleRequiredMixin, TemplateView):
    """推送设置: each person chooses where each kind of message reaches them."""

    template_name = "accounts/delivery_settings.html"

    def get(self, request):
        form = DeliveryForm(initial=DeliveryForm.initial_for(request.user))
        return self.render_to_response(self._context(form))

    def _context(self, form):
        unit = self.request.user.unit
        return {"form": form, "robot_ready": bool(unit and unit.webhook_url),
                "sms_ready": bool(settings.SMS_GATEWAY_URL),
                "recent": self.request.user.deliveries.select_related(None)[:10]}

    def post(self, request):
        form = DeliveryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            user_delivery_save(user=request.user, delivery=form.delivery(),
                               digest=data["digest"], phone=data["phone"], email=data["email"])
            messages.success(request, "推送设置已保存。")
            return redirect("accounts:delivery-settings")
        return self.render_to_response(self._context(form), status=400)
