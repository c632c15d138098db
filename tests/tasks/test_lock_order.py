"""One lock order for a task and its extension requests (issue 13, fault 6): deciding a
request and confirming or cancelling its task, at the same moment in two connections, never
deadlock. Both lock the task first; the decision once locked the request first, and a
confirmation that then took the task waited on the request while the decision waited on the
task."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import transaction

from tasks import services
from tasks.choices import ExtensionStatus, TaskStatus
from tasks.errors import ServiceError
from tasks.models import ExtensionRequest, Task
from tests.concurrency import in_thread, waiting_on_locks
from tests.factories import build_world, complete_task_fields

pytestmark = [pytest.mark.usefixtures("postgres_tx")]
ROUNDS = 6


def _task_with_pending_extension(world, n: int, closing: str) -> tuple[Task, ExtensionRequest]:
    task = services.task_create(
        actor=world.monitor,
        directive=world.directive,
        code=f"LOCK-{closing}-{n}",
        **complete_task_fields(world),
    )
    task = services.task_assign(actor=world.monitor, task=task)
    extension = services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="NA schedule"
    )
    if closing == "confirm":
        task = services.task_submit(actor=world.mps_focal, task=task, result_summary="Submitted to the NA")
    return task, extension


@pytest.mark.parametrize("closing", ["confirm", "cancel"])
def test_deciding_an_extension_while_its_task_closes_never_deadlocks(closing):
    world = build_world()
    close = {
        "confirm": lambda task: services.task_confirm(actor=world.monitor, task=task.pk),
        "cancel": lambda task: services.task_cancel(actor=world.monitor, task=task.pk, reason="Superseded"),
    }[closing]
    for n in range(ROUNDS):
        task, extension = _task_with_pending_extension(world, n, closing)
        outcome: dict = {}
        # Given a third party holding the task, so that both calls queue behind it
        with transaction.atomic():
            Task.objects.select_for_update().get(pk=task.pk)
            decide = in_thread(
                lambda e=extension: services.extension_request_decide(
                    actor=world.monitor2, extension=e.pk, approve=True
                ),
                outcome,
                "decide",
            )
            closer = in_thread(lambda t=task: close(t), outcome, closing)
            deadline = time.monotonic() + 10
            while waiting_on_locks() < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert waiting_on_locks() == 2, f"both calls should be waiting for the task: {outcome!r}"
        # When the task is let go, both go ahead in whichever order PostgreSQL wakes them
        decide.join(30)
        closer.join(30)
        # Then neither met a deadlock: each finished or was refused with a reason
        for key, value in outcome.items():
            assert not isinstance(value, Exception) or isinstance(value, ServiceError), (n, key, repr(value))
        task.refresh_from_db()
        extension.refresh_from_db()
        assert task.status == (TaskStatus.COMPLETED if closing == "confirm" else TaskStatus.CANCELLED)
        assert extension.status != ExtensionStatus.PENDING
