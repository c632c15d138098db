"""Reorganisations: merge, split, rename and dissolve carry open work to the successors, once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from agencies.choices import AgencyKind, ReorganisationKind, ReorganisationStatus, Role
from agencies.models import Agency, Official, ReorganisationEvent
from agencies.selectors import official_for_calendar_token
from agencies.services import official_calendar_token_reset
from tasks import services
from tasks.choices import AgencyAttribution, TaskStatus, TransferRole
from tasks.errors import ActionNotAllowed
from tasks.jobs import apply_due_reorganisations
from tasks.models import Task, TaskEvent, TaskTransfer
from tasks.reorganisation import (
    TRANSFERRED,
    reorganisation_apply,
    reorganisation_choose,
    reorganisation_preview,
    reorganisations_apply_due,
)
from tasks.selectors import backlog_by_lead_agency, clarity_by_agency, filter_lead_agency, task_list_for_user
from tests.factories import AgencyFactory, OfficialFactory, build_world, complete_task_fields

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The refusals are read in English here (the default language is Vietnamese)."""
    with translation.override("en"):
        yield


MARCH_1 = dt.date(2025, 3, 1)


def mic_task(world, code: str, **overrides) -> Task:
    people = {
        "lead_agency": world.mic,
        "responsible_official": world.mic_focal,
        "accountable_leader": world.mic_leader,
    }
    fields = complete_task_fields(world, **{**people, **overrides})
    task = services.task_create(actor=world.monitor, directive=world.directive, code=code, **fields)
    return services.task_assign(actor=world.monitor, task=task)


def complete(world, task: Task) -> Task:
    task = services.task_submit(actor=world.mic_focal, task=task, result_summary="Done")
    return services.task_confirm(actor=world.monitor, task=task)


def event(kind, predecessors, successors, **fields) -> ReorganisationEvent:
    fields.setdefault("effective_on", MARCH_1)
    fields.setdefault("document_number", "176/2025/QH15")
    fields.setdefault("document_date", dt.date(2025, 2, 18))
    created = ReorganisationEvent.objects.create(kind=kind, **fields)
    created.predecessors.set(predecessors)
    created.successors.set(successors)
    return created


@pytest.fixture
def most(world):
    return AgencyFactory(code="MOST", name_en="Ministry of Science and Technology")


@pytest.fixture
def most_people(most):
    leader = OfficialFactory(username="t.most.leader", agency=most, role=Role.LEADER)
    focal = OfficialFactory(username="t.most.focal", agency=most, role=Role.FOCAL_POINT)
    return leader, focal


def test_merge_moves_open_work_and_officials_and_keeps_closed_tasks(world, most):
    # given MIC leads an open and a completed task and coordinates an MPS task
    open_task = mic_task(world, "56/TB-VPCP/1")
    closed = complete(world, mic_task(world, "56/TB-VPCP/2"))
    coordinated = services.task_assign(
        actor=world.monitor,
        task=services.task_create(
            actor=world.monitor,
            directive=world.directive,
            code="56/TB-VPCP/3",
            coordinating_agencies=[world.mic, world.moj],
            **complete_task_fields(world),
        ),
    )
    world.mic_focal.set_password("focal-secret")
    world.mic_focal.save()
    feed_token = official_calendar_token_reset(official=world.mic_focal)
    merge = event(ReorganisationKind.MERGE, [world.mic], [most])

    # when the Government Office previews it
    plan = reorganisation_preview(event=merge)
    # then it lists what moves
    assert [m.task.code for m in plan.lead] == ["56/TB-VPCP/1"]
    assert [(m.task.code, m.from_agency.code, m.to_agency.code) for m in plan.coordinating] == [
        ("56/TB-VPCP/3", "MIC", "MOST")
    ]
    assert {m.official.username for m in plan.officials} == {"t.mic.focal", "t.mic.leader"}
    assert [o.username for o in plan.calendar_feeds] == ["t.mic.focal"]
    assert plan.closed_tasks == 1 and plan.ready

    # when it applies it
    result = reorganisation_apply(actor=world.monitor, event=merge)
    assert result.applied

    # then the open task is MOST's, with the transfer in its history under the document
    open_task.refresh_from_db()
    assert open_task.lead_agency == most
    entry = TaskEvent.objects.filter(task=open_task, action=TRANSFERRED).get()
    assert entry.note == "transferred from MIC to MOST under 176/2025/QH15 (18/02/2025)"
    assert entry.changes["lead_agency"] == {"old": "MIC", "new": "MOST"}
    assert entry.actor == world.monitor
    # and MOST coordinates in MIC's place
    assert set(coordinated.coordinating_agencies.values_list("code", flat=True)) == {"MOST", "MOJ"}
    # and the closed task stays credited to MIC
    closed.refresh_from_db()
    assert closed.lead_agency == world.mic and closed.status == TaskStatus.COMPLETED
    assert not TaskEvent.objects.filter(task=closed, action=TRANSFERRED).exists()
    # and the officials work at MOST with their login and feed intact
    focal = Official.objects.get(pk=world.mic_focal.pk)
    assert focal.agency == most and focal.check_password("focal-secret")
    assert official_for_calendar_token(feed_token) == focal
    # and MIC ended: out of the pickers, still in the register under its code
    mic = Agency.objects.get(code="MIC")
    assert not mic.is_active and mic.ended_on == MARCH_1 and mic.records_held_by == most
    # and the transfers are dated by the event
    assert set(TaskTransfer.objects.values_list("task__code", "role", "effective_on")) == {
        ("56/TB-VPCP/1", TransferRole.LEAD, MARCH_1),
        ("56/TB-VPCP/3", TransferRole.COORDINATING, MARCH_1),
    }
    merge.refresh_from_db()
    assert merge.status == ReorganisationStatus.APPLIED and merge.applied_by == world.monitor


def test_applying_twice_changes_nothing(world, most):
    task = mic_task(world, "56/TB-VPCP/1")
    merge = event(ReorganisationKind.MERGE, [world.mic], [most])
    reorganisation_apply(actor=world.monitor, event=merge)
    task.refresh_from_db()
    version, events, transfers = task.version, TaskEvent.objects.count(), TaskTransfer.objects.count()
    merge.refresh_from_db()
    applied_at = merge.applied_at

    again = reorganisation_apply(actor=world.monitor, event=merge)

    assert not again.applied
    task.refresh_from_db()
    merge.refresh_from_db()
    assert (task.version, TaskEvent.objects.count(), TaskTransfer.objects.count()) == (
        version,
        events,
        transfers,
    )
    assert merge.applied_at == applied_at


def test_only_a_monitor_applies(world, most):
    merge = event(ReorganisationKind.MERGE, [world.mic], [most])
    with pytest.raises(ActionNotAllowed):
        reorganisation_apply(actor=world.mic_focal, event=merge)
    merge.refresh_from_db()
    assert merge.status == ReorganisationStatus.SCHEDULED


def test_rename_moves_everything_to_the_new_code(world):
    task = mic_task(world, "56/TB-VPCP/1")
    renamed = AgencyFactory(code="MICT", name_en="Ministry of Information, Communications and Technology")
    reorganisation_apply(actor=world.monitor, event=event(ReorganisationKind.RENAME, [world.mic], [renamed]))
    task.refresh_from_db()
    assert task.lead_agency == renamed
    assert set(Official.objects.filter(agency=renamed).values_list("username", flat=True)) == {
        "t.mic.focal",
        "t.mic.leader",
    }


def test_split_refuses_a_task_without_a_successor_then_applies_the_choices(world, most):
    # given MIC splits into MOST and a new digital agency; two open tasks with their own people
    digital = AgencyFactory(code="DTA", name_en="Digital Transformation Agency")
    other_focal = OfficialFactory(username="t.mic.focal2", agency=world.mic, role=Role.FOCAL_POINT)
    other_leader = OfficialFactory(username="t.mic.leader2", agency=world.mic, role=Role.LEADER)
    first = mic_task(world, "56/TB-VPCP/1")
    second = mic_task(
        world, "56/TB-VPCP/2", responsible_official=other_focal, accountable_leader=other_leader
    )
    split = event(ReorganisationKind.SPLIT, [world.mic], [most, digital])

    # when applied with no choice made, it is refused, naming the tasks, and nothing moves
    with pytest.raises(ValidationError) as refused:
        reorganisation_apply(actor=world.monitor, event=split)
    assert any("56/TB-VPCP/1" in m for m in refused.value.messages)
    assert any("56/TB-VPCP/2" in m for m in refused.value.messages)
    first.refresh_from_db()
    assert first.lead_agency == world.mic and not TaskTransfer.objects.exists()

    # when the Government Office chooses per task (kept), and applies
    reorganisation_choose(actor=world.monitor, event=split, successor_for_task={first.pk: most})
    plan = reorganisation_preview(event=split, successor_for_task={second.pk: digital})
    assert plan.ready, plan.problems
    # the officials follow the tasks they answer for
    assert {m.official.username: m.to_agency.code for m in plan.officials} == {
        "t.mic.focal": "MOST",
        "t.mic.leader": "MOST",
        "t.mic.focal2": "DTA",
        "t.mic.leader2": "DTA",
    }
    reorganisation_apply(actor=world.monitor, event=split, successor_for_task={second.pk: digital})

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.lead_agency.code, second.lead_agency.code) == ("MOST", "DTA")
    assert Official.objects.get(username="t.mic.focal2").agency == digital
    # a split hands the records to nobody in particular
    assert Agency.objects.get(code="MIC").records_held_by is None


def test_split_refuses_people_who_would_leave_their_task(world, most):
    digital = AgencyFactory(code="DTA")
    task = mic_task(world, "56/TB-VPCP/1")
    split = event(ReorganisationKind.SPLIT, [world.mic], [most, digital])
    with pytest.raises(ValidationError) as refused:
        reorganisation_apply(
            actor=world.monitor,
            event=split,
            successor_for_task={task.pk: most},
            successor_for_official={world.mic_focal.pk: digital},
        )
    assert any("t.mic.focal answers for task 56/TB-VPCP/1" in m for m in refused.value.messages)


def test_dissolve_hands_open_work_to_the_chosen_agency(world):
    task = mic_task(world, "56/TB-VPCP/1")
    closed = complete(world, mic_task(world, "56/TB-VPCP/2"))
    dissolve = event(ReorganisationKind.DISSOLVE, [world.mic], [])
    with pytest.raises(ValidationError):
        reorganisation_apply(actor=world.monitor, event=dissolve)
    reorganisation_apply(
        actor=world.monitor,
        event=dissolve,
        successor_for_task={task.pk: world.mps},
        successor_for_official={world.mic_focal.pk: world.mps, world.mic_leader.pk: world.mps},
    )
    task.refresh_from_db()
    closed.refresh_from_db()
    assert task.lead_agency == world.mps and closed.lead_agency == world.mic
    assert Official.objects.get(username="t.mic.focal").agency == world.mps
    assert not Agency.objects.get(code="MIC").is_active


def test_permissions_after_a_move(world, most, most_people):
    # given a MIC open task and a MIC closed task, MIC merged into MOST
    moved = mic_task(world, "56/TB-VPCP/1")
    closed = complete(world, mic_task(world, "56/TB-VPCP/2"))
    merge = event(ReorganisationKind.MERGE, [world.mic], [most], successor_reads_records=False)
    reorganisation_apply(actor=world.monitor, event=merge)
    former_mic = Official.objects.get(username="t.mic.focal")
    most_focal = most_people[1]
    # then the former MIC focal point sees the task at MOST, and acts on it
    assert moved.pk in set(task_list_for_user(former_mic).values_list("pk", flat=True))
    services.task_start(actor=former_mic, task=moved.pk)
    # but not MIC's closed task, since this event gives MOST no access to MIC's records
    assert closed.pk not in set(task_list_for_user(former_mic).values_list("pk", flat=True))
    assert not former_mic.has_perm(
        "tasks.view_task", Task.objects.select_related("lead_agency").get(pk=closed.pk)
    )
    # and MOST's own focal point sees the moved task too
    assert moved.pk in set(task_list_for_user(most_focal).values_list("pk", flat=True))


def test_successor_reads_the_predecessors_closed_tasks_when_the_event_says_so(world, most, most_people):
    closed = complete(world, mic_task(world, "56/TB-VPCP/2"))
    reorganisation_apply(actor=world.monitor, event=event(ReorganisationKind.MERGE, [world.mic], [most]))
    most_focal = most_people[1]
    assert closed.pk in set(task_list_for_user(most_focal).values_list("pk", flat=True))
    closed = Task.objects.select_related("lead_agency").get(pk=closed.pk)
    assert most_focal.has_perm("tasks.view_task", closed)
    # reading is all: the closed task stays MIC's, and MOST cannot act on it as lead
    assert not most_focal.has_perm("tasks.change_task", closed)


def test_a_chain_of_events_hands_records_to_the_last_successor(world, most):
    reorganisation_apply(actor=world.monitor, event=event(ReorganisationKind.MERGE, [world.mic], [most]))
    later = AgencyFactory(code="MOSTI")
    reorganisation_apply(
        actor=world.monitor,
        event=event(ReorganisationKind.RENAME, [most], [later], effective_on=dt.date(2026, 1, 1)),
    )
    assert Agency.objects.get(code="MIC").records_held_by == later


def test_the_beat_applies_a_scheduled_event_on_its_date(world, most):
    # given a merge scheduled for 1 March 2025
    task = mic_task(world, "56/TB-VPCP/1")
    merge = event(ReorganisationKind.MERGE, [world.mic], [most])
    # the day before, the beat's job leaves it alone
    with time_machine.travel(dt.datetime(2025, 2, 28, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))):
        assert apply_due_reorganisations() == []
    task.refresh_from_db()
    assert task.lead_agency == world.mic
    # on the day it applies it, once, with no person as the actor
    with time_machine.travel(dt.datetime(2025, 3, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))):
        assert apply_due_reorganisations() == [merge.pk]
        assert apply_due_reorganisations() == []
    task.refresh_from_db()
    assert task.lead_agency == most
    assert TaskEvent.objects.get(task=task, action=TRANSFERRED).actor is None


def test_the_beat_skips_an_event_that_cannot_apply_and_goes_on(world, most):
    digital = AgencyFactory(code="DTA")
    mic_task(world, "56/TB-VPCP/1")
    split = event(ReorganisationKind.SPLIT, [world.mic], [most, digital])
    other = AgencyFactory(code="OLD", kind=AgencyKind.PROVINCE)
    merge = event(ReorganisationKind.MERGE, [other], [world.mps])
    assert reorganisations_apply_due(today=MARCH_1) == [merge.pk]
    split.refresh_from_db()
    assert split.status == ReorganisationStatus.SCHEDULED


def test_event_checks_its_shape(world, most):
    bad = event(ReorganisationKind.MERGE, [world.mic], [most, world.mps])
    assert not reorganisation_preview(event=bad).ready
    circular = event(ReorganisationKind.RENAME, [world.mic], [world.mic])
    assert any("cannot both end and continue" in p for p in reorganisation_preview(event=circular).problems)


# --- reports across the change ----------------------------------------------------------------


@pytest.fixture
def merged(world, most):
    """MIC leads an open and a completed task; MIC merged into MOST on 1 March 2025."""
    moved = mic_task(world, "56/TB-VPCP/1")
    closed = complete(world, mic_task(world, "56/TB-VPCP/2"))
    reorganisation_apply(actor=world.monitor, event=event(ReorganisationKind.MERGE, [world.mic], [most]))
    return moved, closed


def totals(rows) -> dict[str, int]:
    return {row["lead_agency__code"]: row["total"] for row in rows}


def test_backlog_as_of_a_date_shows_the_agencies_of_that_date(world, merged, django_assert_num_queries):
    # as of 15 February 2025 both tasks were MIC's
    with django_assert_num_queries(3):  # anything moved since? the grouped counts; the names
        before = backlog_by_lead_agency(Task.objects.all(), dt.date(2025, 2, 15))
    assert totals(before) == {"MIC": 2}
    # as of 1 June 2025 the open one is MOST's; the closed one stays credited to MIC
    assert totals(backlog_by_lead_agency(Task.objects.all(), dt.date(2025, 6, 1))) == {"MIC": 1, "MOST": 1}
    # as the agencies are today, MIC rolls into MOST
    today = backlog_by_lead_agency(Task.objects.all(), dt.date(2025, 6, 1), AgencyAttribution.TODAY)
    assert totals(today) == {"MOST": 2}
    # the day before the merge still counts under MIC
    assert totals(backlog_by_lead_agency(Task.objects.all(), dt.date(2025, 2, 28))) == {"MIC": 2}


def test_clarity_by_agency_follows_the_same_attribution(world, merged):
    rows = {row["lead_agency__code"]: row["tasks"] for row in clarity_by_agency(Task.objects.all())}
    assert rows == {"MIC": 1, "MOST": 1}
    as_of = clarity_by_agency(Task.objects.all(), as_of=dt.date(2025, 2, 15))
    assert {row["lead_agency__code"]: row["tasks"] for row in as_of} == {"MIC": 2}
    today = clarity_by_agency(Task.objects.all(), attribution=AgencyAttribution.TODAY)
    assert {row["lead_agency__code"]: row["tasks"] for row in today} == {"MOST": 2}


def test_the_clarity_page_shows_the_agencies_of_its_date(world, merged, client):
    client.force_login(world.monitor)

    def rows(query):
        page = client.get(f"/clarity/?{query}")
        assert page.status_code == 200, page.content[:500]
        return {row["lead_agency__code"]: row["tasks"] for row in page.context["by_agency"]}

    assert rows("as_of=2025-02-15") == {"MIC": 2}
    assert rows("as_of=2025-06-01") == {"MIC": 1, "MOST": 1}
    assert rows("as_of=2025-06-01&agencies=today") == {"MOST": 2}


@pytest.mark.usefixtures("merged")
def test_lead_agency_filter_by_an_old_code_and_with_predecessors(world, most):
    def codes(queryset):
        return sorted(queryset.values_list("code", flat=True))

    # the old code still finds MIC's tasks, the one it closed and the one it handed on
    assert codes(filter_lead_agency(Task.objects.all(), [world.mic.pk])) == ["56/TB-VPCP/1", "56/TB-VPCP/2"]
    # the successor alone has what it leads now; with its predecessors, MIC's too
    assert codes(filter_lead_agency(Task.objects.all(), [most.pk])) == ["56/TB-VPCP/1"]
    widened = filter_lead_agency(Task.objects.all(), [most.pk], include_predecessors=True)
    assert codes(widened) == ["56/TB-VPCP/1", "56/TB-VPCP/2"]
    # as of a date, the list behind a backlog number: MIC's as of February
    as_of = filter_lead_agency(Task.objects.all(), [world.mic.pk], as_of=dt.date(2025, 2, 15))
    assert codes(as_of) == ["56/TB-VPCP/1", "56/TB-VPCP/2"]
    assert codes(filter_lead_agency(Task.objects.all(), [most.pk], as_of=dt.date(2025, 2, 15))) == []


def test_a_draft_moves_too_and_an_ended_agency_takes_no_new_work(world, most):
    draft = services.task_create(
        actor=world.monitor,
        directive=world.directive,
        code="56/TB-VPCP/D",
        **complete_task_fields(
            world, lead_agency=world.mic, responsible_official=None, accountable_leader=None
        ),
    )
    reorganisation_apply(actor=world.monitor, event=event(ReorganisationKind.MERGE, [world.mic], [most]))
    draft.refresh_from_db()
    assert draft.lead_agency == most and draft.status == TaskStatus.DRAFT
    mic = Agency.objects.get(code="MIC")
    with pytest.raises(ValidationError) as refused:
        services.task_create(
            actor=world.monitor,
            directive=world.directive,
            coordinating_agencies=[mic],
            **complete_task_fields(
                world, lead_agency=mic, responsible_official=None, accountable_leader=None
            ),
        )
    assert "MIC ended on 1 Mar 2025" in str(refused.value.message_dict["lead_agency"])  # English
    assert "coordinating_agencies" in refused.value.message_dict


@pytest.mark.usefixtures("postgres_tx")
def test_two_applies_at_once_move_each_task_once():
    # given a merge that two beats (or a beat and a monitor) apply at the same moment
    world = build_world()
    most = AgencyFactory(code="MOST")
    for n in range(5):
        mic_task(world, f"56/TB-VPCP/{n}")
    merge = event(ReorganisationKind.MERGE, [world.mic], [most])
    barrier = threading.Barrier(2)
    outcomes = []

    def apply():
        try:
            barrier.wait()
            outcomes.append(reorganisation_apply(actor=None, event=merge).applied)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one of them applied it and the other found it applied: each task moved once
    assert sorted(outcomes) == [False, True]
    assert TaskTransfer.objects.count() == 5
    assert TaskEvent.objects.filter(action=TRANSFERRED).count() == 5
    assert set(Task.objects.values_list("lead_agency__code", flat=True)) == {"MOST"}


def test_task_list_export_as_of_a_date_names_the_agency_of_that_date(client, world, merged):
    # given MIC's open task moved to MOST on 1 March 2025 (the fixture)
    client.force_login(world.monitor)

    def lead_agencies(query: str) -> dict[str, str]:
        # every status: the list, and so its export, opens on the open tasks, and task 2 is closed
        every_status = "&".join(f"status={status}" for status in TaskStatus)
        response = client.get(f"/tasks/export.csv?{query}&{every_status}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        code, agency = rows[0].index("Code"), rows[0].index("Lead agency")
        return {row[code]: row[agency] for row in rows[1:]}

    # then as of February both rows name MIC; as of June the moved one names MOST
    mic = "Ministry of Information and Communications"
    most = "Ministry of Science and Technology"
    assert lead_agencies("as_of=2025-02-15") == {"56/TB-VPCP/1": mic, "56/TB-VPCP/2": mic}
    assert lead_agencies("as_of=2025-06-01") == {"56/TB-VPCP/1": most, "56/TB-VPCP/2": mic}
    # and as the agencies are today, both are MOST's
    assert set(lead_agencies("as_of=2025-06-01&agencies=today").values()) == {most}
