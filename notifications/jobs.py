"""Celery jobs: thin and idempotent; they call the services and may run twice or at once."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from notifications import services


@shared_task(name="notifications.sweep", ignore_result=True)
def sweep_reminders() -> dict:
    """Write the reminders that are due, then ask for them to be sent once they are committed."""
    result = services.reminders_sweep()
    # A large sweep is sent by several senders at once; their claims skip each other's rows.
    for _ in range(services.senders_needed(result.pending)):
        transaction.on_commit(send_reminders.delay)
    return {"tasks": result.tasks, "created": result.counts}


@shared_task(name="notifications.send_pending", ignore_result=True)
def send_reminders(batch_size: int | None = None) -> dict:
    """Send what is due. Transient SMTP failures are retried by the service's backoff on the
    rows themselves (the next run picks them up), not by re-queueing this job."""
    result = services.reminders_send_pending(batch_size=batch_size)
    return {"messages": result.messages, **{k: len(v) for k, v in result.outcomes.items()}}
