"""The reminders panel of the task page: ``notifications`` contributes it to ``tasks`` (see
``tasks.web.panels``), so that tasks never needs to know the reminders exist."""

from __future__ import annotations

from django.http import HttpRequest

from notifications.selectors import reminder_lines, reminders_for_task, upcoming_reminders
from tasks.models import Task
from tasks.web.panels import TaskPanel


def reminders_panel_context(*, task: Task, request: HttpRequest | None) -> dict:
    return {"task": task, "reminders": reminder_lines(reminders_for_task(task.pk))}


REMINDERS_PANEL = TaskPanel(
    name="reminders",
    template="notifications/includes/task_reminders_panel.html",
    context=reminders_panel_context,
)


def upcoming_panel_context(*, task: Task, request: HttpRequest | None) -> dict:
    return {"task": task, "upcoming": upcoming_reminders(task)}


#: What the ladder will still send, beside what it sent (a panel of its own, after it).
UPCOMING_PANEL = TaskPanel(
    name="upcoming_reminders",
    template="notifications/includes/task_upcoming_reminders_panel.html",
    context=upcoming_panel_context,
    order=101,
)
