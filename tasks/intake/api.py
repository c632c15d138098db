"""The intake's API: draft the tasks of a directive from its text (monitors only).

Thin: the serializer shapes input and output, ``directive_draft_tasks`` does the work and
the permission check; nothing is written.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.auth import official_of
from tasks.choices import Clear, Recurrence, ResultKind
from tasks.intake.services import MAX_TEXT, directive_draft_tasks
from tasks.models import Directive


class DraftTasksInputSerializer(serializers.Serializer):
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_TEXT,
        trim_whitespace=False,
        help_text=_("The notice's text; when empty, the directive's stored full text is read."),
    )


class DraftTaskSerializer(serializers.Serializer):
    source_sentence = serializers.CharField(help_text=_("The sentence the task comes from."))
    clause = serializers.CharField(help_text=_("The part of the sentence that assigns this task."))
    action = serializers.CharField(help_text=_("The task, starting with its action (a title)."))
    lead_agency = serializers.CharField(allow_null=True, help_text=_("Code of the lead agency, or null."))
    lead_agencies = serializers.ListField(
        child=serializers.CharField(), help_text=_("When the lead is a group: the codes of all its members.")
    )
    lead_phrase = serializers.CharField(allow_blank=True, help_text=_("The words naming the lead."))
    lead_inherited = serializers.BooleanField(
        help_text=_("The clause names no lead; the last one the text named was taken.")
    )
    coordinating_agencies = serializers.ListField(child=serializers.CharField())
    deadline = serializers.DateField(allow_null=True)
    deadline_phrase = serializers.CharField(allow_blank=True)
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, allow_blank=True)
    expected_result = serializers.CharField(allow_blank=True)
    result_kind = serializers.ChoiceField(choices=ResultKind.choices, allow_blank=True)
    target_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    target_unit = serializers.CharField(allow_blank=True)
    missing_clears = serializers.ListField(child=serializers.ChoiceField(choices=Clear.choices))


class DirectiveDraftTasksView(APIView):
    """Propose the tasks of a directive, with the clears its text gives and the ones it lacks.

    Nothing is saved: a monitor reviews the drafts (the review screen at /intake/ or a client
    of its own) and creates the tasks it accepts."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="directive_draft_tasks",
        request=DraftTasksInputSerializer,
        responses={
            200: DraftTaskSerializer(many=True),
            400: OpenApiResponse(description=_("No text, or a text too long.")),
            403: OpenApiResponse(description=_("Only a Government Office monitor may draft tasks.")),
            404: OpenApiResponse(description=_("No such directive.")),
        },
        tags=["intake"],
    )
    def post(self, request: Request, pk: int) -> Response:
        if not official_of(request).is_monitor:
            raise PermissionDenied(_("Only a Government Office monitor can draft tasks from a directive."))
        directive = get_object_or_404(Directive, pk=pk)
        data = DraftTasksInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # a refusal is answered by the API's exception handler (common.errors.refusal_for)
        drafts = directive_draft_tasks(
            actor=official_of(request), directive=directive, text=data.validated_data.get("text", "")
        )
        return Response(
            DraftTaskSerializer([d.as_dict() for d in drafts], many=True).data, status=status.HTTP_200_OK
        )
