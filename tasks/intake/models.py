"""The rules and gazetteer of the directive intake: data maintained in the admin, not code.

The parser (``tasks.intake.parser``) knows only how to apply these rows: which words name an
agency or a group of agencies, which phrases are deadlines and how each resolves to a date,
which phrases name an expected result or a recurrence, and which words mark an action, a
modal, a request or a coordination. Defaults ship with a data migration from
``fixtures/intake/rules.json`` and ``fixtures/intake/gazetteer.json``; a monitor edits them in
the admin when a notice uses a wording the rules do not know.

They belong to the ``intake`` app (``tasks.intake``, label ``intake``), which owns them and their
migrations; their tables keep the names they had when they were tasks-app models
(``intake/0001`` took them over without touching the database).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.choices import AgencyKind
from tasks.choices import Recurrence, ResultKind

__all__ = [
    "AgencyAlias",
    "AgencyGroup",
    "ClauseCue",
    "CueKind",
    "DeadlinePattern",
    "DeadlineResolution",
    "DraftBatch",
    "IntakeLanguage",
    "RecurrencePattern",
    "ResultPattern",
]


class IntakeLanguage(models.TextChoices):
    VI = "vi", _("Vietnamese")
    EN = "en", _("English")


class DeadlineResolution(models.TextChoices):
    """How a matched deadline phrase becomes a date."""

    EXACT_DATE = "exact_date", _("Exact date (day, month, year)")
    END_OF_MONTH = "end_of_month", _("End of the month")
    END_OF_QUARTER = "end_of_quarter", _("End of the quarter")
    END_OF_YEAR = "end_of_year", _("End of the year")
    NAMED_SESSION = "named_session", _("Named session (its month, or a fixed date)")
    NO_DATE = "no_date", _("Relative wording with no date (urgently, promptly)")


class CueKind(models.TextChoices):
    """What a clause cue tells the parser."""

    ACTION_VERB = "action_verb", _("Action verb: a clause starting with it is a task")
    MODAL = "modal", _("Modal after the subject (shall, must, will)")
    REQUEST = "request", _("Request: the agencies after it are the addressees (requires, yêu cầu)")
    LEAD = "lead", _("Lead marker after an agency (chủ trì)")
    COORDINATION = "coordination", _("Coordination: agencies after it coordinate (coordinate with)")
    DISCOURSE = "discourse", _("Lead-in words skipped at the start of a clause (At the same time)")
    VAGUE_PARTY = "vague_party", _("A party that names nobody (relevant agencies)")
    EXCLUDE = "exclude", _("Exclusion: a clause matching it is not a task")
    DEADLINE_CLAUSE = "deadline_clause", _("Deadline clause: it dates the task before it (report in July)")


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(_("Not a valid regular expression: %(error)s"), params={"error": exc}) from exc


def validate_kinds(value: object) -> None:
    if not isinstance(value, list) or any(k not in AgencyKind.values for k in value):
        raise ValidationError(
            _("A list of agency kinds among: %(kinds)s."), params={"kinds": ", ".join(AgencyKind.values)}
        )


class AgencyAlias(models.Model):
    """Another way a text names an agency: a short name, an older name, a spelling variant.

    The register's own names (English and Vietnamese) and code always match; aliases add the
    rest ("MPS", "Bộ CA", "Hanoi city")."""

    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="intake_aliases"
    )
    alias = models.CharField(_("alias"), max_length=255)
    language = models.CharField(_("language"), max_length=2, choices=IntakeLanguage.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "tasks_agencyalias"  # the table it had as a tasks-app model
        verbose_name = _("agency alias")
        verbose_name_plural = _("agency aliases")
        ordering = ["agency__code", "alias"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "alias"], name="intake_alias_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.agency.code}"


class AgencyGroup(models.Model):
    """A phrase that names several agencies at once, expanded to its members: every active
    agency of the listed kinds, plus the agencies chosen explicitly.

    "ministries, branches and localities" → ministries, ministerial-level agencies, agencies
    under the Government, provinces and cities; "Chairpersons of provincial People's
    Committees" → provinces and cities."""

    phrase = models.CharField(_("phrase"), max_length=255)
    language = models.CharField(_("language"), max_length=2, choices=IntakeLanguage.choices)
    kinds = models.JSONField(
        _("member kinds"),
        default=list,
        blank=True,
        validators=[validate_kinds],
        help_text=_('Agency kinds whose active agencies are members, e.g. ["province", "city"].'),
    )
    members = models.ManyToManyField(
        "agencies.Agency", verbose_name=_("explicit members"), blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "tasks_agencygroup"  # the table it had as a tasks-app model
        verbose_name = _("agency group")
        verbose_name_plural = _("agency groups")
        ordering = ["language", "phrase"]
        constraints = [
            models.UniqueConstraint(fields=["phrase", "language"], name="intake_group_phrase_unique"),
        ]

    def __str__(self) -> str:
        return self.phrase


class IntakePattern(models.Model):
    """What every wording rule has: a regular expression in one language, an example of what
    it matches, and a switch to turn it off without deleting it."""

    language = models.CharField(_("language"), max_length=2, choices=IntakeLanguage.choices)
    regex = models.TextField(_("regular expression"), validators=[validate_regex])
    example = models.CharField(_("example"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True


class NamedPattern(IntakePattern):
    """A wording rule with a name and a priority, for rules that can overlap in a text."""

    name = models.CharField(_("name"), max_length=100)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower wins when two patterns match the same words.")
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class DeadlinePattern(NamedPattern):
    """A deadline wording and how it resolves to a date.

    The regular expression names its parts: ``day``, ``month`` (a number or an English month
    name), ``year``, ``quarter`` (1-4 or I-IV). A missing year is the directive's year.
    ``offset_days`` shifts the date where an agency counts a phrase otherwise (the default
    reads "before March 31" as due March 31, as the Government Office records it)."""

    resolution = models.CharField(_("resolution"), max_length=20, choices=DeadlineResolution.choices)
    offset_days = models.SmallIntegerField(_("offset (days)"), default=0)
    fixed_date = models.DateField(
        _("fixed date"), null=True, blank=True, help_text=_("For a named session whose text has no month.")
    )

    class Meta:
        db_table = "tasks_deadlinepattern"  # the table it had as a tasks-app model
        verbose_name = _("deadline pattern")
        verbose_name_plural = _("deadline patterns")
        ordering = ["language", "priority", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="intake_deadline_name_unique"),
        ]


class ResultPattern(NamedPattern):
    """A wording that names the expected result: a law, a decree, a plan, a strategy, a
    database, a project, a percentage target. The group ``result`` is the result's text; for
    an indicator, ``value`` is the target number (the unit is ``unit``)."""

    case_sensitive = models.BooleanField(_("case sensitive"), default=False)
    result_kind = models.CharField(_("kind of result"), max_length=16, choices=ResultKind.choices)
    unit = models.CharField(_("unit"), max_length=64, blank=True)

    class Meta:
        db_table = "tasks_resultpattern"  # the table it had as a tasks-app model
        verbose_name = _("result pattern")
        verbose_name_plural = _("result patterns")
        ordering = ["language", "priority", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="intake_result_name_unique"),
        ]


class RecurrencePattern(IntakePattern):
    """A wording of a standing duty ("monthly meetings", "hằng tháng"): the task gets a
    recurrence instead of a deadline."""

    recurrence = models.CharField(
        _("recurrence"), max_length=16, choices=[c for c in Recurrence.choices if c[0]]
    )

    class Meta:
        db_table = "tasks_recurrencepattern"  # the table it had as a tasks-app model
        verbose_name = _("recurrence pattern")
        verbose_name_plural = _("recurrence patterns")
        ordering = ["language", "recurrence", "regex"]
        constraints = [
            models.UniqueConstraint(fields=["regex", "language"], name="intake_recurrence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.regex} → {self.recurrence}"


class ClauseCue(models.Model):
    """A word or phrase that tells the parser how a clause is built (see ``CueKind``).

    ``phrase`` is a regular expression matched case-insensitively at word boundaries."""

    kind = models.CharField(_("kind"), max_length=16, choices=CueKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=IntakeLanguage.choices)
    phrase = models.CharField(_("phrase (regular expression)"), max_length=255, validators=[validate_regex])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "tasks_clausecue"  # the table it had as a tasks-app model
        verbose_name = _("clause cue")
        verbose_name_plural = _("clause cues")
        ordering = ["language", "kind", "phrase"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language", "phrase"], name="intake_cue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.phrase}"


class DraftBatch(models.Model):
    """The drafts of one reading, kept while a monitor reviews them.

    A long notice gives hundreds of drafts; the review screen shows them a page at a time and
    saves each page's edits here, so no request carries more fields than Django accepts
    (DATA_UPLOAD_MAX_NUMBER_FIELDS) and no edit is lost between pages. ``rows`` holds each
    draft as the review form's field values. Accepting the drafts deletes the batch."""

    directive = models.ForeignKey(
        "tasks.Directive", verbose_name=_("directive"), on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        "agencies.Official", verbose_name=_("read by"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("read at"), auto_now_add=True)
    rows = models.JSONField(_("drafts"), default=list, blank=True)

    class Meta:
        verbose_name = _("batch of drafts")
        verbose_name_plural = _("batches of drafts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.directive} ({len(self.rows)})"
