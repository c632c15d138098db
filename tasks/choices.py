"""Enumerations of the task domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DirectiveKind(models.TextChoices):
    NOTICE = "notice", _("Conclusion notice")
    RESOLUTION = "resolution", _("Resolution")
    DECISION = "decision", _("Decision")
    DIRECTIVE = "directive", pgettext_lazy("kind of directive document", "Directive")
    DISPATCH = "dispatch", _("Official dispatch")
    PLAN = "plan", _("Plan")


class TaskStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


#: Statuses in which a task is still the agency's to finish (and so can be late).
OPEN_STATUSES = (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.SUBMITTED)


class Timeliness(models.TextChoices):
    """How the Government Office counts a backlog; derived as of a date, never stored."""

    COMPLETED_ON_TIME = "completed_on_time", _("Completed on time")
    COMPLETED_LATE = "completed_late", _("Completed late")
    IN_PROGRESS_WITHIN_DEADLINE = "in_progress_within_deadline", _("In progress, within deadline")
    IN_PROGRESS_OVERDUE = "in_progress_overdue", _("In progress, overdue")


class ResultKind(models.TextChoices):
    DELIVERABLE = "deliverable", _("Deliverable")
    INDICATOR = "indicator", _("Indicator with a target")


class Recurrence(models.TextChoices):
    NONE = "", _("One-off (has a deadline)")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class TaskField(models.TextChoices):
    """The field a task belongs to, for the dashboard's filters."""

    DIGITAL_TRANSFORMATION = "digital_transformation", _("Digital transformation")
    ADMINISTRATIVE_PROCEDURES = "administrative_procedures", _("Administrative procedures")
    LEGISLATION = "legislation", _("Legislation")
    DATA = "data", _("Data and databases")
    EMULATION = "emulation", _("Emulation and rewards")
    OTHER = "other", _("Other")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Clear(models.TextChoices):
    """The five clears, named as the directives name them."""

    PERSON = "person", _("clear person")
    TASK = "task", _("clear task")
    DEADLINE = "deadline", _("clear deadline")
    RESULT = "result", _("clear result")
    RESPONSIBILITY = "responsibility", _("clear responsibility")


class TransferRole(models.TextChoices):
    """Which of its agencies a reorganisation replaced on a task."""

    LEAD = "lead", _("Lead agency")
    COORDINATING = "coordinating", _("Coordinating agency")
