"""The task API: parse the input, fetch the task through the selectors (a 404 for a task the
caller may not see), call the service, shape the output.

No view decides who may do what: the services check ``tasks.permissions`` and raise, and
``common.api.exceptions`` turns each refusal into its status code.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers as drf_serializers
from rest_framework import status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.auth import official_of
from agencies.services import api_token_create
from common.api.pagination import KeysetPagination
from common.api.parsers import BoundedJSONParser
from common.api.query import StrictQueryMixin
from common.api.responses import cached_json
from common.api.schema import CONFLICT, STALE
from common.api.throttles import FailOpenAnonRateThrottle, FailOpenUserRateThrottle
from tasks import services
from tasks.api import serializers as s
from tasks.api.base import etag, expected_version
from tasks.filtersets import (
    DIRECTIVE_ORDERINGS,
    TASK_ORDERINGS,
    BacklogFilterSet,
    ClarityFilterSet,
    DirectiveFilterSet,
    TaskFilterSet,
)
from tasks.models import Directive, ExtensionRequest, ProgressReport, Task
from tasks.permissions import visibility_key
from tasks.search import RANK
from tasks.selectors import (
    TASKS_GENERATION_KEY,
    allowed_actions,
    backlog_report,
    backlog_totals,
    clarity_report,
    extension_get_for_user,
    occurrences_of,
    task_get_for_user,
    task_list_for_user,
    with_timeliness,
)

AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description="The date timeliness is judged on (YYYY-MM-DD); default today in Hanoi.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description='The ETag of the task you edited, e.g. "3"; a stale one gets 412 and nothing changes.',
)


def task_rows(queryset: QuerySet[Task], as_of: dt.date) -> QuerySet[Any, dict[str, Any]]:
    """Everything a task's representation reads, as plain rows: the task's columns with
    timeliness and the related codes, in one query (``coordinating`` adds the rest); a search's
    rank too, which the next page's cursor holds."""
    extra = (RANK,) if RANK in queryset.query.annotations else ()
    return with_timeliness(queryset, as_of).values(*s.TASK_ROW_FIELDS, "timeliness", *extra)


def coordinating(rows: list[dict]) -> list[dict]:
    """Give each row the codes of its coordinating agencies: one query for the whole page."""
    codes: dict[int, list[str]] = defaultdict(list)
    links = (
        Task.coordinating_agencies.through.objects.filter(task_id__in=[row["id"] for row in rows])
        .order_by("agency__code")
        .values_list("task_id", "agency__code")
    )
    for task_id, code in links:
        codes[task_id].append(code)
    for row in rows:
        row["coordinating_agencies"] = codes.get(row["id"], [])
    return rows


def task_detail(user, task_id: int, as_of: dt.date | None = None) -> dict:
    """One task's row for output, through the caller's visible tasks (Task.DoesNotExist otherwise)."""
    row = task_rows(task_list_for_user(user), as_of or timezone.localdate()).get(pk=task_id)
    return coordinating([row])[0]


def task_response(user, task_id: int, *, code: int = status.HTTP_200_OK, as_of=None) -> Response:
    """One task with what the caller may do to it now, and its ETag."""
    row = task_detail(user, task_id, as_of)
    row["allowed_actions"] = allowed_actions(user, task_get_for_user(user=user, task_id=task_id))
    return Response(s.TaskDetailSerializer(row).data, status=code, headers={"ETag": etag(row["version"])})


def object_id(value) -> int:
    """The id in the path; anything that is not one is a (JSON) 404, like an id that does not exist."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise NotFound()
    return int(text)


class AsOfSerializer(drf_serializers.Serializer):
    as_of = drf_serializers.DateField(required=False)


def _as_of(request: Request) -> dt.date | None:
    query = AsOfSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("as_of")


def _input(serializer_class, request: Request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class TaskListMixin(StrictQueryMixin, GenericAPIView):
    """A filtered, keyset-paginated page of tasks: a fixed number of queries whatever the
    page size or depth (the filter checks, the page, its coordinating agencies)."""

    pagination_class = KeysetPagination
    filterset_class = TaskFilterSet
    filter_backends = [DjangoFilterBackend]

    #: The order when the query names none: by relevance when searching (``task_page``).
    default_ordering = "deadline"

    def get_keyset_orderings(self):
        return TASK_ORDERINGS, self.default_ordering

    def task_page(self, request: Request, base: QuerySet[Task], scope: str) -> HttpResponse:
        """One page of ``base`` as filtered by the query, kept for TASK_LIST_CACHE_SECONDS;
        ``scope`` names who may share it (callers who see the same tasks of ``base``)."""

        def page() -> dict:
            filterset = TaskFilterSet(data=request.query_params, queryset=base, request=request)
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
            self.default_ordering = filterset.ordering_name
            page = self.paginate_queryset(task_rows(filterset.qs, filterset.as_of_date))
            assert page is not None  # pagination_class is set: a page, never None
            rows = coordinating(page)
            return self.get_paginated_response([s.task_data(row) for row in rows]).data

        return cached_json(
            request,
            namespace="task-page",
            scope=scope,
            seconds=settings.TASK_LIST_CACHE_SECONDS,
            generation_key=TASKS_GENERATION_KEY,
            compute=page,
        )


def _task_actions_schema(request_serializer, summary: str, errors=(409, 412)):
    responses = {200: OpenApiResponse(s.TaskDetailSerializer, description=summary)}
    if 409 in errors:
        responses[409] = CONFLICT
    if 412 in errors:
        responses[412] = STALE
    return extend_schema(
        request=request_serializer,
        responses=responses,
        parameters=[IF_MATCH],
        summary=summary,
        tags=["tasks"],
    )


@extend_schema_view(
    list=extend_schema(summary="Tasks you may see, filtered and paged", tags=["tasks"]),
    create=extend_schema(
        summary="Create a task (a draft until it has its five clears); monitors only",
        request=s.TaskCreateSerializer,
        responses={201: s.TaskDetailSerializer},
        tags=["tasks"],
    ),
    retrieve=extend_schema(
        summary="One task, with its ETag and the actions you may take on it",
        parameters=[AS_OF],
        responses=s.TaskDetailSerializer,
        tags=["tasks"],
    ),
    partial_update=extend_schema(
        summary="Change a task's clears",
        request=s.TaskUpdateSerializer,
        responses={200: s.TaskDetailSerializer, 409: CONFLICT, 412: STALE},
        parameters=[IF_MATCH],
        tags=["tasks"],
    ),
)
class TaskViewSet(TaskListMixin, viewsets.GenericViewSet):
    """Tasks with their five clears: the list, one task, edits and the lifecycle actions.

    A focal point sees the tasks where its agency leads or coordinates; another agency's task
    is a 404. Writes carry the ETag (If-Match or ``version``) and a stale one gets 412.
    """

    queryset = Task.objects.none()
    serializer_class = s.TaskSerializer
    parser_classes = [BoundedJSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    extra_query_params = {"retrieve": ("as_of",), "occurrences": ("as_of",)}

    def is_paginated_action(self) -> bool:
        return (
            self.action in ("list", "progress_reports", "extension_requests", "occurrences")
            and self.request.method == "GET"
        )

    def filterset_for_action(self):
        return TaskFilterSet if self.action == "list" else None

    def get_keyset_orderings(self):
        if self.action == "progress_reports":
            return {"-reported_on": ("-reported_on", "-id")}, "-reported_on"
        if self.action == "extension_requests":
            return {"-id": ("-id",)}, "-id"
        if self.action == "occurrences":
            return {"-period_start": ("-period_start", "-id")}, "-period_start"
        return super().get_keyset_orderings()

    def _task(self, pk) -> Task:
        return task_get_for_user(user=official_of(self.request), task_id=object_id(pk))

    def list(self, request: Request) -> HttpResponse:
        return self.task_page(
            request, task_list_for_user(official_of(request)), visibility_key(official_of(request))
        )

    def retrieve(self, request: Request, pk=None) -> Response:
        return task_response(request.user, object_id(pk), as_of=_as_of(request))

    def create(self, request: Request) -> Response:
        data = _input(s.TaskCreateSerializer, request)
        task = services.task_create(
            actor=official_of(request),
            directive=data.pop("directive"),
            code=data.pop("code", None),
            coordinating_agencies=data.pop("coordinating_agencies", None),
            **data,
        )
        response = task_response(request.user, task.pk, code=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{task.pk}/")
        return response

    def partial_update(self, request: Request, pk=None) -> Response:
        task = self._task(pk)
        data = _input(s.TaskUpdateSerializer, request, partial=True)
        version = expected_version(request, data.pop("version", None), task.version)
        if not data:
            raise ValidationError({"non_field_errors": [_("Nothing to change: send at least one field.")]})
        services.task_update(actor=official_of(request), task=task, expected_version=version, **data)
        return task_response(request.user, task.pk)

    # --- lifecycle -------------------------------------------------------------------------

    def _act(self, request: Request, pk, serializer_class, service, **fixed) -> Response:
        task = self._task(pk)
        data = _input(serializer_class, request)
        version = expected_version(request, data.pop("version", None), task.version)
        service(actor=request.user, task=task, expected_version=version, **data, **fixed)
        return task_response(request.user, task.pk)

    @_task_actions_schema(s.VersionSerializer, "Assign a complete task to its lead agency (monitors)")
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk=None) -> Response:
        """A monitor sends a task with all five clears to its lead agency."""
        return self._act(request, pk, s.VersionSerializer, services.task_assign)

    @_task_actions_schema(s.VersionSerializer, "Start work on an assigned task (lead agency)")
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk=None) -> Response:
        """The lead agency acknowledges the task."""
        return self._act(request, pk, s.VersionSerializer, services.task_start)

    @_task_actions_schema(s.SubmitSerializer, "Report the task done, with its result (lead agency)")
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk=None) -> Response:
        """The lead agency reports the task done, with its result."""
        return self._act(request, pk, s.SubmitSerializer, services.task_submit)

    @_task_actions_schema(s.VersionSerializer, "Confirm a submitted result (monitors)")
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk=None) -> Response:
        """A monitor accepts the submitted result."""
        return self._act(request, pk, s.VersionSerializer, services.task_confirm)

    @_task_actions_schema(s.ReasonSerializer, "Return a submitted result, saying why (monitors)")
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk=None) -> Response:
        """A monitor sends the result back, with a reason."""
        return self._act(request, pk, s.ReasonSerializer, services.task_return)

    @_task_actions_schema(s.ReasonSerializer, "Cancel a task, saying why (monitors)")
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk=None) -> Response:
        """A monitor withdraws the task, with a reason."""
        return self._act(request, pk, s.ReasonSerializer, services.task_cancel)

    @_task_actions_schema(
        s.ReassignSerializer, "Make another official of the lead agency responsible (its leaders, monitors)"
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk=None) -> Response:
        """A leader of the lead agency moves responsibility to another of its officials."""
        return self._act(request, pk, s.ReassignSerializer, services.task_reassign)

    # --- progress reports and extension requests ----------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="Progress reports of a task, newest first",
        responses=s.ProgressReportSerializer(many=True),
        filters=False,
        tags=["progress"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Report progress (lead agency) or a contribution (coordinating agency), with evidence",
        request={
            "application/json": s.ProgressReportInputSerializer,
            "multipart/form-data": s.ProgressReportInputSerializer,
        },
        responses={201: s.ProgressReportSerializer, 409: CONFLICT, 412: STALE},
        parameters=[IF_MATCH],
        tags=["progress"],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="progress-reports",
        parser_classes=[BoundedJSONParser, MultiPartParser],
    )
    def progress_reports(self, request: Request, pk=None) -> Response:
        """Progress reports of a task; a new one moves the task's progress when the lead agency
        sends it, and is a contribution when a coordinating agency does."""
        task = self._task(pk)
        if request.method == "GET":
            reports = (
                ProgressReport.objects.filter(task_id=task.pk)
                .select_related("agency", "author")
                .prefetch_related("evidence__signatures")
            )
            page = self.paginate_queryset(reports)
            return self.get_paginated_response(s.ProgressReportSerializer(page, many=True).data)
        data = _input(s.ProgressReportInputSerializer, request)
        version = expected_version(request, data.pop("version", None), task.version)
        report = services.progress_report_submit(
            actor=official_of(request),
            task=task,
            expected_version=version,
            evidence=data.pop("evidence", ()),
            **data,
        )
        report = (
            ProgressReport.objects.select_related("agency", "author")
            .prefetch_related("evidence__signatures")
            .get(pk=report.pk)
        )
        current = Task.objects.values_list("version", flat=True).get(pk=task.pk)
        return Response(
            s.ProgressReportSerializer(report).data,
            status=status.HTTP_201_CREATED,
            headers={"ETag": etag(current)},
        )

    @extend_schema(
        summary="Occurrences of a standing task, newest first",
        responses=s.OccurrenceSerializer(many=True),
        parameters=[AS_OF],
        filters=False,
        tags=["progress"],
    )
    @action(detail=True, methods=["get"])
    def occurrences(self, request: Request, pk=None) -> Response:
        """The periods of a standing task, each with its due date, status, timeliness as of
        ``as_of`` and its reports (empty for a task with a deadline). Read-only: an occurrence
        moves by the reports filed on the task."""
        task = self._task(pk)
        rows = occurrences_of(task, _as_of(request))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.OccurrenceSerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Extension requests of a task, newest first",
        responses=s.ExtensionRequestSerializer(many=True),
        filters=False,
        tags=["extensions"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Ask to move the deadline (lead agency)",
        request=s.ExtensionRequestInputSerializer,
        responses={201: s.ExtensionRequestSerializer, 409: CONFLICT, 412: STALE},
        parameters=[IF_MATCH],
        tags=["extensions"],
    )
    @action(detail=True, methods=["get", "post"], url_path="extension-requests")
    def extension_requests(self, request: Request, pk=None) -> Response:
        """Requests to move a task's deadline; a monitor decides them."""
        task = self._task(pk)
        if request.method == "GET":
            requests = ExtensionRequest.objects.filter(task_id=task.pk).select_related(
                "requested_by", "decided_by"
            )
            page = self.paginate_queryset(requests)
            return self.get_paginated_response(s.ExtensionRequestSerializer(page, many=True).data)
        data = _input(s.ExtensionRequestInputSerializer, request)
        version = expected_version(request, data.pop("version", None), task.version)
        extension = services.extension_request_create(
            actor=official_of(request), task=task, expected_version=version, **data
        )
        extension = ExtensionRequest.objects.select_related("requested_by", "decided_by").get(pk=extension.pk)
        return Response(s.ExtensionRequestSerializer(extension).data, status=status.HTTP_201_CREATED)


class ExtensionRequestViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    queryset = ExtensionRequest.objects.none()
    serializer_class = s.ExtensionRequestSerializer
    parser_classes = [BoundedJSONParser]

    def _decide(self, request: Request, pk, approve: bool) -> Response:
        extension = extension_get_for_user(user=official_of(request), extension_id=object_id(pk))
        data = _input(s.DecisionSerializer, request)
        services.extension_request_decide(
            actor=official_of(request), extension=extension.pk, approve=approve, note=data.get("note", "")
        )
        extension = ExtensionRequest.objects.select_related("requested_by", "decided_by").get(pk=extension.pk)
        return Response(s.ExtensionRequestSerializer(extension).data)

    @extend_schema(
        summary="Approve: the deadline moves, the original is kept (monitors)",
        request=s.DecisionSerializer,
        responses={200: s.ExtensionRequestSerializer, 409: CONFLICT},
        tags=["extensions"],
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk=None) -> Response:
        return self._decide(request, pk, approve=True)

    @extend_schema(
        summary="Reject, saying why (monitors)",
        request=s.DecisionSerializer,
        responses={200: s.ExtensionRequestSerializer, 409: CONFLICT},
        tags=["extensions"],
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk=None) -> Response:
        return self._decide(request, pk, approve=False)


@extend_schema_view(
    list=extend_schema(summary="Directives, newest first", tags=["directives"]),
    retrieve=extend_schema(
        summary="One directive with its full text", responses=s.DirectiveDetailSerializer, tags=["directives"]
    ),
    create=extend_schema(
        summary="Enter a directive (monitors)",
        request=s.DirectiveInputSerializer,
        responses={201: s.DirectiveDetailSerializer},
        tags=["directives"],
    ),
)
class DirectiveViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    """Directives are public documents: everyone signed in reads them; monitors enter them."""

    queryset = Directive.objects.none()
    serializer_class = s.DirectiveSerializer
    pagination_class = KeysetPagination
    filterset_class = DirectiveFilterSet
    filter_backends = [DjangoFilterBackend]
    parser_classes = [BoundedJSONParser]

    def get_keyset_orderings(self):
        return DIRECTIVE_ORDERINGS, "-issued_on"

    def list(self, request: Request) -> Response:
        base = Directive.objects.select_related("issuing_agency").defer("full_text")
        filterset = DirectiveFilterSet(data=request.query_params, queryset=base, request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(s.DirectiveSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        directive = Directive.objects.select_related("issuing_agency").get(pk=object_id(pk))
        return Response(s.DirectiveDetailSerializer(directive).data)

    def create(self, request: Request) -> Response:
        data = _input(s.DirectiveInputSerializer, request)
        directive = services.directive_create(actor=official_of(request), **data)
        directive = Directive.objects.select_related("issuing_agency").get(pk=directive.pk)
        return Response(s.DirectiveDetailSerializer(directive).data, status=status.HTTP_201_CREATED)


class MyTasksView(TaskListMixin, GenericAPIView):
    """The caller's own tasks (responsible official or accountable leader), soonest first."""

    queryset = Task.objects.none()
    serializer_class = s.TaskSerializer

    def is_paginated_action(self) -> bool:
        return True

    @extend_schema(
        summary="Your own tasks, soonest deadline first",
        responses=s.TaskSerializer(many=True),
        filters=True,
        tags=["tasks"],
    )
    def get(self, request: Request) -> HttpResponse:
        user = official_of(request)
        mine = task_list_for_user(user).filter(Q(responsible_official=user) | Q(accountable_leader=user))
        return self.task_page(request, mine, f"mine:{user.pk}:{visibility_key(user)}")


class BacklogView(StrictQueryMixin, GenericAPIView):
    """The Government Office's backlog: four counts per lead agency as of a date, by one
    grouped query (``tasks.selectors.backlog_by_lead_agency``), with the task filters."""

    queryset = Task.objects.none()
    serializer_class = s.BacklogSerializer
    filterset_class = BacklogFilterSet
    filter_backends = [DjangoFilterBackend]

    def is_paginated_action(self) -> bool:
        return False

    def allowed_query_params(self) -> set[str]:
        return set(BacklogFilterSet.base_filters)

    @extend_schema(summary="Backlog per lead agency as of a date", filters=True, tags=["reports"])
    def get(self, request: Request) -> HttpResponse:
        """Kept whole for BACKLOG_CACHE_SECONDS per visibility and URL (``cached_json``); the
        counts underneath are cached too (``backlog_report``), for the web dashboard."""

        def report() -> dict:
            filterset = BacklogFilterSet(
                data=request.query_params, queryset=task_list_for_user(official_of(request)), request=request
            )
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
            as_of = filterset.as_of_date
            rows = backlog_report(filterset.qs, as_of, filterset.attribution)
            return {
                "as_of": as_of,
                "rows": [
                    {
                        "lead_agency": row["lead_agency__code"],
                        "name_vi": row["lead_agency__name_vi"],
                        "name_en": row["lead_agency__name_en"],
                        **{column: row[column] for column in s.BacklogCountsSerializer._declared_fields},
                    }
                    for row in rows
                ],
                "totals": backlog_totals(rows),
            }

        return cached_json(
            request,
            namespace="backlog-report",
            scope=visibility_key(request.user),
            seconds=settings.BACKLOG_CACHE_SECONDS,
            generation_key=TASKS_GENERATION_KEY,
            compute=report,
        )


class ClarityView(StrictQueryMixin, GenericAPIView):
    """The clarity index: how many tasks have all five clears, and which are missing, by
    directive and by lead agency, with the task filters but timeliness; the same counts as the
    ``/clarity/`` page (``tasks.selectors.clarity_report``)."""

    queryset = Task.objects.none()
    serializer_class = s.ClaritySerializer
    filterset_class = ClarityFilterSet
    filter_backends = [DjangoFilterBackend]

    def is_paginated_action(self) -> bool:
        return False

    def allowed_query_params(self) -> set[str]:
        return set(ClarityFilterSet.base_filters)

    @extend_schema(summary="Clarity index by directive and by lead agency", filters=True, tags=["reports"])
    def get(self, request: Request) -> HttpResponse:
        """Kept whole for BACKLOG_CACHE_SECONDS per visibility and URL, as the backlog is."""

        def report() -> dict:
            filterset = ClarityFilterSet(
                data=request.query_params, queryset=task_list_for_user(official_of(request)), request=request
            )
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
            as_of = filterset.as_of_date
            counts = clarity_report(filterset.qs, as_of=as_of, attribution=filterset.attribution)
            names = list(s.ClarityCountsSerializer._declared_fields)
            return {
                "as_of": as_of,
                "by_directive": [
                    {
                        "directive": row["directive_id"],
                        "number": row["directive__number"],
                        "title": row["directive__title"],
                        "issued_on": row["directive__issued_on"],
                        **{name: row[name] for name in names},
                    }
                    for row in counts["by_directive"]
                ],
                "by_agency": [
                    {
                        "lead_agency": row["lead_agency__code"],
                        "name_vi": row["lead_agency__name_vi"],
                        "name_en": row["lead_agency__name_en"],
                        **{name: row[name] for name in names},
                    }
                    for row in counts["by_agency"]
                ],
            }

        return cached_json(
            request,
            namespace="clarity-report",
            scope=visibility_key(request.user),
            seconds=settings.BACKLOG_CACHE_SECONDS,
            generation_key=TASKS_GENERATION_KEY,
            compute=report,
        )


class LockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = gettext_lazy("Too many failed attempts: the account is locked for a while.")
    default_code = "locked_out"


class TokenThrottle(FailOpenAnonRateThrottle):
    """Token requests count as anonymous ones, whoever the client claims to be."""


class ObtainTokenView(StrictQueryMixin, APIView):
    """Exchange a username and password for the token to send as ``Authorization: Token ...``.
    Repeated failures lock the account out (django-axes), as on the login page."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle, FailOpenUserRateThrottle]
    # JSON, or an HTML-form body as curl -d and most HTTP clients send it by default.
    parser_classes = [BoundedJSONParser, FormParser]

    def allowed_query_params(self) -> set[str]:
        return set()

    @extend_schema(
        summary="Get an API token",
        request=s.TokenRequestSerializer,
        responses={200: s.TokenSerializer},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        _input(s.TokenRequestSerializer, request)
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        if not credentials.is_valid():
            # django-axes refused even to check the password: say so, as the login page does,
            # rather than "wrong credentials" (found by tests/reliability/test_access.py).
            if getattr(request, "axes_locked_out", False):  # DRF's Request reads through to Django's
                raise LockedOut()
            raise ValidationError(credentials.errors)
        instance, token = api_token_create(official=credentials.validated_data["user"])
        return Response({"token": token, "expiry": instance.expiry})
