"""Celery jobs of the tasks app: thin and idempotent; they call the services."""

from __future__ import annotations

from celery import shared_task

from tasks import services


@shared_task(name=services.RECHECK_JOB, ignore_result=True, time_limit=3600, soft_time_limit=3500)
def evidence_signatures_recheck_all() -> dict:
    """Re-check every evidence PDF's signatures after the trusted roots changed. Running it
    twice re-checks twice and finds the same verdicts; each file is its own transaction."""
    return services.evidence_signatures_recheck_all()
