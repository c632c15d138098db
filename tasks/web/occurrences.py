"""The occurrences section of a standing task's page, added through the panels of
``tasks.web.panels`` so that the task page's template stays as it is for every other task."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from tasks.choices import Recurrence
from tasks.models import Task
from tasks.selectors import task_occurrences
from tasks.web.panels import TaskPanel


def occurrences_panel_context(*, task: Task, request: HttpRequest | None) -> dict:
    """Nothing for a task with a deadline; for a standing one, its periods newest first, each
    with its timeliness as of today in Hanoi and its reports."""
    if task.recurrence == Recurrence.NONE:
        return {"task": task, "occurrences": None}
    return {"task": task, "occurrences": task_occurrences(task, timezone.localdate())}


OCCURRENCES_PANEL = TaskPanel(
    name="occurrences",
    template="web/_occurrences.html",
    context=occurrences_panel_context,
    order=50,
)
