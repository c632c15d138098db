"""A subscription is a receiver's URL and the events it wants; a delivery is one event for one
subscription, an outbox row like a reminder: written in the database before anything is sent,
unique per (subscription, history entry), claimed with row locks that skip locked rows."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from webhooks.choices import DeliveryStatus


class WebhookSubscription(models.Model):
    """A receiver's URL, the events it wants, and the secret its deliveries are signed with.

    It sees only what its owner may see, checked for every delivery. The secret is shown once;
    after a rotation the previous one still signs (a second signature) until it expires, so
    the receiver can switch without losing a delivery.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(_("receiver URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.url} ({self.owner_id})"


class WebhookDelivery(models.Model):
    """One event for one subscription: its body, and what happened when it was sent."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    history_entry = models.ForeignKey(
        "tasks.TaskEvent", verbose_name=_("history entry"), on_delete=models.CASCADE, related_name="+"
    )
    # The task again, so that "the earlier deliveries of this task" is one index lookup.
    task = models.ForeignKey("tasks.Task", verbose_name=_("task"), on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("event"), max_length=40)
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(_("last duration (ms)"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "history_entry"], name="webhook_delivery_once"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["subscription", "task", "history_entry"], name="webhook_delivery_order"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.history_entry_id} → {self.subscription_id} ({self.status})"


class WebhookCursor(models.Model):
    """How far the dispatcher has read the history. Every entry up to ``through_id`` has its
    deliveries for good; entries up to ``read_id`` were read, and those after ``through_id`` are
    read again until they are old enough that no transaction still open can add one among them.
    One row, locked by each run, so two runs take turns."""

    key = models.CharField(max_length=20, unique=True, default="default")
    through_id = models.BigIntegerField(default=0)
    read_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("webhook cursor")
        verbose_name_plural = _("webhook cursor")

    def __str__(self) -> str:
        return f"{self.key}: {self.through_id}"
