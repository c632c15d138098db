"""Sections that other apps add to the task page.

The task page shows what other apps know about a task (the reminders sent about it, from
``notifications``) without ``tasks`` importing them: an app registers a panel in its
``AppConfig.ready`` and the page renders every registered panel, in order, after the progress
reports. Imports keep running one way (notifications -> tasks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from tasks.models import Task


@dataclass(frozen=True)
class TaskPanel:
    """``template`` rendered with ``context(task=..., request=...)`` on the task's page."""

    name: str
    template: str
    context: Callable[..., dict]
    order: int = 100


_panels: dict[str, TaskPanel] = {}


def task_panel_register(panel: TaskPanel) -> None:
    """Add (or replace, by name: ``ready`` may run twice in tests) a panel of the task page."""
    _panels[panel.name] = panel


def task_panels_render(*, task: Task, request: HttpRequest | None) -> list[SafeString]:
    """The HTML of every registered panel for ``task``, in order."""
    return [
        render_to_string(panel.template, panel.context(task=task, request=request), request=request)
        for panel in sorted(_panels.values(), key=lambda p: (p.order, p.name))
    ]
