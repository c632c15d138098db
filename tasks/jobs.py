"""Celery jobs of the tasks app: thin and idempotent, they call the services."""

from __future__ import annotations

from celery import shared_task

from tasks import services
from tasks.reorganisation import reorganisations_apply_due


@shared_task(name="tasks.apply_due_reorganisations", ignore_result=True, time_limit=600, soft_time_limit=540)
def apply_due_reorganisations() -> list[int]:
    """Apply the reorganisations whose effective date has come. Safe to run twice or at once:
    the service locks each event and an applied event is left as it is."""
    return reorganisations_apply_due()


@shared_task(name=services.RECHECK_JOB, ignore_result=True, time_limit=3600, soft_time_limit=3500)
def evidence_signatures_recheck_all() -> dict:
    """Re-check every evidence PDF's signatures after the trusted roots changed. Running it
    twice re-checks twice and finds the same verdicts; each file is its own transaction."""
    return services.evidence_signatures_recheck_all()


@shared_task(name="tasks.occurrences_generate", ignore_result=True, time_limit=600, soft_time_limit=540)
def occurrences_generate() -> int:
    """Write the standing tasks' occurrences up to the horizon. Safe to run twice or at once:
    a period already held is not written again (a unique constraint)."""
    return services.occurrences_generate_all()
