"""Assigning many drafts at once (``tasks_assign_many``) does to each what ``task_assign`` does
one by one: the same statuses, versions, history rows, occurrences and refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from tasks import services
from tasks.choices import Recurrence, ResultKind, TaskStatus
from tasks.errors import ServiceError
from tasks.models import Task, TaskEvent
from tests.factories import complete_task_fields

pytestmark = pytest.mark.django_db


def batch(world, prefix):
    """Drafts of every kind an assignment treats differently, and two it refuses."""
    kinds = {
        "plain": complete_task_fields(world),
        "coordinated": complete_task_fields(world, coordinating_agencies=[world.moj, world.mic]),
        "indicator": complete_task_fields(
            world,
            result_kind=ResultKind.INDICATOR,
            expected_result="Households connected",
            target_value=95,
            target_unit="%",
        ),
        "standing": complete_task_fields(world, deadline=None, recurrence=Recurrence.MONTHLY, due_day=20),
        "signed": complete_task_fields(world, requires_signed_result=True),
        "missing": complete_task_fields(world, responsible_official=None),
        "assigned": complete_task_fields(world),
    }
    tasks = {
        kind: services.task_create(
            actor=world.monitor, directive=world.directive, code=f"{prefix}-{kind}", **f
        )
        for kind, f in kinds.items()
    }
    services.task_assign(actor=world.monitor, task=tasks["assigned"])
    return tasks


def one_by_one(actor, tasks):
    refused = {}
    for kind, task in tasks.items():
        try:
            with transaction.atomic():
                services.task_assign(actor=actor, task=task)
        except (ServiceError, ValidationError) as exc:  # what the bulk reports instead
            refused[kind] = services._refusal_text(exc)
    return refused


def state(tasks):
    """Each task's status, version, whether it has an assignment time, its history (without the
    instants and ids) and its occurrences."""
    result = {}
    for kind, task in tasks.items():
        task = Task.objects.get(pk=task.pk)
        events = [
            (e.action, e.actor_id, e.note, {k: v for k, v in e.changes.items() if k != "code"})
            for e in TaskEvent.objects.filter(task=task).order_by("pk")
        ]
        occurrences = list(task.occurrences.order_by("period_start").values_list("period_start", "due_on"))
        result[kind] = (task.status, task.version, task.assigned_at is not None, events, occurrences)
    return result


def test_assigning_many_writes_what_assigning_one_by_one_writes(world):
    # given the same drafts twice
    first, second = batch(world, "ONE"), batch(world, "MANY")
    # when one set is assigned one by one and the other at once
    refused_one = one_by_one(world.monitor, first)
    outcome = services.tasks_assign_many(actor=world.monitor, task_ids=[t.pk for t in second.values()])
    # then both end the same, task by task, refusals in the same words
    kinds = {task.pk: kind for kind, task in second.items()}
    assert {kinds[task.pk]: why for task, why in outcome.refused} == refused_one
    assert set(refused_one) == {"missing", "assigned"}
    assert sorted(kinds[t.pk] for t in outcome.done) == [
        "coordinated",
        "indicator",
        "plain",
        "signed",
        "standing",
    ]
    assert state(second) == state(first)
    assert state(second)["plain"][:3] == (TaskStatus.ASSIGNED, 2, True)
    assert state(second)["standing"][4]  # the standing task's periods were written
    # and the tasks it returns are the saved ones
    assert {t.version for t in outcome.done} == {2}


def test_someone_who_may_not_assign_is_refused_for_every_task_in_the_same_words(world):
    first, second = batch(world, "ONE"), batch(world, "MANY")
    refused_one = one_by_one(world.mps_focal, first)
    outcome = services.tasks_assign_many(actor=world.mps_focal, task_ids=[t.pk for t in second.values()])
    kinds = {task.pk: kind for kind, task in second.items()}
    assert outcome.done == []
    assert {kinds[task.pk]: why for task, why in outcome.refused} == refused_one
    assert len(refused_one) == len(first)
    assert state(second) == state(first)


def test_the_assignment_time_is_now(world):
    tasks = batch(world, "T")
    before = dt.datetime.now(dt.UTC)
    services.tasks_assign_many(actor=world.monitor, task_ids=[tasks["plain"].pk])
    assigned = Task.objects.get(pk=tasks["plain"].pk)
    assert assigned.assigned_at >= before and assigned.updated_at >= before
