"""Celery jobs: thin and idempotent; they call the services and may run twice or at once."""

from __future__ import annotations

from celery import shared_task

from webhooks import services


@shared_task(name="webhooks.dispatch", ignore_result=True)
def dispatch_webhooks() -> dict:
    """Turn new history entries into deliveries (the beat runs it every few seconds), reading
    on until the history is caught up; the sender is enqueued once they commit."""
    created = entries = 0
    while True:
        result = services.webhooks_dispatch()
        created += result.created
        entries += result.entries
        if result.new_entries < services.DISPATCH_LIMIT:
            return {"entries": entries, "created": created}


@shared_task(name=services.SEND_JOB, ignore_result=True)
def send_webhooks() -> dict:
    result = services.webhooks_send_due()
    return {"delivered": result.delivered, "retried": result.retried, "failed": result.failed}
