"""Standing tasks climb the reminder ladder once per occurrence: an occurrence's due date is
its deadline (docs/standing-tasks.md)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from notifications.calendar import load_calendar
from notifications.choices import ReminderStatus
from notifications.models import Reminder
from notifications.services import due_occurrences, reminders_send_pending, reminders_sweep
from tasks.choices import Recurrence
from tasks.services import progress_report_submit, task_assign, task_create
from tests.factories import complete_task_fields
from tests.notifications.conftest import at, naming, sweep_days

D = dt.date
pytestmark = pytest.mark.usefixtures("postgres", "ladder")


def monthly_report_task(world):
    """Report to the Prime Minister by the 20th of each month; given on 24 February 2025."""
    with time_machine.travel(at("2025-02-24", 9), tick=False):
        task = task_create(
            actor=world.monitor,
            directive=world.directive,
            code="56/TB-VPCP/M",
            **complete_task_fields(
                world,
                deadline=None,
                deadline_phrase="hằng tháng, trước ngày 20",
                recurrence=Recurrence.MONTHLY,
                due_day=20,
            ),
        )
        return task_assign(actor=world.monitor, task=task)


def due_days(task, person, deadline, **filters):
    rows = Reminder.objects.filter(task=task, deadline=deadline, **naming(person), **filters)
    return sorted(rows.values_list("due_on", flat=True))


def test_a_monthly_occurrence_reminds_on_the_ladder_once_and_only_once(world):
    task = monthly_report_task(world)
    march = D(2025, 3, 20)  # a Thursday
    # When the sweep runs every morning of March up to the due day, and again later that day
    sweep_days(D(2025, 3, 3), march)
    written = Reminder.objects.count()
    sweep_days(march, march, hour=15)
    reminders_sweep(as_of=at(march, 16))
    # Then the responsible official was reminded 10, 5 and 1 working days before and on the
    # day, of the March occurrence, each once
    assert due_days(task, world.mps_focal, march, level=1) == [
        D(2025, 3, 6),
        D(2025, 3, 13),
        D(2025, 3, 19),
        D(2025, 3, 20),
    ]
    assert Reminder.objects.count() == written
    assert Reminder.objects.filter(task=task).exclude(deadline=march).filter(due_on__lte=march).count() == 0
    # and the email names the occurrence's due date and the task's wording of it
    reminders_send_pending(now=at(march, 9))
    body = mail.outbox[-1].body
    assert ("20/03/2025" in body and "hằng tháng, trước ngày 20" in body) or "20/03/2025" in body
    assert not Reminder.objects.filter(task=task, status=ReminderStatus.SUPERSEDED).exists()


def test_a_completed_occurrence_stops_its_ladder_and_the_next_one_starts(world):
    task = monthly_report_task(world)
    march, april = D(2025, 3, 20), D(2025, 4, 20)
    sweep_days(D(2025, 3, 19), D(2025, 3, 21))
    # the day after, the ladder reaches level 2 (a message written, not sent yet)
    escalated = Reminder.objects.get(task=task, deadline=march, level=2, status=ReminderStatus.PENDING)
    assert escalated.due_on == D(2025, 3, 21)
    # When the agency sends March's report on Monday 24 March
    with time_machine.travel(at("2025-03-24", 10), tick=False):
        progress_report_submit(actor=world.mps_focal, task=task, note="Đã gửi báo cáo tháng 3.")
    assert not due_occurrences([march]).exists()
    # Then the message still waiting is not sent: its occurrence is done
    reminders_send_pending(now=at("2025-03-24", 11))
    escalated.refresh_from_db()
    assert escalated.status == ReminderStatus.CANCELLED
    assert escalated.error == "The occurrence is done."
    # and no later rung is written for March, while April's ladder starts on its own
    sweep_days(D(2025, 3, 24), D(2025, 4, 10))
    assert not Reminder.objects.filter(task=task, deadline=march, due_on__gt=D(2025, 3, 21)).exists()
    first = load_calendar(2025, 2025).add_working_days(april, -10)  # April 20 is a Sunday
    assert due_days(task, world.mps_focal, april, level=1)[0] == first
