"""Reads of the outbox: a task's reminders, what a run did, and the outbox at a glance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from notifications.calendar import load_calendar
from notifications.choices import OPEN_REMINDER_STATUSES, Level, OffsetUnit, ReminderStatus
from notifications.models import RECIPIENT_TO, EscalationRule, Reminder, SweepState
from notifications.services.ladder import REMINDED_STATUSES, last_due_day, rungs_for_deadline
from tasks.choices import TransferRole
from tasks.models import TaskTransfer


def reminders_for_task(task_id: int) -> QuerySet[Reminder]:
    """A task's reminders, oldest first, with what the task page shows of each (the people
    are in each row: no join)."""
    return Reminder.objects.filter(task_id=task_id).select_related("rule").order_by("due_on", "level", "id")


def reminder_lines(reminders: Iterable[Reminder]) -> list[dict]:
    """One line per person named by each message: who, at which address, and what happened to
    it for them (the message's status, or why they were left out of it)."""
    labels = dict(ReminderStatus.choices)
    lines = []
    for reminder in reminders:
        for entry in sorted(reminder.recipients, key=lambda entry: entry.get("name", "")):
            state = entry.get("state")
            own = reminder.status if state == RECIPIENT_TO else state
            lines.append(
                {
                    "reminder": reminder,
                    "name": entry.get("name") or str(entry["id"]),
                    "email": entry.get("email", ""),
                    "status": own,
                    "status_display": labels.get(own, own),
                    "error": reminder.error if state == RECIPIENT_TO else entry.get("error", ""),
                }
            )
    return lines


#: How many of a task's reminders still to come its page lists (a weekly repeat never ends).
UPCOMING_SHOWN = 12


def upcoming_reminders(task, *, now: dt.datetime | None = None) -> list[dict]:
    """The reminders the ladder will still send about ``task`` for its current deadline: each
    active rule's rungs (repetitions too) that fall due after the last day already due, with
    the day, the level and whom that level reaches; none for a task the ladder leaves alone
    (not assigned or in progress, or a standing task without a deadline). Read from the same
    ladder and calendar as the sweep, so the page says what the sweep will write."""
    if task.status not in REMINDED_STATUSES or task.deadline is None:
        return []
    rules = {rule.pk: rule for rule in EscalationRule.objects.filter(is_active=True)}
    if not rules:
        return []
    after = last_due_day(now or timezone.now())
    # Far enough to hold every rung once (a working day offset spans at most twice its
    # days) and the first repetitions after the deadline.
    reach = max(
        2 * abs(r.offset) if r.unit == OffsetUnit.WORKING_DAYS else abs(r.offset) for r in rules.values()
    )
    try:
        through = max(after, task.deadline) + dt.timedelta(days=reach + 31)
        calendar = load_calendar(min(after, task.deadline).year - 1, through.year + 1)
        rungs = [
            r
            for r in rungs_for_deadline(calendar, rules.values(), task.deadline, through)
            if r.due_on > after
        ]
    except (OverflowError, ValueError):
        # A deadline at the calendar's edge (31/12/9999): its rungs fall on no day a date can
        # hold, so there is nothing the sweep could send either.
        return []
    rungs.sort(key=lambda r: (r.due_on, r.level, r.offset, r.period))
    return [
        {"due_on": r.due_on, "level": r.level, "who": Level(r.level).label, "rule": rules[r.rule_id].name}
        for r in rungs[:UPCOMING_SHOWN]
    ]


def reminders_by_ids(ids: Iterable[int]) -> QuerySet[Reminder]:
    return (
        Reminder.objects.filter(id__in=list(ids))
        .select_related("task")
        .order_by("due_on", "task__code", "level", "language", "id")
    )


def reminders_created_since(at: dt.datetime) -> QuerySet[Reminder]:
    """The rows a sweep started at ``at`` wrote (sweeps take turns, so they are its own)."""
    return (
        Reminder.objects.filter(created_at__gte=at)
        .select_related("task")
        .order_by("due_on", "task__code", "level", "language", "id")
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


def transfer_notices(reminders: list[Reminder]) -> dict[int, TaskTransfer]:
    """For each message that is, for someone it is for, their first about the task since the
    task's latest move, that move (the email says so, once per person). One query, and a
    second only when a task of the batch ever moved."""
    task_ids = {r.task_id for r in reminders}
    latest: dict[int, TaskTransfer] = {}
    for transfer in (
        TaskTransfer.objects.filter(task_id__in=task_ids, role=TransferRole.LEAD)
        .select_related("from_agency", "to_agency", "event")
        .order_by("task_id", "-created_at", "-id")
    ):
        latest.setdefault(transfer.task_id, transfer)
    if not latest:
        return {}
    # Who has heard about each task since (a sent message names them "to"; a row converted from
    # the per-person outbox may name them "sent").
    told: dict[int, list[tuple[int, dt.datetime]]] = {}
    for task_id, sent_at, entries in Reminder.objects.filter(
        task_id__in=latest,
        status=ReminderStatus.SENT,
        sent_at__gte=min(t.created_at for t in latest.values()),
    ).values_list("task_id", "sent_at", "recipients"):
        if sent_at is None:  # never: a sent row has its time (and sent_at__gte said so)
            continue
        for entry in entries:
            if entry.get("state") in (RECIPIENT_TO, ReminderStatus.SENT):
                told.setdefault(task_id, []).append((entry["id"], sent_at))
    notices = {}
    for reminder in reminders:
        moved = latest.get(reminder.task_id)
        if moved is None:
            continue
        heard = {person for person, sent_at in told.get(reminder.task_id, ()) if sent_at >= moved.created_at}
        if all(entry["id"] in heard for entry in reminder.addressees):
            continue
        notices[reminder.id] = moved
    return notices
