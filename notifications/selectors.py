"""Reads of the outbox: a task's reminders, what a run did, and the outbox at a glance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Min, Q, QuerySet

from notifications.choices import OPEN_REMINDER_STATUSES, ReminderStatus
from notifications.models import Reminder, SweepState


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


def outbox_health(now: dt.datetime) -> dict[str, float]:
    """What an operator watches of the outbox: how much waits, for how long, what failed,
    and what the last sweep did. Two queries on the partial index of open rows and one row."""
    open_rows = Reminder.objects.filter(status__in=OPEN_REMINDER_STATUSES).aggregate(
        pending=Count("id", filter=Q(status=ReminderStatus.PENDING)),
        sending=Count("id", filter=Q(status=ReminderStatus.SENDING)),
        oldest=Min("created_at"),
    )
    failed = Reminder.objects.filter(status=ReminderStatus.FAILED).count()
    state = SweepState.objects.filter(key="default").first()
    oldest = open_rows["oldest"]
    return {
        "pending": open_rows["pending"],
        "sending": open_rows["sending"],
        "oldest_pending_age_seconds": (now - oldest).total_seconds() if oldest else 0.0,
        "failed": failed,
        "last_sweep_duration_seconds": (state.last_duration_ms or 0) / 1000 if state else 0.0,
        "last_sweep_rows": (state.last_rows or 0) if state else 0,
        "last_sweep_at": state.last_run_at.timestamp() if state and state.last_run_at else 0.0,
    }
