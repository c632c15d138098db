"""The outbox at volume: two senders claiming at once split the rows without overlap, and the
worker sends over one reused SMTP connection per batch. Speed is not asserted here: it is
measured by `make bench` (docs/benchmarks.md); the rates are printed for a look."""

import datetime as dt
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from notifications.choices import ReminderStatus
from notifications.jobs import send_reminders
from notifications.models import EscalationRule, Reminder
from notifications.services import senders_needed
from notifications.services.delivery import _claim
from tests.factories import build_world
from tests.notifications.conftest import free_port, make_task, wait_for

pytestmark = [pytest.mark.usefixtures("ladder")]


def fill_outbox(count: int) -> None:
    """``count`` pending messages of one task to one official (the period keeps them distinct)."""
    world = build_world()
    task = make_task(world, code="56/TB-VPCP/P", deadline=dt.date(2025, 5, 30))
    rule = EscalationRule.objects.get(offset=5)
    now = timezone.now() - dt.timedelta(minutes=1)
    Reminder.objects.bulk_create(
        (
            Reminder(
                task=task,
                rule=rule,
                deadline=task.deadline,
                period=n,
                level=3,
                due_on=dt.date(2025, 6, 6),
                recipients=[
                    {
                        "id": world.mps_focal.pk,
                        "user": world.mps_focal.username,
                        "name": world.mps_focal.username,
                        "email": world.mps_focal.email,
                        "language": "en",
                        "state": "to",
                    }
                ],
                language="en",
                next_attempt_at=now,
            )
            for n in range(count)
        ),
        batch_size=2000,
    )


@pytest.mark.usefixtures("postgres_tx")
def test_two_senders_claim_every_row_once_between_them():
    count = 10_000
    fill_outbox(count)
    claimed: list[list[int]] = [[], []]

    def sender(slot: int) -> None:
        try:
            while ids := _claim(now=timezone.now(), limit=500, token=uuid.uuid4()):
                claimed[slot].extend(ids)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender, args=(slot,)) for slot in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    print(f"claimed {count} rows with two senders in {elapsed:.2f}s: {rate:,.0f} rows/s")
    # Every row claimed exactly once, by one sender or the other, and fast
    assert sorted(claimed[0] + claimed[1]) == sorted(Reminder.objects.values_list("id", flat=True))
    assert claimed[0] and claimed[1]
    assert Reminder.objects.filter(status=ReminderStatus.SENDING).count() == count


@pytest.fixture
def smtp_sink(tmp_path):
    """An SMTP server in its own process (so it does not share this one's interpreter lock)."""
    port = free_port()
    received = tmp_path / "received.txt"
    received.touch()
    sink = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("smtp_sink.py")), str(port), str(received)],
        stdout=subprocess.PIPE,
    )
    assert sink.stdout.readline().strip() == b"ready"
    yield port, received
    sink.terminate()
    sink.wait(10)


@pytest.mark.smtp
@pytest.mark.celery
@pytest.mark.redis
def test_worker_sends_thousands_once_each_over_one_connection_per_batch(start_worker, smtp_sink):
    # Given 3,000 due reminders
    port, received = smtp_sink
    count = 3000
    fill_outbox(count)
    start_worker(concurrency=2, EMAIL_PORT=str(port), NOTIFICATIONS_BATCH_SIZE="500")
    # When the sweep's two send jobs run on the worker's two processes
    started = time.perf_counter()
    for _ in range(senders_needed(count)):
        send_reminders.delay()
    wait_for(
        lambda: Reminder.objects.filter(status=ReminderStatus.SENT).count() == count,
        timeout=120,
        interval=0.2,
        what="every reminder to be sent",
    )
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    print(f"sent {count} reminders in {elapsed:.2f}s: {rate:,.0f}/s ({10_000 / rate:.0f}s for 10,000)")
    lines = [line.split() for line in received.read_text().splitlines()]
    # Then each arrived once, over one SMTP session per batch of 500
    assert sorted(mid for _, mid in lines) == sorted(Reminder.objects.values_list("message_id", flat=True))
    assert len({session for session, _ in lines}) == count // 500
