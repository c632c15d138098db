"""Pending reminders follow a task that a reorganisation moved, on PostgreSQL with the real
outbox: nothing pending is lost, nobody gets a rung twice, and the first email after the
move says so once."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core import mail

from agencies.choices import ReorganisationKind, Role
from agencies.models import ReorganisationEvent
from notifications.choices import ReminderStatus
from notifications.models import Reminder
from notifications.services import reminders_send_pending, reminders_sweep
from tasks.reorganisation import reorganisation_apply, reorganisation_preview
from tests.factories import AgencyFactory, OfficialFactory
from tests.notifications.conftest import at, make_task, naming

D = dt.date
pytestmark = pytest.mark.usefixtures("postgres", "ladder")

NOTE = (
    "This task was transferred from Ministry of Information and Communications"
    " to Ministry of Science and Technology under 176/2025/QH15"
)


def mic_task(world, code: str):
    return make_task(
        world,
        code=code,
        deadline=D(2025, 5, 30),
        lead_agency=world.mic,
        responsible_official=world.mic_focal,
        accountable_leader=world.mic_leader,
    )


def reorganisation(kind, predecessors, successors) -> ReorganisationEvent:
    event = ReorganisationEvent.objects.create(
        kind=kind,
        effective_on=D(2025, 6, 1),
        document_number="176/2025/QH15",
        document_date=D(2025, 2, 18),
    )
    event.predecessors.set(predecessors)
    event.successors.set(successors)
    return event


def keys(task) -> Counter:
    """How many times each person is named in each rung, over all of the task's messages."""
    return Counter(
        (row.rule_id, row.deadline, row.period, entry["user"])
        for row in Reminder.objects.filter(task=task)
        for entry in row.recipients
    )


def pending(task) -> set[tuple]:
    """(level, username) of everyone a pending message is for."""
    return {
        (row.level, entry["user"])
        for row in Reminder.objects.filter(task=task, status=ReminderStatus.PENDING)
        for entry in row.addressees
    }


@pytest.fixture
def most(world):
    most = AgencyFactory(code="MOST", name_en="Ministry of Science and Technology")
    OfficialFactory(username="t.most.focal", agency=most, role=Role.FOCAL_POINT)
    return most


def test_merge_readdresses_pending_reminders_to_the_successors_people(world, most):
    # given a MIC task one working day overdue: level 2 reaches MIC's focal point and leader
    task = mic_task(world, "56/TB-VPCP/R1")
    reminders_sweep(as_of=at("2025-06-02"))
    assert pending(task) == {(2, "t.mic.focal"), (2, "t.mic.leader")}
    merge = reorganisation(ReorganisationKind.MERGE, [world.mic], [most])
    assert reorganisation_preview(event=merge).hooks["reminders"][1] == 2

    # when MIC merges into MOST before they are sent
    plan = reorganisation_apply(actor=world.monitor, event=merge)

    # then the rung still reaches MIC's people (they moved with it) and now MOST's focal point
    assert plan.hooks["reminders"][1] == 1
    assert pending(task) == {(2, "t.mic.focal"), (2, "t.mic.leader"), (2, "t.most.focal")}
    # and nobody has a rung twice
    assert max(keys(task).values()) == 1
    # and applying again, or sweeping again the same day, adds nothing
    reorganisation_apply(actor=world.monitor, event=merge)
    reminders_sweep(as_of=at("2025-06-02"))
    assert max(keys(task).values()) == 1
    assert sum(keys(task).values()) == 3
    # and MOST's focal point joined the pending message in their language: still one row
    assert Reminder.objects.filter(task=task).count() == 1


def test_split_readdresses_away_from_people_the_task_left(world, most):
    # given a second MIC focal point, who will go to MOST while the task goes to a new agency
    other = OfficialFactory(username="t.mic.focal2", agency=world.mic, role=Role.FOCAL_POINT)
    digital = AgencyFactory(code="DTA", name_en="Digital Transformation Agency")
    dta_focal = OfficialFactory(username="t.dta.focal", agency=digital, role=Role.FOCAL_POINT)
    task = mic_task(world, "56/TB-VPCP/R2")
    reminders_sweep(as_of=at("2025-06-02"))
    assert (2, "t.mic.focal2") in pending(task)

    split = reorganisation(ReorganisationKind.SPLIT, [world.mic], [most, digital])
    reorganisation_apply(
        actor=world.monitor,
        event=split,
        successor_for_task={task.pk: digital},
        successor_for_official={other.pk: most},
    )

    # then the focal point who went elsewhere no longer gets it; the new agency's does
    assert pending(task) == {(2, "t.mic.focal"), (2, "t.mic.leader"), (2, dta_focal.username)}
    message = Reminder.objects.get(task=task, **naming(other))
    left = next(entry for entry in message.recipients if entry["id"] == other.pk)
    assert left["state"] == ReminderStatus.READDRESSED and "176/2025/QH15" in left["error"]
    assert max(keys(task).values()) == 1


def test_sent_reminders_are_left_alone(world, most):
    task = mic_task(world, "56/TB-VPCP/R3")
    reminders_sweep(as_of=at("2025-06-02"))
    reminders_send_pending(now=at("2025-06-02"))
    sent = set(Reminder.objects.filter(task=task, status=ReminderStatus.SENT).values_list("pk", flat=True))
    assert len(sent) == 1

    reorganisation_apply(
        actor=world.monitor, event=reorganisation(ReorganisationKind.MERGE, [world.mic], [most])
    )

    # a sent reminder is history: not re-addressed, not re-sent; MOST's focal point, who was not
    # reached, gets the rung on the next sweep
    assert (
        set(Reminder.objects.filter(task=task, status=ReminderStatus.SENT).values_list("pk", flat=True))
        == sent
    )
    reminders_sweep(as_of=at("2025-06-02", 9))
    assert pending(task) == {(2, "t.most.focal")}


def test_the_first_reminder_after_the_move_says_so_once(world, most):
    task = mic_task(world, "56/TB-VPCP/R4")
    reminders_sweep(as_of=at("2025-06-02"))
    reorganisation_apply(
        actor=world.monitor, event=reorganisation(ReorganisationKind.MERGE, [world.mic], [most])
    )

    # the first emails after the move name it
    reminders_send_pending(now=at("2025-06-02"))
    first = {address: m for m in mail.outbox for address in m.to}
    assert set(first) == {world.mic_focal.email, world.mic_leader.email, "t.most.focal@example.gov.vn"}
    for message in first.values():
        assert NOTE in message.body
        assert "<em>" + NOTE in message.alternatives[0][0]

    # the next rung, days later, reaches the monitor for the first time: the message says it again
    mail.outbox.clear()
    reminders_sweep(as_of=at("2025-06-06"))
    reminders_send_pending(now=at("2025-06-06"))
    later = {address: m for m in mail.outbox for address in m.to}
    assert world.mic_focal.email in later and world.monitor.email in later
    assert NOTE in later[world.monitor.email].body
    # and the one after, to people who have all been told, does not
    mail.outbox.clear()
    reminders_sweep(as_of=at("2025-06-13"))
    reminders_send_pending(now=at("2025-06-13"))
    assert mail.outbox and all(NOTE not in m.body for m in mail.outbox)
    assert Reminder.objects.filter(task=task, status=ReminderStatus.SENT).count() == 3
