"""The lifecycle rules of tasks.services: five clears, transitions by role, history, versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tasks import services
from tasks.choices import Clear, ExtensionStatus, Recurrence, ResultKind, TaskStatus
from tasks.clears import CLEAR_CONDITIONS
from tasks.errors import ActionNotAllowed, InvalidTransition, StaleVersion
from tasks.models import Task, TaskEvent
from tests.factories import complete_task_fields

pytestmark = pytest.mark.django_db


def make_task(world, **overrides) -> Task:
    return services.task_create(
        actor=world.monitor, directive=world.directive, **complete_task_fields(world, **overrides)
    )


def assigned_task(world, **overrides) -> Task:
    task = make_task(world, **overrides)
    return services.task_assign(actor=world.monitor, task=task)


# --- the five clears ---------------------------------------------------------------------

MISSING_ONE = [
    (Clear.PERSON, {"responsible_official": None}),
    (Clear.TASK, {"title": ""}),
    (Clear.TASK, {"description": "   "}),
    (Clear.DEADLINE, {"deadline": None}),
    (Clear.RESULT, {"expected_result": ""}),
    (Clear.RESULT, {"result_kind": ""}),
    (Clear.RESULT, {"result_kind": ResultKind.INDICATOR, "target_value": None, "target_unit": "%"}),
    (Clear.RESPONSIBILITY, {"accountable_leader": None}),
    (Clear.RESPONSIBILITY, {"lead_agency": None, "responsible_official": None, "accountable_leader": None}),
]


@pytest.mark.parametrize(("clear", "overrides"), MISSING_ONE)
def test_each_missing_clear_keeps_the_task_a_draft_and_is_named(world, clear, overrides):
    # given a task lacking one clear
    task = make_task(world, **overrides)
    # then it is a draft and the clear is named
    assert task.status == TaskStatus.DRAFT
    assert str(clear) in task.missing_clears
    # and it cannot be assigned; the refusal names what is missing
    with pytest.raises(ValidationError) as excinfo:
        services.task_assign(actor=world.monitor, task=task)
    assert str(clear) in str(excinfo.value)
    task.refresh_from_db()
    assert task.status == TaskStatus.DRAFT


def test_a_complete_task_has_no_missing_clears_and_can_be_assigned(world):
    task = make_task(world)
    assert task.missing_clears == []
    task = services.task_assign(actor=world.monitor, task=task)
    assert task.status == TaskStatus.ASSIGNED
    assert task.assigned_at is not None


def test_a_standing_task_has_a_recurrence_instead_of_a_deadline(world):
    task = make_task(world, deadline=None, recurrence=Recurrence.MONTHLY, title="Hold monthly meetings")
    assert Clear.DEADLINE not in task.missing_clears
    assert services.task_assign(actor=world.monitor, task=task).status == TaskStatus.ASSIGNED


def test_an_indicator_result_needs_target_and_unit(world):
    task = make_task(
        world,
        result_kind=ResultKind.INDICATOR,
        expected_result="Administrative procedure dossiers processed online",
        target_value=Decimal("80"),
        target_unit="%",
    )
    assert task.missing_clears == []


def test_database_refuses_a_non_draft_task_without_its_clears(world):
    # The constraint holds even for writes that bypass the services.
    task = assigned_task(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=task.pk).update(responsible_official=None)


@pytest.mark.parametrize(("clear", "overrides"), MISSING_ONE)
def test_python_and_database_definitions_of_the_clears_agree(world, clear, overrides):
    task = make_task(world, **overrides)
    in_db = {
        name: Task.objects.filter(CLEAR_CONDITIONS[name], pk=task.pk).exists() for name in CLEAR_CONDITIONS
    }
    missing_in_db = [name for name, present in in_db.items() if not present]
    # whitespace-only text is stripped by the services, so both agree
    assert sorted(missing_in_db) == sorted(task.missing_clears)


# --- validation ---------------------------------------------------------------------------


def test_deadline_before_the_directive_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        make_task(world, deadline=dt.date(2025, 1, 1))
    assert "deadline" in excinfo.value.message_dict
    assert not Task.objects.exists()


def test_responsible_official_must_work_at_the_lead_agency(world):
    with pytest.raises(ValidationError) as excinfo:
        make_task(world, responsible_official=world.mic_focal)
    assert "responsible_official" in excinfo.value.message_dict


def test_lead_agency_cannot_coordinate_its_own_task(world):
    with pytest.raises(ValidationError) as excinfo:
        services.task_create(
            actor=world.monitor,
            directive=world.directive,
            coordinating_agencies=[world.mps, world.mic],
            **complete_task_fields(world),
        )
    assert "coordinating_agencies" in excinfo.value.message_dict


def test_oversized_description_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        make_task(world, description="x" * 20_001)
    assert "description" in excinfo.value.message_dict


# --- transitions allowed and refused by role ---------------------------------------------


def test_full_lifecycle_by_the_right_people(world):
    task = assigned_task(world)
    task = services.task_start(actor=world.mps_focal, task=task)
    assert task.status == TaskStatus.IN_PROGRESS
    services.progress_report_submit(actor=world.mps_focal, task=task, percent=60, note="Draft ready")
    task.refresh_from_db()
    assert task.progress == 60
    task = services.task_submit(actor=world.mps_focal, task=task, result_summary="Submitted to the NA")
    assert task.status == TaskStatus.SUBMITTED
    task = services.task_return(actor=world.monitor, task=task, reason="Attach the submission letter")
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.status_reason == "Attach the submission letter"
    task = services.task_submit(actor=world.mps_focal, task=task, result_summary="Letter attached")
    task = services.task_confirm(actor=world.monitor, task=task)
    assert task.status == TaskStatus.COMPLETED
    assert task.completion_date is not None


ACTIONS = {
    "assign": lambda actor, task: services.task_assign(actor=actor, task=task),
    "start": lambda actor, task: services.task_start(actor=actor, task=task),
    "submit": lambda actor, task: services.task_submit(actor=actor, task=task, result_summary="Done"),
    "confirm": lambda actor, task: services.task_confirm(actor=actor, task=task),
    "return": lambda actor, task: services.task_return(actor=actor, task=task, reason="Incomplete"),
    "cancel": lambda actor, task: services.task_cancel(actor=actor, task=task, reason="Superseded"),
    "report": lambda actor, task: services.progress_report_submit(actor=actor, task=task, note="Working"),
    "extend": lambda actor, task: services.extension_request_create(
        actor=actor, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="NA schedule"
    ),
}

#: The status a task must have for each action to be possible.
READY_STATUS = {
    "assign": TaskStatus.DRAFT,
    "start": TaskStatus.ASSIGNED,
    "submit": TaskStatus.IN_PROGRESS,
    "confirm": TaskStatus.SUBMITTED,
    "return": TaskStatus.SUBMITTED,
    "cancel": TaskStatus.IN_PROGRESS,
    "report": TaskStatus.IN_PROGRESS,
    "extend": TaskStatus.IN_PROGRESS,
}

#: Who may do each action: M monitor, L lead focal point, R responsible official (here also
#: the lead focal point), C coordinating focal point, O other agency's focal point, K leader.
ALLOWED = {
    "assign": {"monitor"},
    "start": {"monitor", "lead_focal"},
    "submit": {"lead_focal"},
    "confirm": {"monitor"},
    "return": {"monitor"},
    "cancel": {"monitor"},
    "report": {"lead_focal", "coord_focal"},
    "extend": {"lead_focal"},
}
#: Where each action takes the task from its READY_STATUS, whether it moves the task's
#: version on (an extension request does not; nor does a coordinating agency's report, which
#: is a contribution), and the history event it writes.
AFTER = {
    "assign": TaskStatus.ASSIGNED,
    "start": TaskStatus.IN_PROGRESS,
    "submit": TaskStatus.SUBMITTED,
    "confirm": TaskStatus.COMPLETED,
    "return": TaskStatus.IN_PROGRESS,
    "cancel": TaskStatus.CANCELLED,
    "report": TaskStatus.IN_PROGRESS,
    "extend": TaskStatus.IN_PROGRESS,
}
BUMPS = {
    "assign": 1,
    "start": 1,
    "submit": 1,
    "confirm": 1,
    "return": 1,
    "cancel": 1,
    "report": 1,
    "extend": 0,
}
EVENT = {
    "assign": "assigned",
    "start": "started",
    "submit": "submitted",
    "confirm": "confirmed",
    "return": "returned",
    "cancel": "cancelled",
    "report": "progress_reported",
    "extend": "extension_requested",
}
ACTORS = {
    "monitor": "monitor",
    "lead_focal": "mps_focal",
    "coord_focal": "mic_focal",
    "other_focal": "moj_focal",
    "leader": "mps_leader",
}


def task_in_status(world, status: str) -> Task:
    task = services.task_create(
        actor=world.monitor,
        directive=world.directive,
        coordinating_agencies=[world.mic],
        **complete_task_fields(world),
    )
    if status == TaskStatus.DRAFT:
        return task
    task = services.task_assign(actor=world.monitor, task=task)
    if status == TaskStatus.ASSIGNED:
        return task
    task = services.task_start(actor=world.mps_focal, task=task)
    if status == TaskStatus.IN_PROGRESS:
        return task
    return services.task_submit(actor=world.mps_focal, task=task, result_summary="Done")


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("who", sorted(ACTORS))
def test_transition_matrix(world, action, who):
    # given a task ready for the action
    task = task_in_status(world, READY_STATUS[action])
    before = Task.objects.get(pk=task.pk)
    actor = getattr(world, ACTORS[who])
    if who in ALLOWED[action]:
        ACTIONS[action](actor, task)
        # then the task is where the action takes it, and the history says who took it there
        after = Task.objects.get(pk=task.pk)
        event = TaskEvent.objects.filter(task=task).latest("id")
        assert after.status == AFTER[action]
        contribution = action == "report" and who == "coord_focal"
        assert after.version == before.version + (0 if contribution else BUMPS[action])
        assert (event.action, event.actor) == (
            "contribution_reported" if contribution else EVENT[action],
            actor,
        )
    else:
        with pytest.raises(ActionNotAllowed):
            ACTIONS[action](actor, task)
        after = Task.objects.get(pk=task.pk)
        assert (after.status, after.version) == (before.status, before.version)


@pytest.mark.parametrize(
    ("action", "wrong_status"),
    [
        ("assign", TaskStatus.ASSIGNED),
        ("start", TaskStatus.IN_PROGRESS),
        ("submit", TaskStatus.SUBMITTED),
        ("confirm", TaskStatus.IN_PROGRESS),
        ("return", TaskStatus.IN_PROGRESS),
        ("report", TaskStatus.SUBMITTED),
        ("extend", TaskStatus.SUBMITTED),
    ],
)
def test_transitions_refused_from_the_wrong_status(world, action, wrong_status):
    task = task_in_status(world, wrong_status)
    actor = world.monitor if "monitor" in ALLOWED[action] else world.mps_focal
    with pytest.raises(InvalidTransition):
        ACTIONS[action](actor, task)


def test_cancelled_task_cannot_be_cancelled_again_or_edited(world):
    task = services.task_cancel(actor=world.monitor, task=make_task(world), reason="Merged")
    with pytest.raises(InvalidTransition):
        services.task_cancel(actor=world.monitor, task=task, reason="again")
    with pytest.raises(InvalidTransition):
        services.task_update(actor=world.monitor, task=task, title="Renamed")


def test_return_and_cancel_need_a_reason(world):
    task = task_in_status(world, TaskStatus.SUBMITTED)
    with pytest.raises(ValidationError) as excinfo:
        services.task_return(actor=world.monitor, task=task, reason="  ")
    assert "reason" in excinfo.value.message_dict


def test_coordinator_report_is_a_contribution_and_does_not_move_progress(world):
    task = task_in_status(world, TaskStatus.IN_PROGRESS)
    report = services.progress_report_submit(actor=world.mic_focal, task=task, percent=90, note="Our part")
    task.refresh_from_db()
    assert report.is_contribution is True
    assert report.agency == world.mic
    assert task.progress == 0


def test_indicator_value_is_reported_against_the_target(world):
    task = assigned_task(
        world,
        result_kind=ResultKind.INDICATOR,
        expected_result="Dossiers processed online",
        target_value=Decimal("80"),
        target_unit="%",
    )
    services.progress_report_submit(actor=world.mps_focal, task=task, indicator_value=Decimal("45.5"))
    task.refresh_from_db()
    assert task.current_value == Decimal("45.5")
    assert task.status == TaskStatus.IN_PROGRESS  # a report starts an assigned task


def test_focal_point_may_change_who_does_it_but_not_the_deadline(world):
    task = assigned_task(world)
    other = type(world.mps_focal).objects.create(username="t.mps.other", agency=world.mps, role="focal_point")
    task = services.task_update(actor=world.mps_focal, task=task, responsible_official=other)
    assert task.responsible_official == other
    with pytest.raises(ActionNotAllowed):
        services.task_update(actor=world.mps_focal, task=task, title="Another title")
    with pytest.raises(ValidationError):
        services.task_update(actor=world.monitor, task=task, deadline=dt.date(2025, 12, 31))


def test_assigned_task_cannot_lose_a_clear(world):
    task = assigned_task(world)
    with pytest.raises(ValidationError):
        services.task_update(actor=world.monitor, task=task, expected_result="")
    task.refresh_from_db()
    assert task.expected_result


# --- extensions ----------------------------------------------------------------------------


def test_extension_approval_moves_the_deadline_and_keeps_the_original(world):
    task = task_in_status(world, TaskStatus.IN_PROGRESS)
    request = services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="NA schedule"
    )
    services.extension_request_decide(actor=world.monitor, extension=request, approve=True)
    task.refresh_from_db()
    request.refresh_from_db()
    assert task.deadline == dt.date(2025, 6, 30)
    assert task.original_deadline == dt.date(2025, 5, 31)
    assert request.status == ExtensionStatus.APPROVED
    assert request.decided_by == world.monitor


def test_rejection_keeps_the_deadline_and_needs_a_reason(world):
    task = task_in_status(world, TaskStatus.IN_PROGRESS)
    request = services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="NA schedule"
    )
    with pytest.raises(ValidationError):
        services.extension_request_decide(actor=world.monitor, extension=request, approve=False)
    services.extension_request_decide(actor=world.monitor, extension=request, approve=False, note="No")
    task.refresh_from_db()
    assert task.deadline == dt.date(2025, 5, 31)


def test_nobody_decides_their_own_extension(world):
    task = task_in_status(world, TaskStatus.IN_PROGRESS)
    request = services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="NA schedule"
    )
    for actor in (world.mps_focal, world.mps_leader, world.mic_focal):
        with pytest.raises(ActionNotAllowed):
            services.extension_request_decide(actor=actor, extension=request, approve=True)
    # a monitor's own request (made as responsible official) is not theirs to decide either
    request.requested_by = world.monitor
    request.save()
    with pytest.raises(ActionNotAllowed):
        services.extension_request_decide(actor=world.monitor, extension=request, approve=True)
    services.extension_request_decide(actor=world.monitor2, extension=request, approve=True)


def test_only_one_pending_extension_and_it_must_move_the_deadline_later(world):
    task = task_in_status(world, TaskStatus.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.extension_request_create(
            actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 5, 1), reason="x"
        )
    services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="x"
    )
    with pytest.raises(InvalidTransition):
        services.extension_request_create(
            actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 7, 30), reason="y"
        )


def test_confirming_closes_pending_extensions(world):
    task = task_in_status(world, TaskStatus.IN_PROGRESS)
    request = services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="x"
    )
    task = services.task_submit(actor=world.mps_focal, task=task, result_summary="Done")
    services.task_confirm(actor=world.monitor, task=task)
    request.refresh_from_db()
    assert request.status == ExtensionStatus.REJECTED


# --- versions and history --------------------------------------------------------------------


def test_stale_version_is_refused_and_changes_nothing(world):
    task = make_task(world)
    services.task_update(actor=world.monitor, task=task, expected_version=1, title="Complete the Law")
    with pytest.raises(StaleVersion):
        services.task_update(actor=world.monitor, task=task, expected_version=1, title="Lost update")
    task.refresh_from_db()
    assert task.title == "Complete the Law"
    assert task.version == 2


def test_every_change_is_in_the_history_with_who_and_old_and_new(world):
    task = assigned_task(world)
    services.task_update(actor=world.monitor, task=task, title="Complete the PDP Law")
    events = list(TaskEvent.objects.filter(task=task).order_by("id"))
    assert [e.action for e in events] == ["created", "assigned", "updated"]
    assert events[1].actor == world.monitor
    assert events[1].changes["status"] == {"old": "draft", "new": "assigned"}
    assert events[2].changes == {
        "title": {"old": "Complete the draft Personal Data Protection Law", "new": "Complete the PDP Law"}
    }
    assert events[0].changes["lead_agency"] == {"old": None, "new": "MPS"}


def test_a_refused_change_writes_no_history(world):
    task = make_task(world)
    count = TaskEvent.objects.count()
    with pytest.raises(ActionNotAllowed):
        services.task_assign(actor=world.mps_focal, task=task)
    assert TaskEvent.objects.count() == count


def test_task_codes_follow_the_directive(world):
    first = make_task(world)
    second = make_task(world)
    assert first.code == "56/TB-VPCP-T01"
    assert second.code == "56/TB-VPCP-T02"


# --- every write leaves history (issue 13, fault 7) ---------------------------------------------


@pytest.mark.parametrize("closing", ["confirm", "cancel"])
def test_a_pending_extension_closed_with_its_task_leaves_a_history_row(world, closing):
    task = task_in_status(world, TaskStatus.IN_PROGRESS)
    request = services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="x"
    )
    if closing == "confirm":
        task = services.task_submit(actor=world.mps_focal, task=task, result_summary="Done")
        services.task_confirm(actor=world.monitor, task=task)
    else:
        services.task_cancel(actor=world.monitor, task=task, reason="Merged")
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (ExtensionStatus.REJECTED, world.monitor)
    event = TaskEvent.objects.get(task=task, action="extension_closed")
    assert event.actor == world.monitor
    assert event.changes["extension"] == {"old": None, "new": request.pk}


def test_directive_create_and_update_are_recorded(world):
    from tasks.models import DirectiveEvent

    directive = services.directive_create(
        actor=world.monitor,
        number="47/CD-TTg",
        kind="dispatch",
        title="On site clearance",
        issued_on=dt.date(2024, 5, 20),
        issuing_agency=world.go,
        full_text="Điều 1. ...",
    )
    services.directive_update(
        actor=world.monitor2, directive=directive, title="On site clearance for projects"
    )
    services.directive_update(actor=world.monitor2, directive=directive, full_text="Điều 1. Sửa.")
    services.directive_update(
        actor=world.monitor2, directive=directive, title="On site clearance for projects"
    )
    events = list(DirectiveEvent.objects.filter(directive=directive).order_by("id"))
    assert [(e.action, e.actor) for e in events] == [
        ("created", world.monitor),
        ("updated", world.monitor2),
        ("updated", world.monitor2),
    ]  # the last call changed nothing and wrote nothing
    assert events[1].changes == {
        "title": {"old": "On site clearance", "new": "On site clearance for projects"}
    }
    assert set(events[2].changes) == {"full_text"}
    assert events[2].changes["full_text"]["old"] != events[2].changes["full_text"]["new"]


def test_directive_update_checks_who_and_what(world):
    task = make_task(world)  # due 31/05/2025
    with pytest.raises(ActionNotAllowed):
        services.directive_update(actor=world.mps_focal, directive=world.directive, title="Mine now")
    with pytest.raises(ValidationError) as excinfo:
        services.directive_update(
            actor=world.monitor, directive=world.directive, issued_on=dt.date(2025, 6, 1)
        )
    assert task.code in str(excinfo.value.message_dict["issued_on"])
    with pytest.raises(TypeError):
        services.directive_update(actor=world.monitor, directive=world.directive, created_at=None)
    world.directive.refresh_from_db()
    assert world.directive.issued_on == dt.date(2025, 2, 23)
