"""An occurrence reported done while its reminder is being sent (issue 16): two connections at
once. The sender share-locks the task before it rechecks the occurrence, and every write that
completes an occurrence (a progress report) locks the task first; so a report that is not yet
committed holds the sender back, and once it commits the sender sees the occurrence done and
sends nothing."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from notifications.choices import ReminderStatus
from notifications.models import Reminder
from notifications.services import reminders_send_pending
from tasks.choices import OccurrenceStatus
from tasks.services import progress_report_submit
from tests.concurrency import in_thread, waiting_on_locks
from tests.factories import build_world
from tests.notifications.conftest import at, sweep_days
from tests.notifications.test_standing import monthly_report_task

D = dt.date
pytestmark = pytest.mark.usefixtures("postgres_tx", "ladder")


def test_an_occurrence_reported_while_its_reminder_is_sent_is_not_emailed():
    world = build_world()
    task = monthly_report_task(world)
    march = D(2025, 3, 20)
    sweep_days(D(2025, 3, 19), D(2025, 3, 21))
    # Given March's level 2 reminder waiting to be sent, and the agency's March report being
    # written in another connection, not yet committed:
    waiting = Reminder.objects.get(task=task, deadline=march, level=2, status=ReminderStatus.PENDING)
    mail.outbox.clear()
    reported, commit = threading.Event(), threading.Event()
    outcome: dict = {}

    def report():
        with transaction.atomic():
            with time_machine.travel(at("2025-03-24", 10), tick=False):
                progress_report_submit(actor=world.mps_focal, task=task.pk, note="Đã gửi báo cáo tháng 3.")
            reported.set()
            assert commit.wait(30)
        return "committed"

    reporter = in_thread(report, outcome, "report")
    assert reported.wait(30), outcome
    # When the sender claims the reminder and rechecks it meanwhile:
    sender = in_thread(lambda: reminders_send_pending(now=at("2025-03-24", 11)), outcome, "send")
    deadline = time.monotonic() + 10
    while waiting_on_locks() < 1 and sender.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    # it waits for the report's transaction (had it read the occurrence as open and sent, it
    # would have finished by now, with a message in the outbox)
    assert sender.is_alive() and waiting_on_locks() == 1, outcome
    assert mail.outbox == []
    commit.set()
    reporter.join(30)
    sender.join(30)
    # Then the report is in, the occurrence done, and the reminder cancelled without an email.
    assert outcome["report"] == "committed", outcome
    assert not isinstance(outcome["send"], Exception), outcome
    assert task.occurrences.get(due_on=march).status == OccurrenceStatus.COMPLETED
    waiting.refresh_from_db()
    assert waiting.status == ReminderStatus.CANCELLED
    assert waiting.error == "The occurrence is done."
    assert mail.outbox == []
