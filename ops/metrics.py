"""Prometheus metrics: django-prometheus counts requests, latency and database queries; this
module adds what only Five Clear knows (the outbox and the sweep), read from the database at
scrape time so that every node reports the same truth whichever one is scraped.

With several gunicorn workers, ``PROMETHEUS_MULTIPROC_DIR`` makes the per-process counters add
up (config/gunicorn.py cleans a dead worker's files); the outbox figures are computed per
scrape and need no sharing.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from notifications.selectors import outbox_health
from webhooks.selectors import deliveries_failed, deliveries_pending

#: name -> (key in outbox_health, help)
OUTBOX_GAUGES = {
    "fiveclear_reminders_pending": (
        "pending",
        "Reminder messages (outbox rows) written by the sweep and not yet sent.",
    ),
    "fiveclear_reminders_sending": ("sending", "Reminder messages claimed by a sender and not yet finished."),
    "fiveclear_reminder_oldest_pending_age_seconds": (
        "oldest_pending_age_seconds",
        "Age of the oldest reminder message still pending or being sent.",
    ),
    "fiveclear_reminders_failed": ("failed", "Reminder messages whose sending failed for good."),
    "fiveclear_sweep_last_duration_seconds": ("last_sweep_duration_seconds", "How long the last sweep took."),
    "fiveclear_sweep_last_rows": ("last_sweep_rows", "Outbox rows (messages) the last sweep wrote."),
    "fiveclear_sweep_last_run_timestamp_seconds": ("last_sweep_at", "When the last sweep ran (Unix time)."),
    "fiveclear_webhook_deliveries_pending": (
        "webhooks_pending",
        "Webhook deliveries waiting to be sent or retried.",
    ),
    "fiveclear_webhook_deliveries_failed": ("webhooks_failed", "Webhook deliveries given up."),
}


class FiveClearCollector:
    """Reads the outbox once per scrape."""

    def describe(self):
        # Registration asks for the names; without this it would call collect() at import.
        for name, (_key, help_text) in OUTBOX_GAUGES.items():
            yield GaugeMetricFamily(name, help_text)

    def collect(self):
        health = outbox_health(timezone.now())
        health["webhooks_pending"] = deliveries_pending()
        health["webhooks_failed"] = deliveries_failed()
        for name, (key, help_text) in OUTBOX_GAUGES.items():
            yield GaugeMetricFamily(name, help_text, value=float(health[key]))


def _allowed(request) -> bool:
    """Metrics are for the operators' scraper: a bearer token, or an address on the allow list."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given, f"Bearer {token}"):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in settings.METRICS_ALLOWED_NETWORKS)


_COLLECTOR = FiveClearCollector()
REGISTRY.register(_COLLECTOR)


def registry() -> CollectorRegistry:
    """The process's own registry, or with several workers the sum of every worker's files."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    merged = CollectorRegistry()
    multiprocess.MultiProcessCollector(merged)
    merged.register(_COLLECTOR)
    return merged


@never_cache
def metrics_view(request):
    if not _allowed(request):
        return HttpResponseForbidden("metrics are for the operators' scraper\n", content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
