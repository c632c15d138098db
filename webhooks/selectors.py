"""Reads of the webhook outbox."""

from __future__ import annotations

from webhooks.choices import OPEN_DELIVERY_STATUSES, DeliveryStatus
from webhooks.models import WebhookDelivery


def deliveries_pending() -> int:
    """Deliveries waiting to be sent or retried (the partial index of open rows)."""
    return WebhookDelivery.objects.filter(status__in=OPEN_DELIVERY_STATUSES).count()


def deliveries_failed() -> int:
    return WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count()
