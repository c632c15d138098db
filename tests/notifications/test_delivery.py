"""Delivery on the real stack: PostgreSQL (committed rows), Redis, a `celery worker` process
and an aiosmtpd server on loopback. Each test says what was attempted and checks that
nothing was lost and nothing was sent twice, by Message-ID."""

import datetime as dt
import threading

import pytest

from notifications.choices import ReminderStatus
from notifications.jobs import send_reminders
from notifications.models import Reminder
from notifications.services import reminders_send_pending, reminders_sweep
from tests.factories import OfficialFactory, build_world
from tests.notifications.conftest import at, make_task, wait_for

D = dt.date
pytestmark = [
    pytest.mark.redis,
    pytest.mark.celery,
    pytest.mark.smtp,
    pytest.mark.usefixtures("postgres_tx", "ladder"),
]


def statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Reminder.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def all_sent(expected: int):
    return lambda: Reminder.objects.filter(status=ReminderStatus.SENT).count() == expected


def drained():
    """Wait until the worker has taken every queued job and finished it."""
    from config.celery_app import app

    def idle():
        with app.connection_for_write() as conn:
            queued = conn.default_channel.client.llen("celery")
        active = app.control.inspect(timeout=0.5).active() or {}
        return queued == 0 and active and not any(active.values())

    wait_for(idle, what="the worker to finish its jobs")


DEADLINE = D(2025, 5, 30)


def many_tasks(world, count: int, deadline=DEADLINE):
    """``count`` tasks, each with its own responsible official, all due on one day."""
    for n in range(count):
        person = OfficialFactory(username=f"t.mps.staff{n}", agency=world.mps, supervisor=world.mps_leader)
        make_task(world, code=f"56/TB-VPCP/B{n:03d}", deadline=deadline, responsible_official=person)


def test_a_due_reminder_is_received_once(start_worker, smtp_server):
    # Given one task 5 working days before its deadline, swept
    world = build_world()
    task = make_task(world, code="56/TB-VPCP/R1", deadline=D(2025, 5, 30))
    reminders_sweep(as_of=at("2025-05-23"))
    reminder = Reminder.objects.get(task=task)
    # When the worker runs the send job
    start_worker()
    send_reminders.delay()
    wait_for(all_sent(1), what="the reminder to be sent")
    # Then the official received it once, with the reminder's Message-ID
    reminder.refresh_from_db()
    received = smtp_server.handler.to(world.mps_focal.email)
    assert len(received) == 1 and received[0]["Message-ID"] == reminder.message_id
    assert reminder.message_id == f"<reminder.{reminder.pk}.{task.pk}.20250530@fiveclear.gov.vn>"
    assert "56/TB-VPCP/R1" in received[0]["Subject"]
    assert received[0].get_body(("html",)) is not None and received[0].get_body(("plain",)) is not None
    # and sweeping and sending again sends nothing more
    reminders_sweep(as_of=at("2025-05-23"))
    send_reminders.delay()
    send_reminders.delay()
    drained()
    assert Reminder.objects.count() == 1
    assert len(smtp_server.handler.messages) == 1


def test_two_sweeps_and_three_senders_at_once_send_each_reminder_once(start_worker, smtp_server):
    # Given 30 tasks due in 5 working days
    world = build_world()
    many_tasks(world, 30)
    # When two sweeps run at the same time, for the same instant
    threads = [threading.Thread(target=reminders_sweep, kwargs={"as_of": at("2025-05-23")}) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Reminder.objects.filter(status=ReminderStatus.PENDING).count() == 30
    # and three senders claim in small batches at once: two worker processes and this one
    start_worker(concurrency=2, NOTIFICATIONS_BATCH_SIZE="4")
    send_reminders.delay()
    send_reminders.delay()
    reminders_send_pending(batch_size=4)
    wait_for(all_sent(30), what="30 reminders to be sent")
    # Then 30 messages arrived, no Message-ID twice, each matching its row
    ids = smtp_server.handler.message_ids()
    assert len(ids) == 30 and smtp_server.handler.duplicates() == {}
    assert set(ids) == set(Reminder.objects.values_list("message_id", flat=True))


def test_smtp_down_then_back_sends_later_and_loses_nothing(start_worker, smtp_server):
    world = build_world()
    many_tasks(world, 5)
    reminders_sweep(as_of=at("2025-05-23"))
    start_worker()
    # Given the SMTP server down
    smtp_server.stop()
    send_reminders.delay()
    wait_for(
        lambda: Reminder.objects.filter(status=ReminderStatus.PENDING, attempts=1).count() == 5,
        what="the failed attempt to be recorded",
    )
    row = Reminder.objects.first()
    assert "Connection refused" in row.error or "ConnectionRefused" in row.error
    assert row.next_attempt_at > at("2025-05-23")  # backed off
    # When it comes back on the same port and the next send runs after the backoff
    smtp_server.start()

    def retried():
        send_reminders.delay()
        return all_sent(5)()

    wait_for(retried, timeout=30, interval=1.5, what="the retries to go through")
    # Then every reminder arrived, once
    assert len(smtp_server.handler.messages) == 5 and smtp_server.handler.duplicates() == {}
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {2}


def test_temporary_refusal_retries_and_permanent_refusal_fails(start_worker, smtp_server):
    world = build_world()
    many_tasks(world, 3)
    reminders_sweep(as_of=at("2025-05-23"))
    refused = "t.mps.staff1@example.gov.vn"
    smtp_server.handler.reject.add(refused)
    smtp_server.handler.tempfail = True
    start_worker()
    send_reminders.delay()
    wait_for(
        lambda: Reminder.objects.filter(status=ReminderStatus.PENDING, attempts=1).count() == 2,
        what="451s to be retried later",
    )
    failed = Reminder.objects.get(recipients__contains=[{"email": refused}])
    assert failed.status == ReminderStatus.FAILED and failed.error.startswith("550")
    smtp_server.handler.tempfail = False

    def retried():
        send_reminders.delay()
        return all_sent(2)()

    wait_for(retried, timeout=30, interval=1.5, what="the 451s to be sent")
    assert len(smtp_server.handler.messages) == 2
    assert statuses() == {ReminderStatus.SENT: 2, ReminderStatus.FAILED: 1}


def test_worker_killed_mid_batch_every_reminder_sent_none_twice(start_worker, smtp_server):
    # Given 12 reminders, all in one batch
    world = build_world()
    many_tasks(world, 12)
    reminders_sweep(as_of=at("2025-05-23"))
    stalled = threading.Event()
    release = threading.Event()

    def stall_fifth(count, address):
        if count == 5:
            stalled.set()
            release.wait(30)

    smtp_server.handler.on_rcpt = stall_fifth
    worker = start_worker(concurrency=1, NOTIFICATIONS_BATCH_SIZE="12", NOTIFICATIONS_CLAIM_LEASE_SECONDS="3")
    send_reminders.delay()
    # When the worker is SIGKILLed while the fifth message is on the wire
    assert stalled.wait(30), worker.output()[-2000:]
    worker.kill()
    release.set()
    smtp_server.handler.on_rcpt = None
    # Then the four sent before are marked sent, the rest still leased to the dead sender
    assert statuses() == {ReminderStatus.SENT: 4, ReminderStatus.SENDING: 8}
    # and once the lease runs out, a new worker sends the other eight
    start_worker(concurrency=1, NOTIFICATIONS_CLAIM_LEASE_SECONDS="3")

    def resumed():
        send_reminders.delay()
        return all_sent(12)()

    wait_for(resumed, timeout=40, interval=1.0, what="the rest to be sent after the lease")
    ids = smtp_server.handler.message_ids()
    assert smtp_server.handler.duplicates() == {}
    assert sorted(ids) == sorted(Reminder.objects.values_list("message_id", flat=True))
    assert len(ids) == 12


def test_beat_path_sweep_job_then_send_job_on_the_worker(start_worker, smtp_server):
    from django.utils import timezone

    from notifications.jobs import sweep_reminders
    from notifications.models import CalendarOverride

    # Given a task due today (real time: the worker does not travel), today a working day
    world = build_world()
    today = timezone.localdate()
    CalendarOverride.objects.update_or_create(date=today, defaults={"is_working_day": True})
    world.directive.issued_on = today - dt.timedelta(days=30)
    world.directive.save()
    task = make_task(world, code="56/TB-VPCP/BEAT", deadline=today)
    start_worker(NOTIFICATIONS_SEND_TIME="00:00")
    # When beat fires the sweep job (twice, as two beats would)
    sweep_reminders.delay()
    sweep_reminders.delay()
    # Then the sweep job writes the reminder and enqueues the send, which delivers it once
    wait_for(all_sent(1), what="the sweep job to lead to a sent reminder")
    drained()
    received = smtp_server.handler.to(world.mps_focal.email)
    assert len(received) == 1 and "56/TB-VPCP/BEAT" in received[0]["Subject"]
    assert Reminder.objects.get().task == task and Reminder.objects.get().rule.offset == 0
