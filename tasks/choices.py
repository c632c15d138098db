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


# Named sets of statuses: every rule that asks "is the task ...?" imports one of these rather
# than listing statuses again. ``tasks.lifecycle`` says which action moves a task between them.

#: Work in the agency's hands: it reports progress, asks for more time, submits; reminders run.
ACTIVE_STATUSES = (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS)
#: Statuses in which a task is still the agency's to finish (and so can be late): active, or
#: submitted and waiting for the Government Office.
OPEN_STATUSES = (*ACTIVE_STATUSES, TaskStatus.SUBMITTED)
#: Nothing more happens to a task in these: no edit, no report, no reminder.
CLOSED_STATUSES = (TaskStatus.COMPLETED, TaskStatus.CANCELLED)
#: Statuses from which a task may still change: everything but the closed ones.
UNCLOSED_STATUSES = (TaskStatus.DRAFT, *OPEN_STATUSES)
#: Statuses counted in a backlog as of a date (with a deadline): drafts and cancelled tasks are not.
COUNTED_STATUSES = (*OPEN_STATUSES, TaskStatus.COMPLETED)


class TaskAction(models.TextChoices):
    """What a user may do to a task, as ``tasks.lifecycle`` declares it and the API's
    ``allowed_actions`` names it."""

    EDIT = "edit", _("Edit the clears")
    ASSIGN = "assign", _("Assign to the lead agency")
    START = "start", _("Start work")
    REPORT_PROGRESS = "report_progress", _("Report progress")
    REQUEST_EXTENSION = "request_extension", _("Request an extension")
    SUBMIT = "submit", _("Submit the result")
    CONFIRM = "confirm", _("Confirm the result")
    RETURN = "return", _("Return the result")
    CANCEL = "cancel", _("Cancel the task")


class DirectiveEventAction(models.TextChoices):
    """What a directive's history entry records."""

    CREATED = "created", _("entered")
    UPDATED = "updated", _("edited")


class TaskEventAction(models.TextChoices):
    """What a history entry records."""

    CREATED = "created", _("created")
    UPDATED = "updated", _("edited")
    ASSIGNED = "assigned", _("assigned to the lead agency")
    STARTED = "started", _("work started")
    PROGRESS_REPORTED = "progress_reported", _("progress reported")
    CONTRIBUTION_REPORTED = "contribution_reported", _("contribution reported")
    SUBMITTED = "submitted", _("result submitted")
    CONFIRMED = "confirmed", _("result confirmed")
    RETURNED = "returned", _("result returned")
    CANCELLED = "cancelled", _("cancelled")
    EXTENSION_REQUESTED = "extension_requested", _("extension requested")
    EXTENSION_APPROVED = "extension_approved", _("extension approved")
    EXTENSION_REJECTED = "extension_rejected", _("extension rejected")
    EXTENSION_CLOSED = "extension_closed", _("extension request closed with the task")
    TRANSFERRED = "transferred", _("moved to a successor agency")
    SIGNED_RESULT_ATTACHED = "signed_result_attached", _("signed document attached")
    SIGNATURE_RECHECKED = "signature_rechecked", _("signature checked again")


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


class OccurrenceStatus(models.TextChoices):
    """Where one occurrence of a standing task stands (``TaskOccurrence``). Whether it was on
    time is derived from its due date, as a task's timeliness is, never stored."""

    OPEN = "open", _("Open")
    REPORTED = "reported", _("Reported")
    COMPLETED = "completed", _("Completed")


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


class AgencyAttribution(models.TextChoices):
    """Which agencies a report as of a date shows when the register changed since."""

    AS_OF = "as_of", _("The agencies of that date")
    TODAY = "today", _("As the agencies are today")
