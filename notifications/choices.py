"""Enumerations of reminders and escalation."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OffsetUnit(models.TextChoices):
    WORKING_DAYS = "working", _("working days")
    CALENDAR_DAYS = "calendar", _("calendar days")


class Level(models.IntegerChoices):
    """Who hears about a deadline: each level adds people to the one below."""

    RESPONSIBLE = 1, _("1: responsible official")
    AGENCY = 2, _("2: plus the focal point and the accountable leader")
    GOVERNMENT_OFFICE = 3, _("3: plus the Government Office monitor")


class ReminderTemplate(models.TextChoices):
    """Which wording an email uses; each has a Vietnamese and an English template."""

    UPCOMING = "upcoming", _("Deadline approaching")
    DUE_TODAY = "due_today", _("Deadline today")
    OVERDUE = "overdue", _("Overdue")
    ESCALATION = "escalation", _("Overdue, escalated")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NO_ADDRESS = "no_address", _("No email address")
    SKIPPED = "skipped", _("Skipped (a later reminder replaced it)")
    CANCELLED = "cancelled", _("Cancelled (task no longer open)")
    SUPERSEDED = "superseded", _("Superseded (deadline moved)")
    READDRESSED = "readdressed", _("Re-addressed (the task moved to another agency)")


#: Rows still on their way; everything else is final.
OPEN_REMINDER_STATUSES = (ReminderStatus.PENDING, ReminderStatus.SENDING)
