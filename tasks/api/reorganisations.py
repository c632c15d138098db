"""Reorganisations over the API: everyone signed in reads the events; monitors preview what
one moves and apply it by hand (``POST /api/v1/reorganisations/{id}/apply/``). The services in
``tasks.reorganisation`` check who may and do the work; these views parse and shape."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.auth import official_of
from agencies.choices import ReorganisationKind, ReorganisationStatus
from agencies.models import Agency, Official, ReorganisationEvent
from common.api.parsers import BoundedJSONParser
from common.api.query import StrictQueryMixin
from tasks.api.views import object_id
from tasks.models import Task
from tasks.reorganisation import ReorganisationPlan, reorganisation_apply, reorganisation_preview


class ReorganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReorganisationKind.choices)
    effective_on = serializers.DateField()
    predecessors = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Agency codes.")
    )
    successors = serializers.ListField(child=serializers.CharField(), help_text=gettext_lazy("Agency codes."))
    document_number = serializers.CharField()
    document_date = serializers.DateField(allow_null=True)
    document_title = serializers.CharField()
    document_link = serializers.CharField()
    status = serializers.ChoiceField(choices=ReorganisationStatus.choices)
    applied_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, event: ReorganisationEvent) -> dict:
        return {
            "id": event.pk,
            "kind": event.kind,
            "effective_on": event.effective_on.isoformat(),
            "predecessors": sorted(a.code for a in event.predecessors.all()),
            "successors": sorted(a.code for a in event.successors.all()),
            "document_number": event.document_number,
            "document_date": event.document_date.isoformat() if event.document_date else None,
            "document_title": event.document_title,
            "document_link": event.document_link,
            "status": event.status,
            "applied_at": event.applied_at.isoformat() if event.applied_at else None,
        }


class TaskMoveSerializer(serializers.Serializer):
    task = serializers.CharField(help_text=gettext_lazy("Task code."))
    title = serializers.CharField()
    from_agency = serializers.CharField()
    to_agency = serializers.CharField(allow_null=True, help_text=gettext_lazy("Null: not chosen yet."))


class OfficialMoveSerializer(serializers.Serializer):
    username = serializers.CharField()
    from_agency = serializers.CharField()
    to_agency = serializers.CharField(allow_null=True, help_text=gettext_lazy("Null: stays where it is."))
    calendar_feed = serializers.BooleanField()


class PlanSerializer(serializers.Serializer):
    event = ReorganisationSerializer()
    applied = serializers.BooleanField(help_text=gettext_lazy("True when this request applied it."))
    ready = serializers.BooleanField(help_text=gettext_lazy("False while a problem stops the apply."))
    problems = serializers.ListField(child=serializers.CharField())
    lead_tasks = TaskMoveSerializer(many=True)
    coordinating_tasks = TaskMoveSerializer(many=True)
    officials = OfficialMoveSerializer(many=True)
    closed_tasks = serializers.IntegerField(help_text=gettext_lazy("They stay credited to their agency."))
    also = serializers.DictField(
        child=serializers.IntegerField(), help_text=gettext_lazy("What else moves, e.g. pending reminders.")
    )

    def to_representation(self, plan: ReorganisationPlan) -> dict:
        def task(move):
            return {
                "task": move.task.code,
                "title": move.task.title,
                "from_agency": move.from_agency.code,
                "to_agency": move.to_agency.code if move.to_agency else None,
            }

        return {
            "event": ReorganisationSerializer(plan.event).data,
            "applied": plan.applied,
            "ready": plan.ready,
            "problems": [str(p) for p in plan.problems],
            "lead_tasks": [task(m) for m in plan.lead],
            "coordinating_tasks": [task(m) for m in plan.coordinating],
            "officials": [
                {
                    "username": m.official.username,
                    "from_agency": m.from_agency.code,
                    "to_agency": m.to_agency.code if m.to_agency else None,
                    "calendar_feed": m.has_calendar_feed,
                }
                for m in plan.officials
            ],
            "closed_tasks": plan.closed_tasks,
            "also": {name: count for name, (_label, count) in plan.hooks.items()},
        }


def _mapping_field(help_text) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.CharField(max_length=32), required=False, help_text=help_text
    )


class ApplyInputSerializer(serializers.Serializer):
    successor_for_task = _mapping_field(
        gettext_lazy("For a split or a dissolution: task code -> successor agency code.")
    )
    successor_for_official = _mapping_field(
        gettext_lazy("username -> successor agency code, where the default does not fit.")
    )

    def _keys(self, value: dict) -> dict:
        if len(value) > 10_000:
            raise serializers.ValidationError(_("Too many entries."))
        for key, code in value.items():
            if len(key) > 150 or "\x00" in key or "\x00" in code:
                raise serializers.ValidationError(_("Keys are codes or usernames, without null characters."))
        return value

    def validate_successor_for_task(self, value: dict) -> dict:
        return self._keys(value)

    def validate_successor_for_official(self, value: dict) -> dict:
        return self._keys(value)


def _by_key(model, field: str, keys, label: str) -> dict[str, int]:
    found = dict(model.objects.filter(**{f"{field}__in": list(keys)}).values_list(field, "pk"))
    missing = sorted(set(keys) - set(found))
    if missing:
        raise ValidationError({label: [_("Unknown: %(values)s.") % {"values": ", ".join(missing)}]})
    return found


def _choices(data: dict, name: str, model, field: str) -> dict[int, int]:
    mapping = data.get(name) or {}
    if not mapping:
        return {}
    keys = _by_key(model, field, mapping.keys(), name)
    agencies = _by_key(Agency, "code", mapping.values(), name)
    return {keys[key]: agencies[code] for key, code in mapping.items()}


def _event(pk) -> ReorganisationEvent:
    return ReorganisationEvent.objects.prefetch_related("predecessors", "successors").get(pk=object_id(pk))


class ListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReorganisationStatus.choices, required=False)
    agency = serializers.CharField(
        required=False, max_length=32, help_text=gettext_lazy("Code of a predecessor or a successor (MIC).")
    )


@extend_schema_view(
    list=extend_schema(
        summary="Reorganisations of the agency register, by date",
        parameters=[ListQuerySerializer],
        tags=["agencies"],
    ),
    retrieve=extend_schema(summary="One reorganisation", tags=["agencies"]),
)
class ReorganisationViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    queryset = ReorganisationEvent.objects.none()
    serializer_class = ReorganisationSerializer
    parser_classes = [BoundedJSONParser]
    pagination_class = None
    extra_query_params = {"list": ("status", "agency")}

    def is_paginated_action(self) -> bool:
        return False

    def list(self, request: Request) -> Response:
        """Few rows (a handful a year), so one unpaginated list, oldest first."""
        query = ListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        events = ReorganisationEvent.objects.prefetch_related("predecessors", "successors").order_by(
            "effective_on", "id"
        )
        if "status" in query.validated_data:
            events = events.filter(status=query.validated_data["status"])
        if "agency" in query.validated_data:
            code = query.validated_data["agency"]
            events = events.filter(
                Q(
                    pk__in=ReorganisationEvent.predecessors.through.objects.filter(agency__code=code).values(
                        "reorganisationevent_id"
                    )
                )
                | Q(
                    pk__in=ReorganisationEvent.successors.through.objects.filter(agency__code=code).values(
                        "reorganisationevent_id"
                    )
                )
            )
        return Response(ReorganisationSerializer(events, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(ReorganisationSerializer(_event(pk)).data)

    @extend_schema(
        summary="What applying it would move, and what stops it (monitors)",
        responses=PlanSerializer,
        tags=["agencies"],
    )
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk=None) -> Response:
        plan = reorganisation_preview(actor=official_of(request), event=_event(pk))
        return Response(PlanSerializer(plan).data)

    @extend_schema(
        summary="Apply it now, in one transaction; a second call changes nothing (monitors)",
        request=ApplyInputSerializer,
        responses=PlanSerializer,
        tags=["agencies"],
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk=None) -> Response:
        event = _event(pk)
        serializer = ApplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plan = reorganisation_apply(
            actor=official_of(request),
            event=event,
            successor_for_task=_choices(data, "successor_for_task", Task, "code"),
            successor_for_official=_choices(data, "successor_for_official", Official, "username"),
        )
        return Response(PlanSerializer(plan).data)
