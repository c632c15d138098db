"""The services behind each role's daily job (issue 16): a monitor completes, assigns and
returns drafts, one or many at once; a leader moves responsibility inside the agency; a
focal point's first report starts an assigned task; and the reads of the morning view and
the leader's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from agencies.choices import Role
from tasks import selectors, services
from tasks.choices import Clear, TaskEventAction, TaskStatus
from tasks.errors import ActionNotAllowed, InvalidTransition
from tasks.models import Task, TaskEvent
from tests.factories import OfficialFactory, complete_task_fields
from tests.web.conftest import at

pytestmark = pytest.mark.django_db


def _draft(world, **overrides):
    """A draft of Notice 56 that lacks the person and the deadline unless told otherwise."""
    fields = complete_task_fields(world, responsible_official=None, deadline=None, deadline_phrase="")
    fields.update(overrides)
    return services.task_create(actor=world.monitor, directive=world.directive, **fields)


def _events(task) -> list[str]:
    return list(TaskEvent.objects.filter(task=task).order_by("id").values_list("action", flat=True))


# --- drafts: complete, assign, return --------------------------------------------------------


def test_draft_assign_gives_the_missing_clears_and_assigns_in_one_step(world):
    # given a draft without a person and a deadline
    draft = _draft(world)
    assert set(draft.missing_clears) == {Clear.PERSON, Clear.DEADLINE}
    # when the monitor assigns it with the two clears it lacked
    task = services.draft_assign(
        actor=world.monitor,
        task=draft,
        expected_version=draft.version,
        responsible_official=world.mps_focal,
        deadline=dt.date(2025, 5, 31),
    )
    # then it is assigned, and the history says what was filled, then that it was assigned
    task.refresh_from_db()
    assert task.status == TaskStatus.ASSIGNED
    assert task.responsible_official == world.mps_focal
    assert _events(task) == ["created", "updated", "assigned"]
    updated = TaskEvent.objects.get(task=task, action=TaskEventAction.UPDATED)
    assert set(updated.changes) == {"responsible_official", "deadline", "original_deadline"}


def test_draft_assign_that_still_lacks_a_clear_changes_nothing(world):
    # given a draft without a person and a deadline
    draft = _draft(world)
    # when the monitor gives it only the deadline and tries to assign it
    with pytest.raises(ValidationError) as refused:
        services.draft_assign(actor=world.monitor, task=draft, deadline=dt.date(2025, 5, 31))
    # then it is refused naming what is still missing, and nothing was saved (one transaction)
    assert "person" in " ".join(refused.value.messages)
    draft.refresh_from_db()
    assert draft.status == TaskStatus.DRAFT
    assert draft.deadline is None
    assert _events(draft) == ["created"]


def test_only_a_monitor_assigns_a_draft(world):
    draft = _draft(world)
    with pytest.raises(ActionNotAllowed):
        services.draft_assign(
            actor=world.mps_focal,
            task=draft,
            responsible_official=world.mps_focal,
            deadline=dt.date(2025, 5, 31),
        )
    draft.refresh_from_db()
    assert draft.status == TaskStatus.DRAFT and draft.deadline is None


def test_drafts_assign_many_assigns_each_that_can_be_and_says_why_not_for_the_rest(world):
    # given two drafts of MPS lacking the person and deadline, and one of MOJ (whose officials
    # cannot be MPS's focal point)
    first, second = _draft(world), _draft(world, title="Issue the decree on personal data")
    world.moj_leader = OfficialFactory(username="t.moj.leader", agency=world.moj, role=Role.LEADER)
    other = _draft(world, lead_agency=world.moj, accountable_leader=world.moj_leader)
    # when the monitor assigns all three with one person and one deadline
    outcome = services.drafts_assign_many(
        actor=world.monitor,
        task_ids=[first.pk, second.pk, other.pk],
        responsible_official=world.mps_focal,
        deadline=dt.date(2025, 6, 30),
    )
    # then the two of MPS are assigned and the third is left as it was, with the reason
    assert sorted(t.pk for t in outcome.done) == sorted([first.pk, second.pk])
    assert [t.pk for t, _ in outcome.refused] == [other.pk]
    assert "t.mps.focal" in outcome.refused[0][1]
    statuses = dict(Task.objects.filter(pk__in=[first.pk, second.pk, other.pk]).values_list("pk", "status"))
    assert statuses == {first.pk: "assigned", second.pk: "assigned", other.pk: "draft"}
    assert Task.objects.get(pk=other.pk).deadline is None


def test_drafts_assign_many_of_complete_drafts_needs_no_fields(world):
    complete = [
        services.task_create(actor=world.monitor, directive=world.directive, **complete_task_fields(world))
        for _ in range(2)
    ]
    outcome = services.drafts_assign_many(actor=world.monitor, task_ids=[t.pk for t in complete])
    assert len(outcome.done) == 2 and outcome.refused == []
    assert set(Task.objects.filter(pk__in=[t.pk for t in complete]).values_list("status", flat=True)) == {
        "assigned"
    }


def test_drafts_return_many_cancels_them_with_the_reason(world):
    # given two drafts and a task already assigned
    drafts = [_draft(world), _draft(world)]
    assigned = services.task_assign(
        actor=world.monitor,
        task=services.task_create(
            actor=world.monitor, directive=world.directive, **complete_task_fields(world)
        ),
    )
    # when the monitor returns all three as duplicates
    outcome = services.drafts_return_many(
        actor=world.monitor, task_ids=[*(d.pk for d in drafts), assigned.pk], reason="Duplicate of T01"
    )
    # then the drafts are cancelled with the reason; the assigned task is not a draft to return
    assert sorted(t.pk for t in outcome.done) == sorted(d.pk for d in drafts)
    assert [t.pk for t, _ in outcome.refused] == [assigned.pk]
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.status == TaskStatus.CANCELLED
        assert draft.status_reason == "Duplicate of T01"
        assert _events(draft)[-1] == "cancelled"
    assert Task.objects.get(pk=assigned.pk).status == TaskStatus.ASSIGNED


def test_drafts_return_many_needs_a_reason(world):
    draft = _draft(world)
    with pytest.raises(ValidationError):
        services.drafts_return_many(actor=world.monitor, task_ids=[draft.pk], reason="  ")
    assert Task.objects.get(pk=draft.pk).status == TaskStatus.DRAFT


def test_a_focal_point_cannot_return_drafts(world):
    draft = _draft(world)
    outcome = services.drafts_return_many(actor=world.mps_focal, task_ids=[draft.pk], reason="No")
    assert outcome.done == [] and len(outcome.refused) == 1
    assert Task.objects.get(pk=draft.pk).status == TaskStatus.DRAFT


# --- leader: reassign inside the agency ------------------------------------------------------


@pytest.fixture
def mps_task(world):
    task = services.task_create(actor=world.monitor, directive=world.directive, **complete_task_fields(world))
    return services.task_assign(actor=world.monitor, task=task)


def test_leader_reassigns_to_another_official_of_the_agency(world, mps_task):
    # given another official of MPS
    other = OfficialFactory(username="t.mps.deputy", agency=world.mps, role=Role.FOCAL_POINT)
    # when the MPS leader makes them responsible
    task = services.task_reassign(
        actor=world.mps_leader,
        task=mps_task,
        official=other,
        expected_version=mps_task.version,
        note="On leave until July",
    )
    # then the task is theirs and the history says who moved it from whom, and why
    assert Task.objects.get(pk=task.pk).responsible_official == other
    event = TaskEvent.objects.filter(task=task).latest("id")
    assert event.actor == world.mps_leader
    assert event.changes["responsible_official"] == {"old": "t.mps.focal", "new": "t.mps.deputy"}
    assert event.note == "On leave until July"


def test_reassign_stays_inside_the_lead_agency(world, mps_task):
    with pytest.raises(ValidationError) as refused:
        services.task_reassign(actor=world.mps_leader, task=mps_task, official=world.mic_focal)
    assert "responsible_official" in refused.value.message_dict
    assert Task.objects.get(pk=mps_task.pk).responsible_official == world.mps_focal


def test_another_agencys_leader_cannot_reassign(world, mps_task):
    with pytest.raises(ActionNotAllowed):
        services.task_reassign(actor=world.mic_leader, task=mps_task, official=world.mps_leader)


def test_a_closed_task_is_not_reassigned(world, mps_task):
    services.task_cancel(actor=world.monitor, task=mps_task, reason="Merged")
    with pytest.raises(InvalidTransition):
        services.task_reassign(actor=world.mps_leader, task=mps_task, official=world.mps_leader)


def test_reassign_to_the_same_official_is_refused(world, mps_task):
    with pytest.raises(ValidationError):
        services.task_reassign(actor=world.mps_leader, task=mps_task, official=world.mps_focal)


# --- focal point: report progress in one step -----------------------------------------------


def test_first_report_on_an_assigned_task_starts_it_with_both_events(world, mps_task):
    # when the focal point reports progress on a task still assigned
    services.progress_report_submit(
        actor=world.mps_focal, task=mps_task, percent=30, note="Drafting", expected_version=mps_task.version
    )
    # then it is in progress, and the history shows the start and the report, in that order
    task = Task.objects.get(pk=mps_task.pk)
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.progress == 30
    assert _events(task) == ["created", "assigned", "started", "progress_reported"]
    started = TaskEvent.objects.get(task=task, action=TaskEventAction.STARTED)
    assert started.changes["status"] == {"old": "assigned", "new": "in_progress"}
    assert started.actor == world.mps_focal


def test_a_refused_first_report_does_not_start_the_task(world, mps_task):
    with pytest.raises(ValidationError):
        services.progress_report_submit(actor=world.mps_focal, task=mps_task, percent=140)
    task = Task.objects.get(pk=mps_task.pk)
    assert task.status == TaskStatus.ASSIGNED
    assert _events(task) == ["created", "assigned"]


def test_a_coordinators_contribution_does_not_start_the_task(world):
    task = services.task_create(
        actor=world.monitor,
        directive=world.directive,
        coordinating_agencies=[world.mic],
        **complete_task_fields(world),
    )
    task = services.task_assign(actor=world.monitor, task=task)
    services.progress_report_submit(actor=world.mic_focal, task=task, note="Data shared")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.ASSIGNED


def test_last_report_is_the_agencys_latest(world, mps_task):
    with at(dt.date(2025, 3, 1)):
        services.progress_report_submit(actor=world.mps_focal, task=mps_task, percent=20, note="Started")
    with at(dt.date(2025, 4, 1)):
        services.progress_report_submit(actor=world.mps_focal, task=mps_task, percent=55, note="Appraisal")
    latest = selectors.last_progress_report(task=mps_task, agency_id=world.mps.pk)
    assert (latest.percent, latest.note) == (55, "Appraisal")
    assert selectors.last_progress_report(task=mps_task, agency_id=world.mic.pk) is None


# --- reads: the morning view and the leader's officials ---------------------------------------


def test_morning_view_lists_what_became_overdue_since_yesterday(world):
    def make(deadline, title):
        fields = complete_task_fields(world, deadline=deadline, title=title)
        with at(dt.date(2025, 2, 25)):
            task = services.task_create(actor=world.monitor, directive=world.directive, **fields)
            return services.task_assign(actor=world.monitor, task=task)

    yesterday_due = make(dt.date(2025, 5, 31), "Due yesterday")
    make(dt.date(2025, 5, 20), "Overdue for long")
    make(dt.date(2025, 6, 1), "Due today")
    morning = selectors.morning_view(world.monitor, today=dt.date(2025, 6, 1))
    assert [t.pk for t in morning["newly_overdue"]] == [yesterday_due.pk]
    assert morning["since"] == dt.date(2025, 5, 31)
    # after a weekend, a Monday morning shows what fell overdue since Friday's view
    monday = selectors.morning_view(world.monitor, today=dt.date(2025, 6, 2), since=dt.date(2025, 5, 30))
    assert {t.title for t in monday["newly_overdue"]} == {"Due yesterday", "Due today"}


def test_officials_workload_counts_open_overdue_and_late(world):
    def make(deadline, who):
        fields = complete_task_fields(world, deadline=deadline, responsible_official=who)
        with at(dt.date(2025, 2, 25)):
            task = services.task_create(actor=world.monitor, directive=world.directive, **fields)
            return services.task_assign(actor=world.monitor, task=task)

    deputy = OfficialFactory(username="t.mps.deputy", agency=world.mps, role=Role.FOCAL_POINT)
    make(dt.date(2025, 5, 31), world.mps_focal)  # overdue on 01/06
    make(dt.date(2025, 6, 30), world.mps_focal)  # open, within
    late = make(dt.date(2025, 3, 31), deputy)
    with at(dt.date(2025, 4, 10)):
        services.task_submit(actor=deputy, task=late, result_summary="Done late")
    with at(dt.date(2025, 4, 12)):
        services.task_confirm(actor=world.monitor, task=late)
    rows = {
        o.username: o
        for o in selectors.agency_officials_workload(agency=world.mps, as_of=dt.date(2025, 6, 1))
    }
    assert (rows["t.mps.focal"].open_count, rows["t.mps.focal"].overdue_count) == (2, 1)
    assert (rows["t.mps.deputy"].open_count, rows["t.mps.deputy"].late_count) == (0, 1)
    assert rows["t.mps.leader"].open_count == 0
    assert "t.mic.focal" not in rows
