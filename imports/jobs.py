"""Celery jobs: thin and idempotent (a confirmed import is imported once)."""

from __future__ import annotations

from celery import shared_task

from agencies.models import Official
from imports import services
from imports.models import TaskImport


@shared_task(name=services.CONFIRM_JOB, ignore_result=True, time_limit=3600, soft_time_limit=3500)
def confirm_import(import_id: str, actor_id: int) -> dict:
    task_import = services.import_confirm(
        actor=Official.objects.get(pk=actor_id), task_import=TaskImport.objects.get(pk=import_id)
    )
    return {"status": task_import.status, **{k: v for k, v in task_import.result.items() if k != "failed"}}
