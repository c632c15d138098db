"""Celery jobs of the tasks app: thin and idempotent, they call the services."""

from __future__ import annotations

from celery import shared_task

from tasks.reorganisation import reorganisations_apply_due


@shared_task(name="tasks.apply_due_reorganisations", ignore_result=True, time_limit=600, soft_time_limit=540)
def apply_due_reorganisations() -> list[int]:
    """Apply the reorganisations whose effective date has come. Safe to run twice or at once:
    the service locks each event and an applied event is left as it is."""
    return reorganisations_apply_due()
