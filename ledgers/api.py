from django.db.models import Prefetch
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.models import Role
from accounts.scoping import ScopedViewSetMixin
from evidence.idempotency import api_run_once, mark_replayed

from . import services
from .filters import LedgerRequirementFilterSet, LedgerSubmissionFilterSet
from .models import LedgerRequirement, LedgerSubmission, ReportFingerprint
from .requirements import requirement_save
from .serializers import (
    LedgerRequirementSerializer,
    LedgerSubmissionSerializer,
    ReturnSerializer,
    SubmissionCreateSerializer,
    SubmissionUpdateSerializer,
)


class LedgerRequirementViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Ledger tasks per framework standard; office staff write, units read theirs."""

    queryset = LedgerRequirement.objects.select_related("standard", "lead_unit").prefetch_related(
        "contributing_units").with_progress()
    serializer_class = LedgerRequirementSerializer
    filterset_class = LedgerRequirementFilterSet
    ordering_fields = ["deadline", "year", "id"]

    def destroy(self, request, *args, **kwargs):
        """A task nobody has reported on yet may be deleted; once a unit has handed in
        material, the submissions are evidence and deleting the task would take them along."""
        requirement = self.get_object()
        if requirement.submissions.exists():
            return Response({"detail": "已有单位报送材料，不能删除此台账任务；如不再需要，请修改任务说明或截止时间。"},
                            status=status.HTTP_409_CONFLICT)
        return super().destroy(request, *args, **kwargs)

    def perform_create(self, serializer):
        self._save(serializer, LedgerRequirement())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def _save(self, serializer, requirement):
        """Through the same service as the office's page: the units must be in the caller's
        scope and the task belongs to the caller's region."""
        data = dict(serializer.validated_data)
        contributors = data.pop("contributing_units", None)
        if contributors is None:
            contributors = list(requirement.contributing_units.all()) if requirement.pk else []
        for field, value in data.items():
            setattr(requirement, field, value)
        serializer.instance = requirement_save(requirement=requirement,
                                    by=self.request.user, contributing_units=contributors)


class LedgerSubmissionViewSet(ScopedViewSetMixin, mixins.CreateModelMixin,
                              mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Units' material per task. Create (multipart: requirement + files) makes a draft;
    PATCH sets the report or adds files; sign → unit leader; approve/return → office."""

    queryset = LedgerSubmission.objects.select_related("unit").prefetch_related(
        "photos", "documents",
        Prefetch("fingerprint", queryset=ReportFingerprint.objects.defer("text", "signature")))
    serializer_class = LedgerSubmissionSerializer
    filterset_class = LedgerSubmissionFilterSet
    ordering_fields = ["updated", "created", "id"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    write_roles = {Role.LIAISON}
    action_roles = {
        "sign": {Role.UNIT_LEADER},
        "approve": {Role.OFFICE},
        "return_submission": {Role.OFFICE},
        "new_version": {Role.LIAISON},
    }

    def get_queryset(self):
        if self.action in ("list", "retrieve"):
            return super().get_queryset()
        # A write needs the row only to find it in scope (the service locks it again): its
        # files are read once, afresh, for the answer (_out).
        return super().get_queryset().prefetch_related(None)

    def _out(self, submission, code=status.HTTP_200_OK):
        fresh = super().get_queryset().get(pk=submission.pk)
        return Response(LedgerSubmissionSerializer(fresh, context={"request": self.request}).data,
                        status=code)

    def _out_once(self, action, write, code=status.HTTP_200_OK):
        """`write` once per `Idempotency-Key` / `client_uuid`: a repeat answers the
        submission the first request saved (header `Idempotent-Replayed: true`)."""
        submission, first = api_run_once(request=self.request, action=action, write=write,
                                         data=self.request.data)
        return mark_replayed(self._out(submission, code), first)

    def create(self, request, *args, **kwargs):
        def write():
            data = SubmissionCreateSerializer(data=request.data, context={"request": request})
            data.is_valid(raise_exception=True)
            v = data.validated_data
            photos, documents = v["files"]
            captions = {k: v[k] for k in services.CAPTION_FIELDS if k in v}
            return services.ledger_submission_create(
                requirement=v["requirement"], by=request.user, photos=photos,
                documents=documents, report=v.get("report"), captions=captions)

        return self._out_once("ledger_submission_create", write, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        """Set the report or add files (with the photos' caption fields)."""
        submission = self.get_object()

        def write():
            data = SubmissionUpdateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            v = data.validated_data
            photos, documents = v.get("files", ([], []))
            captions = {k: v[k] for k in services.CAPTION_FIELDS if k in v}
            return services.ledger_submission_update(
                submission=submission, by=request.user, report=v.get("report"),
                photos=photos, documents=documents, captions=captions or None)

        return self._out_once(f"ledger_submission_update:{submission.pk}", write)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self._out(services.ledger_submission_sign(submission=self.get_object(),
                               by=request.user))

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._out(services.ledger_submission_approve(
                               submission=self.get_object(), by=request.user,
                               comment=str(request.data.get("comment", ""))))

    @action(detail=True, methods=["post"], url_path="return")
    def return_submission(self, request, pk=None):
        submission = self.get_object()
        data = ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(services.ledger_submission_return(submission=submission,
                               by=request.user, comments=data.validated_data["comments"]))

    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        new = services.ledger_submission_new_version(submission=self.get_object(),
                    by=request.user)
        return self._out(new, status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("ledger-requirements", LedgerRequirementViewSet, basename="ledger-requirement")
router.register("ledger-submissions", LedgerSubmissionViewSet, basename="ledger-submission")
