"""Tasks in every stage of the lifecycle, the people who might act on them, and whether a
service accepts an action: shared by the tests that check the services, the task page's
buttons and the API's ``allowed_actions`` against one another."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from tasks import services
from tasks.choices import TaskAction
from tasks.errors import ServiceError
from tasks.models import Task
from tests.factories import complete_task_fields

#: Who might act: the world's attribute for each role (the lead focal point is also the
#: responsible official of these tasks).
ACTORS = {
    "monitor": "monitor",
    "lead_focal": "mps_focal",
    "coord_focal": "mic_focal",
    "other_focal": "moj_focal",
    "leader": "mps_leader",
}

#: Every status, plus the two conditions the rules check beyond status: a draft that lacks a
#: clear, and an active task whose extension request is pending.
CASES = (
    "draft",
    "draft_incomplete",
    "assigned",
    "in_progress",
    "extension_pending",
    "submitted",
    "completed",
    "cancelled",
)


def task_in_case(world, case: str) -> Task:
    """A task of Notice 56 led by MPS, coordinated by MIC, in the given case."""
    overrides = {"responsible_official": None} if case == "draft_incomplete" else {}
    task = services.task_create(
        actor=world.monitor,
        directive=world.directive,
        coordinating_agencies=[world.mic],
        **complete_task_fields(world, **overrides),
    )
    if case in ("draft", "draft_incomplete"):
        return task
    if case == "cancelled":
        return services.task_cancel(actor=world.monitor, task=task, reason="Merged into another task")
    task = services.task_assign(actor=world.monitor, task=task)
    if case == "assigned":
        return task
    task = services.task_start(actor=world.mps_focal, task=task)
    if case == "in_progress":
        return task
    if case == "extension_pending":
        services.extension_request_create(
            actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="NA schedule"
        )
        return Task.objects.get(pk=task.pk)
    task = services.task_submit(actor=world.mps_focal, task=task, result_summary="Submitted to the NA")
    if case == "submitted":
        return task
    assert case == "completed", case
    return services.task_confirm(actor=world.monitor, task=task)


#: Each action with valid input, so that only who acts and where the task stands decide.
TRY = {
    TaskAction.EDIT: lambda actor, task: services.task_update(
        actor=actor, task=task, description="Submit it at the 9th Session, with the impact report."
    ),
    TaskAction.ASSIGN: lambda actor, task: services.task_assign(actor=actor, task=task),
    TaskAction.START: lambda actor, task: services.task_start(actor=actor, task=task),
    TaskAction.REPORT_PROGRESS: lambda actor, task: services.progress_report_submit(
        actor=actor, task=task, note="Working"
    ),
    TaskAction.REQUEST_EXTENSION: lambda actor, task: services.extension_request_create(
        actor=actor, task=task, proposed_deadline=dt.date(2025, 7, 31), reason="NA schedule"
    ),
    TaskAction.SUBMIT: lambda actor, task: services.task_submit(
        actor=actor, task=task, result_summary="Done"
    ),
    TaskAction.CONFIRM: lambda actor, task: services.task_confirm(actor=actor, task=task),
    TaskAction.RETURN: lambda actor, task: services.task_return(actor=actor, task=task, reason="Incomplete"),
    TaskAction.CANCEL: lambda actor, task: services.task_cancel(actor=actor, task=task, reason="Superseded"),
}


class _Undo(Exception):
    pass


def service_accepts(actor, task: Task, action: str) -> bool:
    """Whether the service takes the action (its change is then rolled back)."""
    try:
        with transaction.atomic():
            TRY[action](actor, task)
            raise _Undo
    except _Undo:
        return True
    except (ServiceError, ValidationError):
        return False


def accepted_actions(actor, task: Task) -> list[str]:
    return [str(action) for action in TaskAction if service_accepts(actor, task, action)]
