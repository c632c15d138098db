"""Reads of the outbox: a task's reminders, what a run did, and the outbox at a glance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, QuerySet

from notifications.models import Reminder


def reminders_for_task(task_id: int) -> QuerySet[Reminder]:
    """A task's reminders, oldest first, with what the task page shows of each."""
    return (
        Reminder.objects.filter(task_id=task_id)
        .select_related("recipient", "rule")
        .order_by("due_on", "level", "recipient__username", "id")
    )


def reminders_by_ids(ids: Iterable[int]) -> QuerySet[Reminder]:
    return (
        Reminder.objects.filter(id__in=list(ids))
        .select_related("task", "recipient")
        .order_by("due_on", "task__code", "level", "recipient__username")
    )


def reminders_created_since(at: dt.datetime) -> QuerySet[Reminder]:
    """The rows a sweep started at ``at`` wrote (sweeps take turns, so they are its own)."""
    return (
        Reminder.objects.filter(created_at__gte=at)
        .select_related("task", "recipient")
        .order_by("due_on", "task__code", "level", "recipient__username")
    )


def outbox_counts() -> dict[str, int]:
    return dict(
        Reminder.objects.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
