"""Scope in one place: every API viewset and HTML view that shows campaign data goes through
these classes, which apply the model queryset's `visible_to(user)` and the role rules.

Objects outside the user's scope answer 404 (they do not exist for that user); a visible
object and an action the role may not take answer 403.
"""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.views.generic import DetailView, ListView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import Role


class Pagination(PageNumberPagination):
    """{"count", "next", "previous", "results"}; ?page_size= up to 200."""

    page_size_query_param = "page_size"
    max_page_size = 200


def may_write(user, roles):
    """Whether `user` acts in one of `roles` (superusers may do everything)."""
    if not user.is_authenticated or user.scope_path is None:
        return False
    return user.is_superuser or user.role in roles


class RolePermission(BasePermission):
    """Reads for anyone with a scope; writes for the view's `write_roles` (office by default),
    per action overridable with `action_roles = {"submit": {Role.LIAISON, ...}}`.

    For detail routes the role is checked only after the object was found in scope, so an
    object of another unit answers 404 whatever the action.
    """

    message = "您的角色无权执行此操作。"

    def _roles(self, view):
        action_roles = getattr(view, "action_roles", {})
        if getattr(view, "action", None) in action_roles:
            return action_roles[view.action]
        return getattr(view, "write_roles", {Role.OFFICE})

    def _allowed(self, request, view):
        if request.method in SAFE_METHODS and getattr(view, "action", None) not in getattr(
            view, "action_roles", {}
        ):
            return True
        return may_write(request.user, self._roles(view))

    def has_permission(self, request, view):
        user = request.user
        if not user.is_authenticated:
            return False
        if user.scope_path is None:
            return False
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if lookup in getattr(view, "kwargs", {}):
            return True  # decided in has_object_permission, after the scoped lookup
        return self._allowed(request, view)

    def has_object_permission(self, request, view, obj):
        return self._allowed(request, view)


REFERENCE_DATA_DENIED = "问题类别、点位类别和节假日是全市共用的基础数据，只有市创城办可以修改。"


def require_city_office(user, message=REFERENCE_DATA_DENIED):
    """Services that change city-wide reference data call this first."""
    if not user.is_authenticated or not user.is_city_office:
        raise PermissionDenied(message)


class ReferenceDataPermission(RolePermission):
    """City-wide reference data: read by everyone with a scope, changed by the city office."""

    message = REFERENCE_DATA_DENIED

    def _allowed(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return request.user.is_city_office


class ScopedViewSetMixin:
    """The queryset of every scoped viewset is the model's `visible_to(request.user)`."""

    permission_classes = [RolePermission]
    write_roles = {Role.OFFICE}

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class RoleRequiredMixin(AccessMixin):
    """HTML views: only `allowed_roles` may open the page (403 otherwise)."""

    allowed_roles = None  # None: every role with a scope

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return self.handle_no_permission()
        if user.scope_path is None:
            raise PermissionDenied("您的账号尚未分配单位或角色，请联系创城办。")
        if self.allowed_roles is not None and not may_write(user, self.allowed_roles):
            raise PermissionDenied("您的角色无权访问此页面。")
        return super().dispatch(request, *args, **kwargs)


class ReferenceDataWriteMixin(RoleRequiredMixin):
    """HTML pages that change city-wide reference data: only the city office (403 for the
    offices of the districts), except the `read_methods` the page also answers."""

    read_methods = ()

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if (user.is_authenticated and user.scope_path is not None
                and request.method not in self.read_methods and not user.is_city_office):
            raise PermissionDenied(REFERENCE_DATA_DENIED)
        return super().dispatch(request, *args, **kwargs)


class ScopedQuerysetMixin(RoleRequiredMixin):
    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ScopedListView(ScopedQuerysetMixin, ListView):
    """A list page of scoped records, filtered by the same FilterSet as the API."""

    filterset_class = None
    paginate_by = 50

    def get_queryset(self):
        qs = super().get_queryset()
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.request.GET or None, queryset=qs, request=self.request
            )
            qs = self.filterset.qs
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["filterset"] = getattr(self, "filterset", None)
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["querystring"] = query.urlencode()
        return ctx


class ScopedDetailView(ScopedQuerysetMixin, DetailView):
    """A detail page: another unit's object answers 404."""
