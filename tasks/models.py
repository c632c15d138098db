"""Directives and the tasks they assign, with their five clears, reports and extensions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from signatures.choices import Verdict
from tasks.choices import (
    ACTIVE_STATUSES,
    COUNTED_STATUSES,
    OPEN_STATUSES,
    DirectiveEventAction,
    DirectiveKind,
    ExtensionStatus,
    OccurrenceStatus,
    Recurrence,
    ResultKind,
    TaskEventAction,
    TaskField,
    TaskStatus,
    TransferRole,
)
from tasks.clears import all_clears_q, missing_clears

TEXT_LIMIT = 20_000  # longest free text accepted anywhere: a long note, never a whole book


class EnglishText:
    """A text field shown in the viewer's language: the main field holds the text as issued
    (Vietnamese), ``<name>_en`` its English translation. An English reader sees the
    translation where there is one, everyone else the original; either falls back to the
    other when it is empty. The language is the active one, so the web page (the reader's
    choice), an export (the request's) and an email (the recipient's, set by
    ``translation.override``) all pick the same way. Read as ``obj.<name>_i18n``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return text_in_language(getattr(obj, self.name), getattr(obj, f"{self.name}_en"))


def text_in_language(original: str, english: str, language: str | None = None) -> str:
    """The one rule for picking between a text and its English translation."""
    language = language or translation.get_language() or ""
    if language.startswith("en"):
        return english or original
    return original or english


class Directive(models.Model):
    """The source document that assigns tasks, e.g. Notice No. 56/TB-VPCP."""

    number = models.CharField(_("number"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DirectiveKind.choices)
    title = models.CharField(_("title"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    issued_on = models.DateField(_("issue date"))
    issuing_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("issuing agency"),
        on_delete=models.PROTECT,
        related_name="directives_issued",
    )
    signer = models.CharField(_("signer"), max_length=255, blank=True)
    full_text = models.TextField(_("full text"), blank=True)
    link = models.URLField(_("link"), blank=True, max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["-issued_on", "number"]

    title_i18n = EnglishText("title")

    def __str__(self) -> str:
        return f"{self.number} ({self.issued_on:%d/%m/%Y})"


class HistoryEntry(models.Model):
    """What every history row holds: who (None once the account is gone), when, and each
    changed field's old and new value. Each kind adds what it is the history of and its own
    actions (``DirectiveEvent``, ``TaskEvent``); the tables stay apart."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


class DirectiveEvent(HistoryEntry):
    """History of a directive: who entered it and who changed which particulars, written by
    the service that makes the change (``directive_create``, ``directive_update``) in its
    transaction, as ``TaskEvent`` is for tasks. The admin edits through that service too."""

    directive = models.ForeignKey(
        Directive, verbose_name=_("directive"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=32, choices=DirectiveEventAction.choices)

    class Meta(HistoryEntry.Meta):
        verbose_name = _("directive history entry")
        verbose_name_plural = _("directive history")
        indexes = [models.Index(fields=["directive", "at"], name="directive_event_at")]

    def __str__(self) -> str:
        return f"{self.directive_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Task(models.Model):
    """One task of a directive, held with its five clears.

    A task that lacks any clear stays a draft and cannot be assigned; the database refuses
    any other status for it. Status changes only through ``tasks.services``; timeliness is
    never stored but computed as of a date (``tasks.selectors.with_timeliness``).
    """

    code = models.CharField(_("code"), max_length=64, unique=True)
    directive = models.ForeignKey(
        Directive, verbose_name=_("directive"), on_delete=models.PROTECT, related_name="tasks"
    )
    # clear task
    title = models.CharField(_("title"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    # English translations of the texts above, for readers who prefer English (EnglishText)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    # What search reads: the code and title folded (no accents, đ as d, lower case) by the
    # database's own fc_task_text (migration 0010; a Python function on SQLite), kept by the
    # database on every write; a trigram index on PostgreSQL (tasks.search).
    search_text = models.GeneratedField(
        expression=Func(F("code"), F("title"), function="fc_task_text", output_field=models.TextField()),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("search text"),
    )
    field = models.CharField(_("field"), max_length=32, choices=TaskField.choices, default=TaskField.OTHER)
    # clear responsibility
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("lead agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks_led",
    )
    coordinating_agencies = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("coordinating agencies"),
        blank=True,
        related_name="tasks_coordinated",
    )
    accountable_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accountable leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks_accountable",
    )
    # clear person
    responsible_official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible official"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks_responsible",
    )
    # clear deadline
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    original_deadline = models.DateField(_("original deadline"), null=True, blank=True)
    deadline_phrase = models.CharField(_("deadline as written"), max_length=255, blank=True)
    deadline_phrase_en = models.CharField(_("deadline as written (English)"), max_length=255, blank=True)
    recurrence = models.CharField(
        _("recurrence"),
        max_length=16,
        choices=Recurrence.choices,
        default=Recurrence.NONE,
        blank=True,
    )
    # When each occurrence of a standing task falls due (tasks.occurrences): the weekday of a
    # weekly one (1 Monday ... 7 Sunday), else the day of the period's last month ("by the 20th
    # of each month"; a short month's last day when it has fewer). Empty: the period's last day.
    due_day = models.PositiveSmallIntegerField(
        _("due day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_(
            "Standing tasks only. Weekly: the weekday each occurrence is due (1 Monday to 7 "
            "Sunday). Monthly, quarterly, yearly: the day of the period's last month (20 for "
            "'by the 20th'). Empty: the last day of the period."
        ),
    )
    # Which month of a quarterly or yearly period its occurrence falls due in (1 = the first),
    # with ``due_day`` ("before the 25th of the middle month of each quarter": 2 and 24).
    # Empty: the period's last month.
    due_month = models.PositiveSmallIntegerField(
        _("due month of the period"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_(
            "Quarterly and yearly standing tasks only: the month of the period each occurrence is "
            "due in (1 = its first; 2 is a quarter's middle month). Empty: the period's last month."
        ),
    )
    # clear result
    result_kind = models.CharField(_("kind of result"), max_length=16, choices=ResultKind.choices, blank=True)
    expected_result = models.CharField(_("expected result"), max_length=1000, blank=True)
    expected_result_en = models.CharField(_("expected result (English)"), max_length=1000, blank=True)
    target_value = models.DecimalField(
        _("target value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_unit = models.CharField(_("unit"), max_length=64, blank=True)
    target_unit_en = models.CharField(_("unit (English)"), max_length=64, blank=True)
    current_value = models.DecimalField(
        _("current value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    requires_signed_result = models.BooleanField(
        _("requires a signed result"),
        default=False,
        db_default=False,  # rows written in bulk (the benchmark's COPY) without the column
        help_text=_(
            "Confirming needs at least one PDF with a valid digital signature among the lead "
            "agency's evidence. On by default for a deliverable."
        ),
    )
    # state
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.DRAFT
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    result_summary = models.TextField(_("submitted result"), blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The Hanoi date on which the agency submitted the result that was then confirmed:
    # the day timeliness is judged by, fixed at confirmation.
    completion_date = models.DateField(_("completion date"), null=True, blank=True)
    completion_confirmed_on = models.DateField(_("confirmation date"), null=True, blank=True)
    status_reason = models.TextField(_("reason for return or cancellation"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="task_status_valid"),
            # The heart of the 5-clear rule: only a draft may lack a clear (or a draft withdrawn
            # before it was complete: cancelling one must not need its clears filled in first).
            models.CheckConstraint(
                condition=Q(status__in=[TaskStatus.DRAFT.value, TaskStatus.CANCELLED.value]) | all_clears_q(),
                name="task_five_clears_unless_draft",
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(recurrence=Recurrence.NONE),
                name="task_deadline_or_recurrence",
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(original_deadline__isnull=False),
                name="task_original_deadline_kept",
            ),
            models.CheckConstraint(
                condition=Q(due_day__isnull=True)
                | (
                    ~Q(recurrence=Recurrence.NONE)
                    & Q(due_day__gte=1, due_day__lte=31)
                    & (~Q(recurrence=Recurrence.WEEKLY) | Q(due_day__lte=7))
                ),
                name="task_due_day_fits_recurrence",
            ),
            models.CheckConstraint(
                condition=Q(due_month__isnull=True)
                | (
                    Q(recurrence__in=[Recurrence.QUARTERLY, Recurrence.YEARLY])
                    & Q(due_month__gte=1, due_month__lte=12)
                    & (~Q(recurrence=Recurrence.QUARTERLY) | Q(due_month__lte=3))
                ),
                name="task_due_month_fits_recurrence",
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="task_progress_0_100"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="task_version_positive"),
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.SUBMITTED) | Q(submitted_at__isnull=False),
                name="task_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.COMPLETED)
                | (Q(completion_date__isnull=False) & Q(completion_confirmed_on__isnull=False)),
                name="task_completed_has_dates",
            ),
        ]
        indexes = [
            models.Index(fields=["lead_agency", "status", "deadline"], name="task_lead_status_dl"),
            models.Index(fields=["directive", "status"], name="task_directive_status"),
            models.Index(fields=["responsible_official", "deadline"], name="task_resp_deadline"),
            # Open tasks are a fifth of the table: the list of what is still due reads this.
            # The default order of every list (keyset pages walk it; see common/api/pagination.py).
            models.Index(fields=["deadline", "id"], name="task_deadline_id"),
            # One agency's list in the default order: a LIMIT stops after the page, and the
            # joins run for its rows only (benchmark: 19 -> 4 ms at 100,000 tasks).
            models.Index(fields=["lead_agency", "deadline", "id"], name="task_lead_deadline_id"),
            # The backlog reads only this index (an index-only scan), never the table.
            models.Index(
                fields=["lead_agency"],
                name="task_backlog_cover",
                include=["id", "status", "deadline", "completion_date", "completion_confirmed_on"],
                condition=Q(deadline__isnull=False) & Q(status__in=[s.value for s in COUNTED_STATUSES]),
            ),
            models.Index(
                fields=["deadline", "id"],
                name="task_open_deadline",
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
            ),
            # The reminder sweep's due tasks (notifications.services.sweep.due_candidates): the
            # statuses the ladder reminds, by deadline, carrying what the ladder names, so finding
            # 10,000 due tasks among a million reads this index alone (an index-only scan), not a
            # BitmapAnd with task_directive_status and 9,000 table pages (EXPLAIN: 120-220 ms ->
            # 18-69 ms at load average 8). Keep the INCLUDE in step with the sweep's columns.
            models.Index(
                fields=["deadline"],
                name="task_reminded_deadline",
                include=["id", "responsible_official", "accountable_leader", "lead_agency", "created_by"],
                condition=Q(status__in=[s.value for s in ACTIVE_STATUSES]),
            ),
            # Drafts are a few thousand among a million: the monitor's drafts list (by id) and the
            # API's drafts (by deadline) walked the whole table's indexes to find a page of them
            # (benchmark: 1.0 s and 2.6 s at 1,000,000 tasks).
            models.Index(fields=["id"], name="task_draft_id", condition=Q(status=TaskStatus.DRAFT)),
            models.Index(
                fields=["deadline", "id"], name="task_draft_deadline", condition=Q(status=TaskStatus.DRAFT)
            ),
        ]

    title_i18n = EnglishText("title")
    description_i18n = EnglishText("description")
    deadline_phrase_i18n = EnglishText("deadline_phrase")
    expected_result_i18n = EnglishText("expected_result")
    target_unit_i18n = EnglishText("target_unit")

    def __str__(self) -> str:
        return f"{self.code}: {self.title or _('(untitled)')}"

    @property
    def missing_clears(self) -> list[str]:
        return missing_clears(self)


class TaskOccurrence(models.Model):
    """One period of a standing task ("report by the 20th of each month": November 2025's
    report), with its own due date, reports and completion.

    A standing task has no deadline of its own, so without these it would never be late and
    never remind anyone. Occurrences are written ahead by ``tasks.services.occurrences_generate``
    (once per period: a unique constraint); their timeliness is derived as of a date by the same
    rule as a task's (``tasks.selectors.occurrence_timeliness_expression``), never stored, and
    the backlog counts them (docs/standing-tasks.md).
    """

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="occurrences"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    # The occurrence's deadline: it falls, as a task's does, at the end of the day in Hanoi.
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=OccurrenceStatus.choices, default=OccurrenceStatus.OPEN
    )
    # The Hanoi date of the lead agency's report that completed it: timeliness is judged by it.
    completion_date = models.DateField(_("completion date"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        ordering = ["task", "period_start"]
        constraints = [
            # Generation may run twice or at once (beat, an assignment, an edit): never two rows
            # for one period.
            models.UniqueConstraint(fields=["task", "period_start"], name="occurrence_once_per_period"),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("due_on")) & Q(due_on__lte=F("period_end")),
                name="occurrence_due_within_period",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OccurrenceStatus.values), name="occurrence_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=OccurrenceStatus.COMPLETED)
                | (Q(completion_date__isnull=False) & Q(completed_at__isnull=False)),
                name="occurrence_completed_has_date",
            ),
        ]
        indexes = [
            # The sweep's candidates: open occurrences at given due dates.
            models.Index(
                fields=["due_on", "task"],
                name="occurrence_open_due",
                condition=~Q(status=OccurrenceStatus.COMPLETED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.period_start:%d/%m/%Y}-{self.period_end:%d/%m/%Y}"


class ProgressReport(models.Model):
    """A dated report from the lead agency, or a coordinating agency's contribution."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="progress_reports"
    )
    # On a standing task, the occurrence the report belongs to (the oldest one not yet done).
    occurrence = models.ForeignKey(
        TaskOccurrence,
        verbose_name=_("occurrence"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("reporting agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_on = models.DateField(_("report date"))
    percent = models.PositiveSmallIntegerField(
        _("progress (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    indicator_value = models.DecimalField(
        _("indicator value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    is_contribution = models.BooleanField(_("coordinating contribution"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | (Q(percent__gte=0) & Q(percent__lte=100)),
                name="report_percent_0_100",
            ),
        ]
        indexes = [models.Index(fields=["task", "-reported_on"], name="report_task_date")]

    def __str__(self) -> str:
        return f"{self.task.code} {self.reported_on:%d/%m/%Y}"


def evidence_upload_to(instance: EvidenceFile, filename: str) -> str:
    return f"evidence/{instance.report.task_id}/{instance.report_id}/{filename}"


class EvidenceFile(models.Model):
    """A file attached to a progress report (minutes, a draft law, a screenshot)."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("progress report"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=500)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # The file's signature verdict (docs/signatures.md): the worst of its signatures'; blank
    # for a file that is not a PDF, whose signatures are not checked.
    signature_verdict = models.CharField(
        _("signature verdict"),
        max_length=16,
        choices=Verdict.choices,
        blank=True,
        default="",
        db_default="",
        db_index=True,
    )
    signature_problem = models.CharField(
        _("why it could not be checked"), max_length=32, blank=True, default="", db_default=""
    )
    signatures_checked_at = models.DateTimeField(_("signatures checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name


class EvidenceSignature(models.Model):
    """One digital signature found in an evidence PDF, as checked on upload (or re-checked when
    the trusted roots changed): who signed, when, and its verdict."""

    evidence = models.ForeignKey(
        EvidenceFile, verbose_name=_("evidence file"), on_delete=models.CASCADE, related_name="signatures"
    )
    position = models.PositiveSmallIntegerField(_("order in the file"))
    field_name = models.CharField(_("signature field"), max_length=255, blank=True)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    signer_name = models.CharField(_("signer"), max_length=255, blank=True)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    serial_number = models.CharField(_("certificate serial number"), max_length=80, blank=True)
    certificate_sha256 = models.CharField(_("certificate fingerprint (SHA-256)"), max_length=64, blank=True)
    signing_time = models.DateTimeField(_("signing time (as the signer states it)"), null=True, blank=True)
    timestamp_time = models.DateTimeField(_("timestamp (RFC 3161)"), null=True, blank=True)
    timestamp_trusted = models.BooleanField(_("timestamp trusted"), default=False)
    coverage = models.CharField(_("coverage"), max_length=32, blank=True)
    modification = models.CharField(_("changes after signing"), max_length=32, blank=True)
    problem = models.CharField(_("problem"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("evidence signature")
        verbose_name_plural = _("evidence signatures")
        ordering = ["evidence", "position"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "position"], name="evidence_signature_position"),
        ]

    def __str__(self) -> str:
        return f"{self.signer_name or '?'}: {self.get_verdict_display()}"


class TrustedRoot(models.Model):
    """A certificate authority whose signatures the Government Office accepts (for instance the
    Government's specialised CA). Data the administrator maintains: nothing is fetched."""

    name = models.CharField(_("name"), max_length=255)
    certificate = models.BinaryField(_("certificate (DER)"))
    subject = models.CharField(_("subject"), max_length=1000)
    fingerprint_sha256 = models.CharField(_("fingerprint (SHA-256)"), max_length=64, unique=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    is_active = models.BooleanField(_("trusted"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trusted root certificate")
        verbose_name_plural = _("trusted root certificates")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ExtensionRequest(models.Model):
    """An agency's request to move a deadline, decided by a Government Office monitor."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    current_deadline = models.DateField(_("deadline when requested"))
    proposed_deadline = models.DateField(_("proposed deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(status=ExtensionStatus.PENDING),
                name="extension_one_pending_per_task",
            ),
            models.CheckConstraint(
                condition=Q(proposed_deadline__gt=F("current_deadline")),
                name="extension_moves_deadline_later",
            ),
            models.CheckConstraint(
                condition=Q(status=ExtensionStatus.PENDING)
                | (Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="extension_decision_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} → {self.proposed_deadline:%d/%m/%Y} ({self.get_status_display()})"


class TaskEvent(HistoryEntry):
    """History: one row per change of a task, with who, when, and each field's old and new value.

    Written by the same service call that makes the change, inside its transaction, so a
    change and its history row commit together or not at all.
    """

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=32, choices=TaskEventAction.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta(HistoryEntry.Meta):
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        indexes = [models.Index(fields=["task", "at"], name="event_task_at")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class TaskTransfer(models.Model):
    """A task handed from one agency to another by a reorganisation, dated by the event.

    Written by ``tasks.reorganisation.reorganisation_apply`` with the history entry. Reports as
    of a date read it to credit a task to the agency of that date: as of a day before the
    transfer the task was ``from_agency``'s (``tasks.selectors.lead_agency_as_of``).
    """

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="transfers")
    event = models.ForeignKey(
        "agencies.ReorganisationEvent",
        verbose_name=_("reorganisation"),
        on_delete=models.PROTECT,
        related_name="task_transfers",
    )
    role = models.CharField(_("role"), max_length=12, choices=TransferRole.choices)
    from_agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("from"), on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("to"), on_delete=models.PROTECT, related_name="transfers_in"
    )
    effective_on = models.DateField(_("effective date"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("task transfer")
        verbose_name_plural = _("task transfers")
        ordering = ["effective_on", "id"]
        constraints = [
            # Applying an event twice cannot move a task twice.
            models.UniqueConstraint(
                fields=["task", "event", "role", "from_agency"], name="transfer_once_per_event"
            ),
            models.CheckConstraint(condition=Q(role__in=TransferRole.values), name="transfer_role_valid"),
            models.CheckConstraint(condition=~Q(from_agency=F("to_agency")), name="transfer_changes_agency"),
        ]
        indexes = [
            # The as-of attribution: the task's first lead transfer after a date.
            models.Index(fields=["task", "role", "effective_on"], name="transfer_task_role_date"),
            # "Did anything move after this date?": reports take the plain path when nothing did.
            models.Index(fields=["effective_on"], name="transfer_effective_on"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_agency_id} → {self.to_agency_id} ({self.effective_on})"


class ReorganisationChoice(models.Model):
    """Where the Government Office sends one task (or one official) when a split or a
    dissolution has no single successor; chosen in the preview, kept until the event applies
    (the beat applies a scheduled split with the choices made beforehand)."""

    event = models.ForeignKey(
        "agencies.ReorganisationEvent",
        verbose_name=_("reorganisation"),
        on_delete=models.CASCADE,
        related_name="choices",
    )
    task = models.ForeignKey(
        Task, verbose_name=_("task"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("official"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    successor = models.ForeignKey(
        "agencies.Agency", verbose_name=_("goes to"), on_delete=models.PROTECT, related_name="+"
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chosen by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    chosen_at = models.DateTimeField(_("chosen at"), auto_now=True)

    class Meta:
        verbose_name = _("reorganisation choice")
        verbose_name_plural = _("reorganisation choices")
        constraints = [
            models.CheckConstraint(
                condition=(Q(task__isnull=False) & Q(official__isnull=True))
                | (Q(task__isnull=True) & Q(official__isnull=False)),
                name="choice_task_or_official",
            ),
            models.UniqueConstraint(
                fields=["event", "task"], condition=Q(task__isnull=False), name="choice_once_per_task"
            ),
            models.UniqueConstraint(
                fields=["event", "official"],
                condition=Q(official__isnull=False),
                name="choice_once_per_official",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.task_id or self.official_id} → {self.successor_id}"
