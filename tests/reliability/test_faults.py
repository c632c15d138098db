"""Faults on the real stack: each test stops or kills a real component (Redis, the SMTP
server, the Celery worker, a database connection) while work is under way, brings it back,
and counts what was attempted and what was lost. Lost must be zero.

Already proved in tests/notifications/test_delivery.py and not repeated here: SMTP down
(connection refused) then back, 451/550 answers, and one SIGKILL while a message is on the
wire. This file adds Redis down, SMTP hanging, repeated SIGKILLs at random moments, a
database connection terminated mid-request, and the sweep job running twice at once.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from notifications.choices import ReminderStatus
from notifications.models import CalendarOverride, Reminder
from notifications.services import reminders_sweep
from tasks.models import ProgressReport, Task, TaskEvent
from tests.factories import OfficialFactory, build_world
from tests.notifications.conftest import Worker, at, make_task, wait_for
from tests.reliability.conftest import WebClient, server_passwords, test_database_url

pytestmark = [pytest.mark.usefixtures("postgres_tx", "ladder")]
D = dt.date


def sent_count() -> int:
    return Reminder.objects.filter(status=ReminderStatus.SENT).count()


def tasks_due_today(world, count: int) -> list[Task]:
    """``count`` assigned tasks due today (real time: worker processes do not time-travel),
    each with its own responsible official, today made a working day."""
    today = timezone.localdate()
    CalendarOverride.objects.update_or_create(date=today, defaults={"is_working_day": True})
    world.directive.issued_on = today - dt.timedelta(days=60)
    world.directive.save()
    tasks = []
    for n in range(count):
        person = OfficialFactory(username=f"t.mps.duty{n}", agency=world.mps, supervisor=world.mps_leader)
        tasks.append(make_task(world, code=f"F-{n:03d}", deadline=today, responsible_official=person))
    return tasks


def send_via(redis_url: str) -> None:
    """Enqueue one send job on the broker at ``redis_url`` (as beat would)."""
    from config.celery_app import app

    with app.connection_for_write(redis_url) as conn:
        app.send_task("notifications.send_pending", connection=conn)


@pytest.mark.redis
@pytest.mark.celery
@pytest.mark.smtp
def test_redis_down_progress_is_saved_and_reminders_go_out_when_it_is_back(
    private_redis, smtp_server, gunicorn, settings, tmp_path, record
):
    # Given tasks due today, a worker and a web server both on a private Redis
    world = build_world()
    tasks = tasks_due_today(world, 6)
    worker = Worker(
        redis_url=private_redis.url,
        smtp_port=smtp_server.port,
        log_dir=tmp_path,
        NOTIFICATIONS_SEND_TIME="00:00",
    ).start(concurrency=1)
    server = gunicorn(workers=2, REDIS_URL=private_redis.url)
    server_passwords(world.mps_focal, world.monitor)
    focal = WebClient(server.port)
    focal.login("t.mps.focal")
    monitor = WebClient(server.port)
    monitor.login("t.monitor")
    try:
        # When Redis goes down
        private_redis.stop()
        # the focal point reports progress on every task, three times each
        attempted = saved = 0
        for round_ in range(3):
            for task in tasks:
                version = focal.version_of(task.pk)
                status, _, _ = focal.request(
                    "POST",
                    f"/tasks/{task.pk}/progress/",
                    {"version": version, "percent": 20 * (round_ + 1), "note": f"Vòng {round_ + 1}"},
                )
                attempted += 1
                saved += status == 302
        # the monitor's backlog (cached in Redis when it is up) is still counted
        dashboard, _, _ = monitor.request("GET", "/dashboard/")
        api_backlog, _, _ = monitor.request("GET", "/api/v1/reports/backlog/")
        # and the sweep writes the day's reminders, but cannot hand the send to the worker
        settings.NOTIFICATIONS_SEND_TIME = "00:00"
        swept = reminders_sweep()
        enqueue_failed = False
        try:
            send_via(private_redis.url)
        except Exception as exc:  # kombu's OperationalError once its retries are spent
            enqueue_failed = "Connection" in type(exc).__name__ or "Operational" in type(exc).__name__
        pending_while_down = Reminder.objects.filter(status=ReminderStatus.PENDING).count()
        # Then every progress report was saved while Redis was down
        assert saved == attempted == 18
        assert dashboard == 200 and api_backlog == 200
        assert ProgressReport.objects.count() == 18
        assert {t.progress for t in Task.objects.filter(pk__in=[t.pk for t in tasks])} == {60}
        assert enqueue_failed and pending_while_down == 6 and swept.tasks == 6
        # When Redis comes back on the same port
        private_redis.start()

        def delivered():
            send_via(private_redis.url)
            return sent_count() == 6

        wait_for(delivered, timeout=60, interval=2, what="the worker to reconnect and send")
    finally:
        worker.stop()
    # Then every reminder went out, once
    received = smtp_server.handler.message_ids()
    assert len(received) == 6 and smtp_server.handler.duplicates() == {}
    record(
        fault="Redis stopped while focal points report progress; sweep while down",
        progress_attempted=attempted,
        progress_saved=saved,
        reminders_written=pending_while_down,
        reminders_received=len(received),
        lost=attempted - saved + pending_while_down - len(set(received)),
        duplicates=len(received) - len(set(received)),
    )


@pytest.mark.redis
@pytest.mark.celery
@pytest.mark.smtp
def test_hanging_smtp_times_out_and_retries_with_backoff(start_worker, smtp_server, record):
    # Given 4 reminders and an SMTP server that hangs after the greeting of every recipient
    world = build_world()
    for n in range(4):
        person = OfficialFactory(username=f"t.mps.hang{n}", agency=world.mps, supervisor=world.mps_leader)
        make_task(world, code=f"H-{n}", deadline=D(2025, 5, 30), responsible_official=person)
    reminders_sweep(as_of=at("2025-05-23"))
    hang = threading.Event()
    hang.set()
    hangs = []

    def stall(count, address):
        hangs.append(address)
        while hang.is_set():
            time.sleep(0.05)

    smtp_server.handler.on_rcpt = stall
    started = timezone.now()
    start_worker(concurrency=1, EMAIL_TIMEOUT="2")
    from notifications.jobs import send_reminders

    send_reminders.delay()
    # When the sender meets the hang, it gives up after EMAIL_TIMEOUT and backs off
    wait_for(
        lambda: Reminder.objects.filter(attempts__gte=1, status=ReminderStatus.PENDING).exists(),
        timeout=30,
        what="a timed-out attempt to be recorded",
    )
    first = Reminder.objects.filter(attempts__gte=1).order_by("id").first()
    elapsed = (first.updated_at - started).total_seconds()
    assert "timed out" in first.error.lower() or "timeout" in first.error.lower(), first.error
    assert first.next_attempt_at > at("2025-05-23")  # not retried at once: backed off
    send_reminders.delay()  # a second try meets the hang again: the delay doubles
    wait_for(
        lambda: Reminder.objects.filter(attempts__gte=2).exists() or len(hangs) >= 2,
        timeout=30,
        what="a second attempt",
    )
    # When the server answers again
    hang.clear()
    smtp_server.handler.on_rcpt = None

    def retried():
        send_reminders.delay()
        return sent_count() == 4

    wait_for(retried, timeout=60, interval=1.5, what="the retries to go through")
    # Then all four arrived, none twice, and the worker was never stuck longer than the timeout
    ids = smtp_server.handler.message_ids()
    assert len(ids) == 4 and smtp_server.handler.duplicates() == {}
    attempts = sorted(Reminder.objects.values_list("attempts", flat=True))
    assert max(attempts) >= 2
    record(
        fault="SMTP server hangs at RCPT (EMAIL_TIMEOUT=2 s)",
        reminders=4,
        hangs_met=len(hangs),
        first_give_up_after_s=round(elapsed, 1),
        attempts_per_reminder=attempts,
        received=len(ids),
        lost=4 - len(set(ids)),
        duplicates=len(ids) - len(set(ids)),
    )


@pytest.mark.redis
@pytest.mark.celery
@pytest.mark.smtp
def test_worker_sigkilled_again_and_again_loses_nothing(start_worker, smtp_server, record):
    # Given 40 reminders and a worker with two processes sending batches of 5
    world = build_world()
    for n in range(40):
        person = OfficialFactory(username=f"t.mps.k{n}", agency=world.mps, supervisor=world.mps_leader)
        make_task(world, code=f"K-{n:02d}", deadline=D(2025, 5, 30), responsible_official=person)
    reminders_sweep(as_of=at("2025-05-23"))
    slow = lambda count, address: time.sleep(0.15)  # noqa: E731 (each message takes a while)
    smtp_server.handler.on_rcpt = slow
    env = {"NOTIFICATIONS_BATCH_SIZE": "5", "NOTIFICATIONS_CLAIM_LEASE_SECONDS": "3"}
    from notifications.jobs import send_reminders

    rng = random.Random(7)
    kills = 0
    # When the worker is SIGKILLed three times, each after a random number of new messages
    for _ in range(3):
        worker = start_worker(concurrency=2, **env)
        before = len(smtp_server.handler.messages)
        for _ in range(4):
            send_reminders.delay()
        # (never more than the 40 there are: a slow machine may send most of them before a kill)
        target = min(before + rng.randint(2, 6), 40)
        nudged = [time.monotonic()]

        def sent_some(t=target, nudged=nudged) -> bool:
            if len(smtp_server.handler.messages) >= t:
                return True
            # as the beat does: the rows a killed worker had claimed come back once their lease
            # (3 s) runs out, and only a send job started after that picks them up
            if time.monotonic() - nudged[0] > 2:
                send_reminders.delay()
                nudged[0] = time.monotonic()
            return False

        wait_for(sent_some, timeout=60, what="some messages")
        worker.kill()
        kills += 1
    smtp_server.handler.on_rcpt = None
    # Then a fresh worker, once the dead senders' leases have run out, sends the rest
    start_worker(concurrency=2, **env)

    def finished():
        send_reminders.delay()
        return sent_count() == 40

    wait_for(finished, timeout=90, interval=1.0, what="every reminder to be sent")
    ids = smtp_server.handler.message_ids()
    duplicates = smtp_server.handler.duplicates()
    missing = set(Reminder.objects.values_list("message_id", flat=True)) - set(ids)
    assert missing == set()
    # A message on the wire at the instant of a kill may go twice (same Message-ID, folded by
    # mail clients, docs/reminders.md); at most one per sender process per kill.
    assert sum(n - 1 for n in duplicates.values()) <= 2 * kills
    record(
        fault="Celery worker SIGKILLed 3 times mid-batch (2 processes, batches of 5)",
        reminders=40,
        kills=kills,
        received=len(ids),
        distinct=len(set(ids)),
        lost=len(missing),
        resent_in_flight=sum(n - 1 for n in duplicates.values()),
    )


def _backend_waiting_on_lock(dbname: str, timeout: float = 20.0) -> int:
    """The pid of the server backend of the request blocked on our lock."""
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:

        def find():
            row = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
                "AND pid <> pg_backend_pid()",
                [dbname],
            ).fetchone()
            return row[0] if row else None

        return wait_for(find, timeout=timeout, what="the request to wait on the lock")


def _admin_dsn() -> str:
    return test_database_url()


def test_database_connection_terminated_mid_request_leaves_no_partial_write(gunicorn, record):
    # Given a focal point on the web app (gunicorn, production settings) and an assigned task
    world = build_world()
    task = make_task(world, code="DB-1", deadline=D(2030, 5, 30))
    server = gunicorn(workers=2)
    server_passwords(world.mps_focal)
    focal = WebClient(server.port)
    focal.login("t.mps.focal")
    version = focal.version_of(task.pk)
    events_before = TaskEvent.objects.filter(task=task).count()
    dbname = connection.settings_dict["NAME"]
    outcomes = []
    # When the request has written the report and the task, and waits to write its history row
    with psycopg.connect(_admin_dsn()) as blocker:
        blocker.execute("LOCK TABLE tasks_taskevent IN EXCLUSIVE MODE")
        result = {}

        def post():
            form = {"version": version, "percent": 70, "note": "Nửa chừng"}
            result["response"] = focal.request("POST", f"/tasks/{task.pk}/progress/", form)

        thread = threading.Thread(target=post)
        thread.start()
        pid = _backend_waiting_on_lock(dbname)
        with psycopg.connect(_admin_dsn(), autocommit=True) as killer:
            # the request's database connection is cut from the outside
            assert killer.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        thread.join(30)
        blocker.rollback()
    status, _, body = result["response"]
    outcomes.append(status)
    # Then the user gets a clear error saying nothing was saved, and nothing was saved
    assert status == 503, (status, body[:300])
    assert "nothing was saved" in body.lower()
    task.refresh_from_db()
    assert task.version == version and task.progress == 0
    assert ProgressReport.objects.filter(task=task).count() == 0
    assert TaskEvent.objects.filter(task=task).count() == events_before
    # and the next request, on a fresh connection, works
    status, _, _ = focal.request(
        "POST", f"/tasks/{task.pk}/progress/", {"version": version, "percent": 70, "note": "Lần hai"}
    )
    outcomes.append(status)
    assert status == 302
    task.refresh_from_db()
    assert task.progress == 70 and ProgressReport.objects.filter(task=task).count() == 1
    record(
        fault="database backend terminated (pg_terminate_backend) mid-request, between writes",
        requests=2,
        statuses=outcomes,
        partial_writes=0,
        lost=0,
    )


@pytest.mark.redis
@pytest.mark.celery
@pytest.mark.smtp
def test_sweep_job_run_by_two_beats_at_once_writes_and_sends_each_reminder_once(
    start_worker, smtp_server, record
):
    from notifications.jobs import sweep_reminders

    # Given 50 tasks due today and two workers of two processes each
    world = build_world()
    tasks_due_today(world, 50)
    env = {"NOTIFICATIONS_SEND_TIME": "00:00", "NOTIFICATIONS_BATCH_SIZE": "10"}
    start_worker(concurrency=2, **env)
    start_worker(concurrency=2, **env)
    # When two beats fire the sweep at the same moment, twice over
    for _ in range(4):
        sweep_reminders.delay()
    wait_for(lambda: sent_count() == 50, timeout=90, what="50 reminders to be sent")
    time.sleep(2)  # let any duplicate sweep or send finish
    # Then each reminder was written once and received once
    rows = Reminder.objects.count()
    ids = smtp_server.handler.message_ids()
    assert rows == 50
    assert len(ids) == 50 and smtp_server.handler.duplicates() == {}
    record(
        fault="sweep job enqueued 4 times at once (two beats) on two workers (4 processes)",
        tasks_due=50,
        sweeps=4,
        rows_written=rows,
        received=len(ids),
        lost=50 - len(set(ids)),
        duplicates=len(ids) - len(set(ids)),
    )
