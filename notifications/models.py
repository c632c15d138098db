"""Escalation rules, the working-day calendar and the reminder outbox."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from notifications.choices import Level, OffsetUnit, ReminderStatus, ReminderTemplate


class EscalationRule(models.Model):
    """One rung of the ladder: when, relative to a deadline, whom to remind, and in which words.

    The ladder is data so that the Government Office can change it in the admin without a
    release; the default ships in a data migration.
    """

    name = models.CharField(_("name"), max_length=100)
    offset = models.SmallIntegerField(
        _("offset"),
        help_text=_("Days from the deadline: negative before it, 0 on the day, positive after."),
        validators=[MinValueValidator(-120), MaxValueValidator(365)],
    )
    unit = models.CharField(
        _("unit"), max_length=10, choices=OffsetUnit.choices, default=OffsetUnit.WORKING_DAYS
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.RESPONSIBLE)
    template = models.CharField(_("template"), max_length=20, choices=ReminderTemplate.choices)
    repeat_every_days = models.PositiveSmallIntegerField(
        _("repeat every (calendar days)"),
        null=True,
        blank=True,
        help_text=_("Repeat while the task stays open, e.g. 7 for weekly; empty to send once."),
        validators=[MinValueValidator(1)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["offset", "level", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=Level.values), name="rule_level_valid"),
            models.CheckConstraint(
                condition=Q(repeat_every_days__isnull=True) | Q(repeat_every_days__gte=1),
                name="rule_repeat_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarOverride(models.Model):
    """A date whose working status the holidays library does not know: a make-up working
    Saturday, or a day off swapped by a Government decision."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked: a working day (make-up day). Unticked: a day off.")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} ({_('working') if self.is_working_day else _('day off')})"


class NotificationPreference(models.Model):
    """How an official wants their reminders; kept here so the agencies app knows nothing of it."""

    official = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("official"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    daily_digest = models.BooleanField(
        _("daily digest"), default=False, help_text=_("Group the day's reminders into one email.")
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.official)


class SweepState(models.Model):
    """The last day the sweep covered, so that a sweep after an outage catches up from there.

    One row; sweeps lock it, so two beats running at once take turns instead of racing.
    """

    key = models.CharField(max_length=20, unique=True, default="default")
    swept_through = models.DateField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    # What the last sweep did, for the operators' metrics (ops.metrics).
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_rows = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("sweep state")
        verbose_name_plural = _("sweep state")

    def __str__(self) -> str:
        return f"{self.key}: {self.swept_through}"


class Reminder(models.Model):
    """The outbox: one row per message, i.e. per (task, rule, deadline, period, language), its
    recipients held in the row; plus one row per (rung, official) for an official who reads
    reminders in the daily digest (the digest is their message).

    The row is written before anything is sent, so a crash loses nothing. Each person is named
    once per rung: whatever adds people to a rung (the sweep, the re-addressing after a
    reorganisation) holds the sweep's lock and leaves out those the rung already names; the
    unique keys back this up, and the claim sends each message once. Keying on the deadline means an
    approved extension starts a fresh ladder by itself. A row per message instead of a row
    per person writes about a fifth of the rows (an escalation is one email to several
    people); see docs/reminders.md.
    """

    # No index of its own: the unique keys' indexes lead with the task (one of them not partial),
    # and every index is one more write for each of the sweep's ten thousand rows.
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("task"),
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
    )
    rule = models.ForeignKey(
        EscalationRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="reminders"
    )
    deadline = models.DateField(_("deadline"))
    period = models.PositiveIntegerField(_("repetition"), default=0)
    # 0 for a rung's first message in a language; 1, 2... for people added to the rung after it
    # was written (a task moved by a reorganisation reaches new people) and for history kept
    # from the per-person outbox.
    part = models.PositiveSmallIntegerField(_("part"), default=0)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    due_on = models.DateField(_("due on"))
    language = models.CharField(_("language"), max_length=2)
    digest = models.BooleanField(_("in the daily digest"), default=False)
    # Only on a digest row: the one official whose digest it joins (the digest is sent per person).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("digest recipient"),
        on_delete=models.PROTECT,
        related_name="digest_reminders",
        null=True,
        blank=True,
        db_index=False,
    )
    # [{"id", "user", "name", "email", "state"}]: "to" for the people this message is
    # for; a ReminderStatus value (skipped, no_address, readdressed, ...) for people named by
    # the rung who do not get it, so the record shows why.
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "rule", "deadline", "period", "language", "part"],
                condition=Q(digest=False),
                name="reminder_once_per_message",
            ),
            # Not partial, so that it is also the index every read by task uses (the task page,
            # the sweep's "already written?", the cascade from a deleted task): a message row's
            # recipient is NULL, and NULLs never conflict, so only digest rows are kept unique.
            models.UniqueConstraint(
                fields=["task", "rule", "deadline", "period", "recipient"],
                name="reminder_digest_once_per_person",
            ),
            models.CheckConstraint(
                condition=Q(digest=True, recipient__isnull=False) | Q(digest=False, recipient__isnull=True),
                name="reminder_digest_has_recipient",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values), name="reminder_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENT) | (Q(sent_at__isnull=False) & ~Q(message_id="")),
                name="reminder_sent_has_message_id",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENDING)
                | (Q(claim_token__isnull=False) & Q(claimed_until__isnull=False)),
                name="reminder_sending_is_claimed",
            ),
        ]
        indexes = [
            # The sender's claim reads only what is still to send, oldest first.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="reminder_pending_due",
                condition=Q(status="pending"),
            ),
            # Claims left behind by a killed sender, found once their lease runs out.
            models.Index(
                fields=["claimed_until"], name="reminder_sending_lease", condition=Q(status="sending")
            ),
            models.Index(
                fields=["recipient", "next_attempt_at"],
                name="reminder_pending_digest",
                condition=Q(status="pending", digest=True),
            ),
            # What a sweep wrote: the escalate command lists it (and on SQLite the sweep counts it).
            models.Index(fields=["created_at"], name="reminder_created"),
        ]

    def __str__(self) -> str:
        people = ",".join(str(entry["id"]) for entry in self.addressees)
        return f"{self.task_id} L{self.level} {self.due_on} → {people} ({self.status})"

    @property
    def addressees(self) -> list[dict]:
        """The people this message is for (the rest of ``recipients`` are named for the record)."""
        return [entry for entry in self.recipients if entry.get("state") == RECIPIENT_TO]

    @property
    def emails(self) -> str:
        return ", ".join(entry["email"] for entry in self.addressees if entry.get("email"))


#: The state of a person in ``Reminder.recipients`` who is to get the message.
RECIPIENT_TO = "to"
