"""Reminders: the sweep that fills the outbox and the sender that empties it.

The sweep decides what is due and writes it as rows (``Reminder``), nothing else; the sender
claims due rows, sends each over one reused SMTP connection per batch, and records the
outcome row by row. Splitting the two is what makes a reminder neither lost (the row exists
before any email does) nor sent twice (the unique key, the claim, and a commit per message).

Tasks never call in here: completing, cancelling or extending a task is noticed by the
sweep (it only looks at open tasks at their current deadline, and at the open occurrences of
standing tasks at their due date) and by the sender (it checks the task again, under a share
lock, just before each message).

One module per concern: ``ladder`` (when rungs fall due), ``recipients`` (who gets each
level), ``sweep`` (the outbox is filled), ``delivery`` (it is emptied) and ``messages`` (the
email itself). Callers import the names below from ``notifications.services``.
"""

from notifications.services.delivery import (
    SendResult,
    reminders_claim,
    reminders_requeue_failed,
    reminders_send_pending,
    retry_delay,
    senders_needed,
)
from notifications.services.ladder import (
    REMINDED_STATUSES,
    Rung,
    due_instant,
    last_due_day,
    rungs_for_deadline,
    rungs_in_window,
    send_time,
)
from notifications.services.messages import build_message, message_id_for, task_link
from notifications.services.recipients import recipients_for_level
from notifications.services.sweep import (
    SweepResult,
    due_candidates,
    due_occurrences,
    due_tasks,
    reminders_sweep,
)

__all__ = [
    "REMINDED_STATUSES",
    "Rung",
    "SendResult",
    "SweepResult",
    "build_message",
    "due_candidates",
    "due_instant",
    "due_occurrences",
    "due_tasks",
    "last_due_day",
    "message_id_for",
    "recipients_for_level",
    "reminders_claim",
    "reminders_requeue_failed",
    "reminders_send_pending",
    "reminders_sweep",
    "retry_delay",
    "rungs_for_deadline",
    "rungs_in_window",
    "send_time",
    "senders_needed",
    "task_link",
]
