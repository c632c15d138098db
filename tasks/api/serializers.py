"""Shapes of the task API's data: input serializers check what comes in, output serializers
say what goes out. None of them writes anything; the views pass validated input to the
services.

Output serializers declare their fields (that is the OpenAPI contract) but build each row
with one plain ``to_representation``: a page of tasks is shaped at a small multiple of the
cost of ``.values()``, and orjson writes the dates and times.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.models import Agency, Official
from signatures.choices import Verdict
from tasks.choices import (
    Clear,
    DirectiveKind,
    ExtensionStatus,
    OccurrenceStatus,
    Recurrence,
    ResultKind,
    TaskAction,
    TaskField,
    TaskStatus,
    Timeliness,
)
from tasks.clears import missing_clears
from tasks.models import TEXT_LIMIT, Directive, EvidenceFile

MAX_INT = 2_147_483_647
DIRECTIVE_TEXT_LIMIT = 500_000


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _moment(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else timezone.localtime(value)


DUE_DAY_HELP = _(
    "Standing tasks: when each occurrence is due. Weekly: the weekday (1 Monday to 7 Sunday); "
    "otherwise the day of the period's last month (the month's last day when shorter). "
    "Null: the period's last day."
)

DUE_MONTH_HELP = _(
    "Quarterly and yearly standing tasks: the month of the period each occurrence is due in "
    "(1 = its first; 2 is a quarter's middle month). Null: the period's last month."
)

# --- input ------------------------------------------------------------------------------------


class InputSerializer(serializers.Serializer):
    """Refuses fields it does not know: a misspelt field must not be silently ignored."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class _SlugField(serializers.SlugRelatedField):
    """A related object by its stable key; anything that is not a short string is invalid
    before the database is asked."""

    max_length = 150

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > self.max_length or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


def agency_code_field(**kwargs) -> _SlugField:
    """An agency that exists now: one that ended in a reorganisation takes no new work (it
    stays readable, and filters still accept its code)."""
    kwargs.setdefault(
        "error_messages", {"does_not_exist": _("No current agency has the code {value}; it may have ended.")}
    )
    return _SlugField(slug_field="code", queryset=Agency.objects.filter(is_active=True), **kwargs)


def username_field(**kwargs) -> _SlugField:
    return _SlugField(slug_field="username", queryset=Official.objects.all(), **kwargs)


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_INT,
        required=False,
        help_text=_("The version you edited (the ETag); a stale one gets 412. If-Match works too."),
    )


class DirectiveInputSerializer(InputSerializer):
    number = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=DirectiveKind.choices)
    title = serializers.CharField(max_length=500)
    title_en = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text=_("The title in English.")
    )
    issued_on = serializers.DateField()
    issuing_agency = agency_code_field(help_text=_("Agency code."))
    signer = serializers.CharField(max_length=255, required=False, allow_blank=True)
    full_text = serializers.CharField(
        max_length=DIRECTIVE_TEXT_LIMIT, required=False, allow_blank=True, trim_whitespace=False
    )
    link = serializers.URLField(max_length=500, required=False, allow_blank=True)


class _TaskFieldsSerializer(InputSerializer):
    title = serializers.CharField(max_length=500, required=False, allow_blank=True)
    description = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    field = serializers.ChoiceField(choices=TaskField.choices, required=False)
    lead_agency = agency_code_field(required=False, allow_null=True, help_text=_("Agency code."))
    coordinating_agencies = agency_code_field(many=True, required=False, help_text=_("Agency codes."))
    responsible_official = username_field(required=False, allow_null=True, help_text=_("Username."))
    accountable_leader = username_field(required=False, allow_null=True, help_text=_("Username."))
    deadline = serializers.DateField(required=False, allow_null=True)
    deadline_phrase = serializers.CharField(max_length=255, required=False, allow_blank=True)
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, required=False, allow_blank=True)
    due_day = serializers.IntegerField(
        min_value=1, max_value=31, required=False, allow_null=True, help_text=DUE_DAY_HELP
    )
    due_month = serializers.IntegerField(
        min_value=1, max_value=12, required=False, allow_null=True, help_text=DUE_MONTH_HELP
    )
    result_kind = serializers.ChoiceField(choices=ResultKind.choices, required=False, allow_blank=True)
    expected_result = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    target_value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    target_unit = serializers.CharField(max_length=64, required=False, allow_blank=True)
    # English translations, shown to readers who prefer English (tasks.models.EnglishText)
    title_en = serializers.CharField(max_length=500, required=False, allow_blank=True)
    description_en = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    deadline_phrase_en = serializers.CharField(max_length=255, required=False, allow_blank=True)
    expected_result_en = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    target_unit_en = serializers.CharField(max_length=64, required=False, allow_blank=True)
    requires_signed_result = serializers.BooleanField(
        required=False,
        help_text=_(
            "Confirming needs a PDF with a valid digital signature among the lead agency's "
            "evidence. Default on creation: true for a deliverable."
        ),
    )


class TaskCreateSerializer(_TaskFieldsSerializer):
    directive = serializers.PrimaryKeyRelatedField(
        queryset=Directive.objects.all(), help_text=_("Directive id.")
    )
    code = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("Default: the directive number, -T and a sequence."),
    )


class TaskUpdateSerializer(_TaskFieldsSerializer):
    version = version_field()


class VersionSerializer(InputSerializer):
    version = version_field()


class SubmitSerializer(InputSerializer):
    result_summary = serializers.CharField(max_length=TEXT_LIMIT, help_text=_("The result delivered."))
    version = version_field()


class ReasonSerializer(InputSerializer):
    reason = serializers.CharField(max_length=TEXT_LIMIT)
    version = version_field()


class ReassignSerializer(InputSerializer):
    official = username_field(
        help_text=_("Username of the official of the lead agency who becomes responsible.")
    )
    note = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True, help_text=_("Why."))
    version = version_field()


class ProgressReportInputSerializer(InputSerializer):
    note = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    percent = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    indicator_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    evidence = serializers.ListField(
        child=serializers.FileField(max_length=255, allow_empty_file=False),
        required=False,
        # the service checks the number too (tasks.services.evidence_check): this documents it
        max_length=settings.EVIDENCE_MAX_FILES,
        help_text=_("Evidence files (multipart): PDF, PNG, JPEG, DOCX or XLSX."),
    )
    version = version_field()


class ExtensionRequestInputSerializer(InputSerializer):
    proposed_deadline = serializers.DateField()
    reason = serializers.CharField(max_length=TEXT_LIMIT)
    version = version_field()


class DecisionSerializer(InputSerializer):
    note = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True, help_text=_("Required to reject.")
    )


# --- output -----------------------------------------------------------------------------------


class TaskSerializer(serializers.Serializer):
    """A task as the API shows it (the fields are the OpenAPI contract). Takes the rows of
    ``tasks.api.views.task_rows``; the shape itself is ``task_data``."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    field = serializers.ChoiceField(choices=TaskField.choices)
    directive = serializers.IntegerField(help_text=_("Directive id."))
    directive_number = serializers.CharField()
    lead_agency = serializers.CharField(allow_null=True, help_text=_("Agency code."))
    coordinating_agencies = serializers.ListField(child=serializers.CharField(), help_text=_("Agency codes."))
    responsible_official = serializers.CharField(allow_null=True, help_text=_("Username."))
    accountable_leader = serializers.CharField(allow_null=True, help_text=_("Username."))
    deadline = serializers.DateField(allow_null=True)
    original_deadline = serializers.DateField(allow_null=True)
    deadline_phrase = serializers.CharField()
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, allow_blank=True)
    due_day = serializers.IntegerField(allow_null=True, help_text=DUE_DAY_HELP)
    due_month = serializers.IntegerField(allow_null=True, help_text=DUE_MONTH_HELP)
    result_kind = serializers.ChoiceField(choices=ResultKind.choices, allow_blank=True)
    expected_result = serializers.CharField()
    target_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    target_unit = serializers.CharField()
    current_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    title_en = serializers.CharField(help_text=_("English translation of the title (may be empty)."))
    description_en = serializers.CharField()
    deadline_phrase_en = serializers.CharField()
    expected_result_en = serializers.CharField()
    target_unit_en = serializers.CharField()
    requires_signed_result = serializers.BooleanField(
        help_text=_("Confirming needs a PDF with a valid digital signature from the lead agency.")
    )
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    timeliness = serializers.ChoiceField(
        choices=Timeliness.choices,
        allow_null=True,
        help_text=_("As of `as_of` (default today); null for drafts, cancelled and standing tasks."),
    )
    missing_clears = serializers.ListField(child=serializers.ChoiceField(choices=Clear.choices))
    result_summary = serializers.CharField()
    status_reason = serializers.CharField()
    assigned_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    completion_date = serializers.DateField(allow_null=True)
    version = serializers.IntegerField(help_text=_("Also the ETag; send it back as If-Match."))
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, row: dict) -> dict:
        return task_data(row)


class TaskDetailSerializer(TaskSerializer):
    """One task as the caller sees it: the task, and what the caller may do to it now. Lists
    leave ``allowed_actions`` out: their pages are cached and shared by everyone who sees the
    same tasks, whatever each may do."""

    allowed_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=TaskAction.choices),
        read_only=True,
        help_text=_(
            "What you may do to the task now (the lifecycle's rules for your role and the task's status); "
            "the input, such as a reason, is still checked when you do it."
        ),
    )

    def to_representation(self, row: dict) -> dict:
        return {**task_data(row), "allowed_actions": [str(a) for a in row["allowed_actions"]]}


#: What a task's representation reads, as ``.values()`` names: the task's own columns and one
#: column of each related row (``tasks.api.views.task_rows`` adds timeliness and the
#: coordinating agencies' codes).
TASK_ROW_FIELDS = (
    "id",
    "code",
    "title",
    "description",
    "field",
    "directive_id",
    "directive__number",
    "lead_agency_id",
    "lead_agency__code",
    "responsible_official_id",
    "responsible_official__username",
    "accountable_leader_id",
    "accountable_leader__username",
    "deadline",
    "original_deadline",
    "deadline_phrase",
    "recurrence",
    "due_day",
    "due_month",
    "result_kind",
    "expected_result",
    "target_value",
    "target_unit",
    "current_value",
    "title_en",
    "description_en",
    "deadline_phrase_en",
    "expected_result_en",
    "target_unit_en",
    "requires_signed_result",
    "status",
    "progress",
    "result_summary",
    "status_reason",
    "assigned_at",
    "submitted_at",
    "completed_at",
    "completion_date",
    "version",
    "created_at",
    "updated_at",
)


class _Row:
    """Attribute access to a row dict, for ``missing_clears`` (written for model instances)."""

    __slots__ = ("_row",)

    def __init__(self, row: dict):
        self._row = row

    def __getattr__(self, name: str):
        return self._row[name]


def task_data(row: dict) -> dict:
    """A task as the API shows it, from a row of TASK_ROW_FIELDS with ``timeliness`` and
    ``coordinating_agencies``. Rows, not model instances: building a page's 50 tasks and their
    four related objects each cost more than the query that read them."""
    return {
        "id": row["id"],
        "code": row["code"],
        "title": row["title"],
        "description": row["description"],
        "field": row["field"],
        "directive": row["directive_id"],
        "directive_number": row["directive__number"],
        "lead_agency": row["lead_agency__code"],
        "coordinating_agencies": row["coordinating_agencies"],
        "responsible_official": row["responsible_official__username"],
        "accountable_leader": row["accountable_leader__username"],
        "deadline": row["deadline"],
        "original_deadline": row["original_deadline"],
        "deadline_phrase": row["deadline_phrase"],
        "recurrence": row["recurrence"],
        "due_day": row["due_day"],
        "due_month": row["due_month"],
        "result_kind": row["result_kind"],
        "expected_result": row["expected_result"],
        "target_value": _decimal(row["target_value"]),
        "target_unit": row["target_unit"],
        "current_value": _decimal(row["current_value"]),
        **{
            name: row[name]
            for name in (
                "title_en",
                "description_en",
                "deadline_phrase_en",
                "expected_result_en",
                "target_unit_en",
            )
        },
        "requires_signed_result": row["requires_signed_result"],
        "status": row["status"],
        "progress": row["progress"],
        "timeliness": row.get("timeliness"),
        "missing_clears": missing_clears(_Row(row)),
        "result_summary": row["result_summary"],
        "status_reason": row["status_reason"],
        "assigned_at": _moment(row["assigned_at"]),
        "submitted_at": _moment(row["submitted_at"]),
        "completed_at": _moment(row["completed_at"]),
        "completion_date": row["completion_date"],
        "version": row["version"],
        "created_at": _moment(row["created_at"]),
        "updated_at": _moment(row["updated_at"]),
    }


class DirectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=DirectiveKind.choices)
    title = serializers.CharField()
    title_en = serializers.CharField(help_text=_("English translation of the title (may be empty)."))
    issued_on = serializers.DateField()
    issuing_agency = serializers.CharField(help_text=_("Agency code."))
    signer = serializers.CharField()
    link = serializers.CharField()
    created_at = serializers.DateTimeField()

    def to_representation(self, directive) -> dict:
        return {
            "id": directive.id,
            "number": directive.number,
            "kind": directive.kind,
            "title": directive.title,
            "title_en": directive.title_en,
            "issued_on": directive.issued_on,
            "issuing_agency": directive.issuing_agency.code,
            "signer": directive.signer,
            "link": directive.link,
            "created_at": _moment(directive.created_at),
        }


class DirectiveDetailSerializer(DirectiveSerializer):
    full_text = serializers.CharField()

    def to_representation(self, directive) -> dict:
        data = super().to_representation(directive)
        data["full_text"] = directive.full_text
        return data


class SignatureSerializer(serializers.Serializer):
    """One digital signature found in an evidence PDF (docs/signatures.md)."""

    signer = serializers.CharField(help_text=_("The signer's name, from the certificate."))
    organisation = serializers.CharField(help_text=_("The signer's organisation, from the certificate."))
    issuer = serializers.CharField(help_text=_("Who issued the signer's certificate."))
    certificate_sha256 = serializers.CharField()
    signing_time = serializers.DateTimeField(
        allow_null=True, help_text=_("The signing time the signature states (the signer's clock).")
    )
    timestamp = serializers.DateTimeField(
        allow_null=True, help_text=_("Time of an RFC 3161 timestamp token.")
    )
    timestamp_trusted = serializers.BooleanField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    verdict_label = serializers.CharField(help_text=_("The verdict in words, in the language asked for."))


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField(help_text=_("Download address (checks that you may see the task)."))
    uploaded_at = serializers.DateTimeField()
    signature_verdict = serializers.ChoiceField(
        choices=Verdict.choices,
        allow_null=True,
        help_text=_(
            "The file's verdict: the worst of its signatures'. Null for a file that is not a PDF, "
            "or a PDF not checked yet."
        ),
    )
    signature_verdict_label = serializers.CharField(allow_null=True)
    signatures = SignatureSerializer(many=True)


def evidence_data(item: EvidenceFile) -> dict:
    verdict = item.signature_verdict or None
    return {
        "id": item.id,
        "original_name": item.original_name,
        "content_type": item.content_type,
        "size": item.size,
        "url": reverse("web:evidence_download", args=[item.id]),
        "uploaded_at": _moment(item.uploaded_at),
        "signature_verdict": verdict,
        "signature_verdict_label": str(Verdict(verdict).label) if verdict else None,
        "signatures": [
            {
                "signer": sig.signer_name,
                "organisation": sig.organisation,
                "issuer": sig.issuer,
                "certificate_sha256": sig.certificate_sha256,
                "signing_time": _moment(sig.signing_time),
                "timestamp": _moment(sig.timestamp_time),
                "timestamp_trusted": sig.timestamp_trusted,
                "verdict": sig.verdict,
                "verdict_label": str(Verdict(sig.verdict).label),
            }
            for sig in item.signatures.all()
        ],
    }


class ProgressReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField()
    agency = serializers.CharField(help_text=_("Code of the reporting agency."))
    author = serializers.CharField(help_text=_("Username."))
    reported_on = serializers.DateField()
    percent = serializers.IntegerField(allow_null=True)
    indicator_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    note = serializers.CharField()
    is_contribution = serializers.BooleanField(help_text=_("A coordinating agency's contribution."))
    occurrence = serializers.IntegerField(
        allow_null=True, help_text=_("On a standing task, the occurrence the report belongs to.")
    )
    evidence = EvidenceSerializer(many=True)
    created_at = serializers.DateTimeField()

    def to_representation(self, report) -> dict:
        return {
            "id": report.id,
            "task": report.task_id,
            "agency": report.agency.code,
            "author": report.author.username,
            "reported_on": report.reported_on,
            "percent": report.percent,
            "indicator_value": _decimal(report.indicator_value),
            "note": report.note,
            "is_contribution": report.is_contribution,
            "occurrence": report.occurrence_id,
            "evidence": [evidence_data(item) for item in report.evidence.all()],
            "created_at": _moment(report.created_at),
        }


class OccurrenceSerializer(serializers.Serializer):
    """One period of a standing task: when it is due, where it stands, and its reports."""

    id = serializers.IntegerField()
    task = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    due_on = serializers.DateField(help_text=_("The occurrence's deadline (end of that day in Hanoi)."))
    status = serializers.ChoiceField(choices=OccurrenceStatus.choices)
    timeliness = serializers.ChoiceField(
        choices=Timeliness.choices,
        allow_null=True,
        help_text=_("As of `as_of` (default today); null before the period begins."),
    )
    completion_date = serializers.DateField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    reports = serializers.ListField(child=serializers.IntegerField(), help_text=_("Progress report ids."))

    def to_representation(self, occurrence) -> dict:
        return {
            "id": occurrence.id,
            "task": occurrence.task_id,
            "period_start": occurrence.period_start,
            "period_end": occurrence.period_end,
            "due_on": occurrence.due_on,
            "status": occurrence.status,
            "timeliness": occurrence.timeliness,
            "completion_date": occurrence.completion_date,
            "completed_at": _moment(occurrence.completed_at),
            "reports": [report.id for report in occurrence.reports.all()],
        }


class ExtensionRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField()
    requested_by = serializers.CharField(help_text=_("Username."))
    requested_at = serializers.DateTimeField()
    current_deadline = serializers.DateField()
    proposed_deadline = serializers.DateField()
    reason = serializers.CharField()
    status = serializers.ChoiceField(choices=ExtensionStatus.choices)
    decided_by = serializers.CharField(allow_null=True, help_text=_("Username."))
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()

    def to_representation(self, extension) -> dict:
        return {
            "id": extension.id,
            "task": extension.task_id,
            "requested_by": extension.requested_by.username,
            "requested_at": _moment(extension.requested_at),
            "current_deadline": extension.current_deadline,
            "proposed_deadline": extension.proposed_deadline,
            "reason": extension.reason,
            "status": extension.status,
            "decided_by": extension.decided_by.username if extension.decided_by_id else None,
            "decided_at": _moment(extension.decided_at),
            "decision_note": extension.decision_note,
        }


class BacklogCountsSerializer(serializers.Serializer):
    completed_on_time = serializers.IntegerField()
    completed_late = serializers.IntegerField()
    in_progress_within_deadline = serializers.IntegerField()
    in_progress_overdue = serializers.IntegerField()
    total = serializers.IntegerField()


class BacklogRowSerializer(BacklogCountsSerializer):
    lead_agency = serializers.CharField(help_text=_("Agency code."))
    name_vi = serializers.CharField()
    name_en = serializers.CharField()


class BacklogSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    rows = BacklogRowSerializer(many=True, help_text=_("One row per lead agency, by code."))
    totals = BacklogCountsSerializer()


class ClarityCountsSerializer(serializers.Serializer):
    """A row of the clarity index: a standing task counts once per occurrence begun by
    ``as_of`` (docs/standing-tasks.md), every other task once; cancelled tasks not at all."""

    tasks = serializers.IntegerField(help_text=_("Tasks, a standing task once per period begun."))
    complete = serializers.IntegerField(help_text=_("Of those, with all five clears."))
    share = serializers.FloatField(allow_null=True, help_text=_("complete / tasks; null without tasks."))
    missing_person = serializers.IntegerField()
    missing_task = serializers.IntegerField()
    missing_deadline = serializers.IntegerField()
    missing_result = serializers.IntegerField()
    missing_responsibility = serializers.IntegerField()


class ClarityDirectiveRowSerializer(ClarityCountsSerializer):
    directive = serializers.IntegerField(help_text=_("Directive id."))
    number = serializers.CharField()
    title = serializers.CharField()
    issued_on = serializers.DateField()


class ClarityAgencyRowSerializer(ClarityCountsSerializer):
    lead_agency = serializers.CharField(
        allow_null=True, help_text=_("Agency code; null for no lead agency yet.")
    )
    name_vi = serializers.CharField(allow_null=True)
    name_en = serializers.CharField(allow_null=True)


class ClaritySerializer(serializers.Serializer):
    as_of = serializers.DateField()
    by_directive = ClarityDirectiveRowSerializer(many=True, help_text=_("Newest directive first."))
    by_agency = ClarityAgencyRowSerializer(many=True, help_text=_("By agency code."))


class TokenRequestSerializer(InputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as `Authorization: Token <token>`; shown once."))
    expiry = serializers.DateTimeField(
        allow_null=True, help_text=_("When it stops working; ask for a new one then.")
    )
