from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.models import Role
from accounts.scoping import ReferenceDataPermission, ScopedViewSetMixin
from evidence.idempotency import api_run_once, mark_replayed
from jobs.api import start_import_response
from jobs.excel import SITE_PARAM, request_site
from jobs.models import Job
from jobs.serializers import JobSerializer
from jobs.services import job_start

from . import services
from .duplicates import possible_duplicates
from .exports import clean_export_params
from .filters import IssueFilterSet
from .models import WORKFLOW, WRITE_ROLES, Issue, IssueCategory, IssueEvent
from .pagination import LateRowPagination
from .rows import ROW_VALUES, api_rows, issue_detail
from .serializers import (
    AssignSerializer,
    BulkAssignSerializer,
    CategorySuggestionSerializer,
    CommentSerializer,
    ExtensionGrantSerializer,
    ExtensionRequestSerializer,
    IssueCategorySerializer,
    IssueDetailSerializer,
    IssueFileSerializer,
    IssueSerializer,
    OptionalReasonSerializer,
    ReasonSerializer,
    ReassignSerializer,
    ReopenSerializer,
    SubmitSerializer,
    SuggestQuerySerializer,
)
from .suggest import suggest_categories

ALL_WRITERS = WRITE_ROLES


class IssueCategoryViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Kinds of defect with their default deadline and severity, shared by the whole city;
    the city office edits them (through `issue_category_save`, as the office pages do)."""

    queryset = IssueCategory.objects.all()
    serializer_class = IssueCategorySerializer
    permission_classes = [ReferenceDataPermission]
    ordering_fields = ["order", "name", "id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):
        self._save(serializer, IssueCategory())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def _save(self, serializer, category):
        for name, value in serializer.validated_data.items():
            setattr(category, name, value)
        serializer.instance = services.issue_category_save(category=category,
                                           by=self.request.user)

    @extend_schema(parameters=[SuggestQuerySerializer], responses=inline_serializer(
        "CategorySuggestions", {"results": CategorySuggestionSerializer(many=True)}))
    @action(detail=False, methods=["get"], pagination_class=None)
    def suggest(self, request):
        """The three likeliest categories of a finding's description (`?text=`), best first,
        from the model trained on the city's closed issues; `[]` while the city has too
        little history. Every role that sees categories may ask."""
        query = SuggestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        unit = request.user.unit
        found = suggest_categories(query.validated_data["text"], unit) if unit else []
        return Response({"results": CategorySuggestionSerializer(found, many=True).data})


class IssueViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Rectification issues in the caller's scope, with the workflow as actions."""

    queryset = Issue.objects.all()
    serializer_class = IssueSerializer
    filterset_class = IssueFilterSet
    pagination_class = LateRowPagination
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    ordering_fields = ["created", "deadline", "status", "id"]
    write_roles = ALL_WRITERS
    # The workflow's actions take the roles of its transitions table.
    action_roles = {t.name: t.roles for t in WORKFLOW} | {
        "create": services.FILE_ROLES,
        "bulk_assign": WORKFLOW["assign"].roles,
        "import_issues": services.FILE_ROLES,
        "export": set(Role),  # anyone may export what they can see
    }

    def get_queryset(self):
        qs = self.scoped().for_list(timezone.now())
        if self.action == "retrieve":
            qs = qs.with_pending_extension().prefetch_related(
                "photos",
                Prefetch("events", queryset=IssueEvent.objects.select_related("actor")),
            )
        return qs

    def filter_queryset(self, queryset):
        # One issue by its id: the list's filters and ordering choose nothing there (the
        # schema offers them on the list only) and building them cost a tenth of the answer.
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    def scoped(self):
        """The caller's issues, read once a request (the scope's region ids are a query)."""
        if getattr(self, "_scoped", None) is None:
            self._scoped = super().get_queryset()
        return self._scoped

    def get_serializer_class(self):
        return IssueDetailSerializer if self.action == "retrieve" else IssueSerializer

    def retrieve(self, request, *args, **kwargs):
        # What IssueDetailSerializer writes, from the instances without a serializer field
        # per cell (issues/rows.py); the look-alikes among the issues already scoped.
        issue = self.get_object()
        duplicates = possible_duplicates(issue, request.user, visible=self.scoped())
        return Response(issue_detail(issue, user=request.user, duplicates=duplicates))

    def list(self, request, *args, **kwargs):
        # The page's rows as plain values written by one function: what IssueSerializer
        # writes, without a model instance and a serializer field per cell (issues/rows.py).
        rows = self.filter_queryset(self.get_queryset()).values(*ROW_VALUES)
        return self.get_paginated_response(api_rows(self.paginate_queryset(rows)))

    def _answer(self, result, code=status.HTTP_200_OK):
        if isinstance(result, Response):
            return result
        issue = self.get_queryset().filter(pk=result.pk).first()
        if issue is None:  # a replayed draft whose issue has since left the caller's scope
            raise NotFound
        return Response(IssueDetailSerializer(issue, context=self.get_serializer_context()).data
                        if self.action == "create" else IssueSerializer(issue).data, status=code)

    def _input(self, serializer_class):
        ser = serializer_class(data=self.request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        return ser.validated_data

    def _answer_once(self, action, write, code=status.HTTP_200_OK):
        """Runs `write` once per `Idempotency-Key` / `client_uuid` of the caller; a repeat
        answers the first request's object with the header `Idempotent-Replayed: true`."""
        obj, first = api_run_once(request=self.request, action=action, write=write,
                                  data=self.request.data)
        return mark_replayed(self._answer(obj, code), first)

    @extend_schema(request=IssueFileSerializer, responses=IssueDetailSerializer)
    def create(self, request, *args, **kwargs):
        """File an issue (multipart: point, category, description, source, photos 1–9).
        Send the draft's UUID as `Idempotency-Key` (or `client_uuid`): a repeat answers the
        issue the first request filed."""
        def write():
            data = self._input(IssueFileSerializer)
            return services.issue_file(
                by=request.user, point=data.get("point"), category=data["category"],
                description=data["description"], source=data.get("source"),
                latitude=data.get("latitude"), longitude=data.get("longitude"),
                address=data.get("address", ""), photos=data["photos"])

        return self._answer_once("issue_file", write, status.HTTP_201_CREATED)

    @extend_schema(request=AssignSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        issue = self.get_object()
        data = self._input(AssignSerializer)
        return self._answer(services.issue_assign(
            issue=issue, by=request.user,
            responsible_unit=data["responsible_unit"], deadline=data.get("deadline")))

    @extend_schema(request=BulkAssignSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-assign")
    def bulk_assign(self, request):
        data = self._input(BulkAssignSerializer)
        issues = list(self.get_queryset().filter(pk__in=data["ids"]))
        if len(issues) != len(set(data["ids"])):
            raise ValidationError({"ids": "部分问题不存在或不在您的管辖范围内。"})
        result = services.issue_bulk_assign(issues=issues, by=request.user,
                                            responsible_unit=data["responsible_unit"],
                                            deadline=data.get("deadline"))
        return Response({"assigned": len(result)})

    @extend_schema(request=SubmitSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Rectified: after-photos and a note. With `Idempotency-Key` / `client_uuid` a
        repeat answers the issue as it is, not 409."""
        issue = self.get_object()

        def write():
            data = self._input(SubmitSerializer)
            return services.issue_submit(issue=issue, by=request.user, photos=data["photos"],
                                         note=data["note"])

        return self._answer_once(f"issue_submit:{issue.pk}", write)

    @extend_schema(request=OptionalReasonSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        issue = self.get_object()
        data = self._input(OptionalReasonSerializer)
        return self._answer(services.issue_approve(issue=issue, by=request.user,
                                         reason=data["reason"]))

    @extend_schema(request=ReasonSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        issue = self.get_object()
        data = self._input(ReasonSerializer)
        return self._answer(services.issue_reject(issue=issue, by=request.user,
                                         reason=data["reason"]))

    @extend_schema(request=ReasonSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        issue = self.get_object()
        data = self._input(ReasonSerializer)
        return self._answer(services.issue_dispute(issue=issue, by=request.user,
                                         reason=data["reason"]))

    @extend_schema(request=ReassignSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        issue = self.get_object()
        data = self._input(ReassignSerializer)
        return self._answer(services.issue_reassign(
            issue=issue, by=request.user,
            responsible_unit=data["responsible_unit"], deadline=data.get("deadline"),
            reason=data["reason"]))

    @extend_schema(request=ReopenSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        issue = self.get_object()
        data = self._input(ReopenSerializer)
        return self._answer(services.issue_reopen(issue=issue, by=request.user,
                                         reason=data["reason"], deadline=data.get("deadline")))

    @extend_schema(request=ExtensionRequestSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request, pk=None):
        issue = self.get_object()
        data = self._input(ExtensionRequestSerializer)
        services.extension_request(issue=issue, by=request.user, reason=data["reason"],
                                   deadline=data["deadline"])
        return self._answer(issue)

    @extend_schema(request=ExtensionGrantSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"], url_path="grant-extension")
    def grant_extension(self, request, pk=None):
        issue = self.get_object()
        data = self._input(ExtensionGrantSerializer)
        return self._answer(services.extension_grant(issue=issue, by=request.user,
                                         deadline=data.get("deadline"), note=data["note"]))

    @extend_schema(request=ReasonSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"], url_path="refuse-extension")
    def refuse_extension(self, request, pk=None):
        issue = self.get_object()
        data = self._input(ReasonSerializer)
        return self._answer(services.extension_refuse(issue=issue, by=request.user,
                                         reason=data["reason"]))

    @extend_schema(request=CommentSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        issue = self.get_object()
        data = self._input(CommentSerializer)
        services.issue_comment(issue=issue, by=request.user, text=data["text"])
        return self._answer(issue)

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses={202: JobSerializer})
    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[MultiPartParser, FormParser])
    def import_issues(self, request):
        """Findings from a workbook (点位, 问题类别, 问题描述, 来源, 发现时间): 202 with an import
        job (poll `/api/v1/jobs/{id}/`; all or nothing, every bad row reported there), or 400
        at once for a file that is not a workbook with the template's headers."""
        return start_import_response(request, Job.Kind.ISSUES_IMPORT)

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=False, methods=["post"])
    def export(self, request):
        """Starts an Excel export job of whatever the query's filters show, in the caller's
        scope: 202 with the job; its `download_url` appears when it is done."""
        params = {k: v for k, v in request.query_params.lists() if k != "page"}
        params[SITE_PARAM] = request_site(request)  # photo links point back here
        params = clean_export_params(params)
        job = job_start(kind=Job.Kind.ISSUES_EXPORT, by=request.user, params=params)
        return Response(JobSerializer(job).data, status=202)


router = SimpleRouter()
router.register("issue-categories", IssueCategoryViewSet, basename="issue-category")
router.register("issues", IssueViewSet, basename="issue")
