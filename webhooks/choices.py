"""Enumerations of webhooks."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.TextChoices):
    """What a receiver can subscribe to; each is read off one kind of history entry."""

    CREATED = "task.created", _("Task created")
    ASSIGNED = "task.assigned", _("Task assigned")
    STARTED = "task.started", _("Task started")
    UPDATED = "task.updated", _("Task edited")
    DEADLINE_MOVED = "task.deadline_moved", _("Deadline moved")
    PROGRESS_REPORTED = "task.progress_reported", _("Progress reported")
    SUBMITTED = "task.submitted", _("Result submitted")
    CONFIRMED = "task.confirmed", _("Completion confirmed")
    RETURNED = "task.returned", _("Returned for more work")
    CANCELLED = "task.cancelled", _("Task cancelled")
    EXTENSION_REQUESTED = "task.extension_requested", _("Extension requested")
    EXTENSION_DECIDED = "task.extension_decided", _("Extension decided")
    TRANSFERRED = "task.transferred", _("Transferred to another agency")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Given up")


#: Deliveries not finished yet: they hold back later ones for the same task and receiver.
OPEN_DELIVERY_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
