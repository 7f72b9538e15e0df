import logging

from django.contrib.auth import user_logged_in
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import AnonRateThrottle

from .filters import UnitFilterSet, UserFilterSet
from .lockout import lockout_response
from .models import Notification, Unit, User
from .scoping import ScopedViewSetMixin
from .serializers import NotificationSerializer, UnitSerializer, UserSerializer

logger = logging.getLogger(__name__)


class UnitViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                  viewsets.ReadOnlyModelViewSet):
    """Units in the caller's scope; office staff add and edit units of their region."""

    queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    search_fields = ["name", "name_initials"]
    ordering_fields = ["name", "path", "id"]


class UserViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """People in the caller's scope (read-only; accounts are managed by the office)."""

    queryset = User.objects.filter(is_active=True).select_related("unit").order_by("id")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    search_fields = ["username", "full_name"]
    ordering_fields = ["username", "id"]

    @action(detail=False, permission_classes=[IsAuthenticated])
    def me(self, request):
        return Response(self.get_serializer(request.user).data)


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own inbox; `read` marks one as read, `read-all` all of them."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = {"read_at": ["isnull"]}

    def get_queryset(self):
        return super().get_queryset().filter(recipient=self.request.user)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        note = self.get_object()
        if note.read_at is None:
            note.read_at = timezone.now()
            note.save(update_fields=["read_at"])
        return Response(self.get_serializer(note).data)

    @extend_schema(request=None, responses=inline_serializer(
        "NotificationsMarked", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        count = self.get_queryset().unread().update(read_at=timezone.now())
        return Response({"marked": count})


class TokenThrottle(AnonRateThrottle):
    """30 tries a minute per client address. When the cache (Redis) is down the endpoint
    still answers: the throttle lets the request through and logs a warning (django-axes,
    which keeps its counts in the database, still locks an account)."""

    scope = "token"

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - whatever the cache backend raises when it is down
            logger.warning("token throttle skipped: the cache is unreachable", exc_info=True)
            return True


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token"}; a wrong password answers 400."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TokenThrottle]

    def post(self, request, *args, **kwargs):
        serializer = self.serializer_class(data=request.data, context={"request": request})
        if not serializer.is_valid():
            # django-axes marks the request it authenticated (DRF's, not Django's): a locked
            # account is told so, not "wrong password".
            if getattr(request, "axes_locked_out", False):
                data = request.data if hasattr(request.data, "get") else {}
                return lockout_response(request._request,
                                        credentials={"username": str(data.get("username", ""))})
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": token.key})


router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("users", UserViewSet, basename="user")
router.register("notifications", NotificationViewSet, basename="notification")
