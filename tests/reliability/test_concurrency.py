"""Two people at once: edits of the same task race through the real server and PostgreSQL
(one wins, the other gets 412, nothing is lost), and a monitor approves extensions while the
sweep and the sender run (no reminder about the old deadline goes out after the approval)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from notifications.choices import ReminderStatus
from notifications.models import Reminder
from notifications.services import reminders_send_pending, reminders_sweep
from tasks import services
from tasks.models import ProgressReport, Task
from tests.api.conftest import token_for
from tests.factories import OfficialFactory, build_world
from tests.notifications.conftest import at, make_task
from tests.reliability.conftest import WebClient, server_passwords

pytestmark = [pytest.mark.usefixtures("postgres_tx")]
ROUNDS = 12


def race(*calls):
    """Run the calls at the same instant, each in its own thread; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_focal_points_saving_the_same_task_at_once_one_wins_one_gets_412(gunicorn, record):
    # Given two focal points of the lead agency, on the web app and on the API
    world = build_world()
    second = OfficialFactory(username="t.mps.focal2", agency=world.mps, role="focal_point")
    task = make_task(world, code="RACE-1", deadline=dt.date(2031, 5, 30))
    server_passwords(world.mps_focal, second)
    server = gunicorn(workers=3)
    one, two = WebClient(server.port), WebClient(server.port)
    one.login("t.mps.focal")
    two.login("t.mps.focal2")
    tokens = [token_for(u) for u in (world.mps_focal, second)]
    outcomes: dict[str, int] = {}
    for n in range(ROUNDS):
        # When both save the version they both read, at the same instant
        version = one.version_of(task.pk)
        if n % 2 == 0:
            results = race(
                lambda v=version, n=n: one.request(
                    "POST", f"/tasks/{task.pk}/progress/", {"version": v, "percent": n, "note": f"một {n}"}
                ),
                lambda v=version, n=n: two.request(
                    "POST",
                    f"/tasks/{task.pk}/progress/",
                    {"version": v, "percent": n + 1, "note": f"hai {n}"},
                ),
            )
        else:
            results = race(
                *[
                    lambda v=version, t=t, n=n: api_post(server.port, t, task.pk, v, n)
                    for t in tokens  # both with If-Match of the same version
                ]
            )
        statuses = sorted(r[0] for r in results)
        for status in statuses:
            outcomes[str(status)] = outcomes.get(str(status), 0) + 1
        # Then exactly one is saved and the other is told the task changed
        assert statuses in ([302, 412], [201, 412]), statuses
    task.refresh_from_db()
    assert ProgressReport.objects.filter(task=task).count() == ROUNDS
    # created 1, assigned 2, started by the first report (one step), one bump per winning save
    assert task.status == "in_progress"
    assert task.version == 3 + ROUNDS
    record(
        concurrency="two focal points save the same task at once (web and API, gunicorn 3 workers)",
        rounds=ROUNDS,
        statuses=outcomes,
        lost_updates=0,
    )


def api_post(port: int, token: str, task_id: int, version: int, n: int):
    import http.client

    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"percent": n, "note": f"api {n}"})
    connection_.request(
        "POST",
        f"/api/v1/tasks/{task_id}/progress-reports/",
        body=body,
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "If-Match": f'"{version}"',
        },
    )
    response = connection_.getresponse()
    text = response.read()
    connection_.close()
    return response.status, text


@pytest.mark.smtp
def test_extension_approved_while_the_sweep_and_sender_run_no_reminder_for_the_old_deadline(
    ladder, smtp_server, record
):
    # Given 60 tasks due 30/05/2025, each with a pending extension to 30/06/2025
    world = build_world()
    tasks = []
    for n in range(60):
        person = OfficialFactory(username=f"t.mps.ext{n}", agency=world.mps, supervisor=world.mps_leader)
        task = make_task(
            world, code=f"EXT-{n:02d}", deadline=dt.date(2025, 5, 30), responsible_official=person
        )
        services.extension_request_create(
            actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason="Cần thêm"
        )
        tasks.append(task)
    extensions = list(
        Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("extension_requests__id", "id")
    )
    approved_at: dict[int, dt.datetime] = {}
    stop = threading.Event()

    def approve_all():
        try:
            for extension_id, task_id in extensions:
                services.extension_request_decide(actor=world.monitor, extension=extension_id, approve=True)
                approved_at[task_id] = timezone.now()  # after the commit
        finally:
            connection.close()

    def sweep_and_send():
        try:
            reminders_sweep(as_of=at("2025-05-23"))
            while not stop.is_set():
                reminders_send_pending(now=at("2025-05-23"), batch_size=5)
                time.sleep(0.01)
        finally:
            connection.close()

    # When the monitor approves the extensions while the sweep writes and the sender sends
    sender = threading.Thread(target=sweep_and_send)
    sender.start()
    time.sleep(0.05)
    approver = threading.Thread(target=approve_all)
    approver.start()
    approver.join(120)
    stop.set()
    sender.join(120)
    reminders_send_pending(now=at("2025-05-23"))
    # Then no reminder about 30/05 was sent after its task's extension was approved
    old = Reminder.objects.filter(deadline=dt.date(2025, 5, 30))
    late = [
        r.pk
        for r in old.filter(status=ReminderStatus.SENT)
        if r.sent_at is not None and r.sent_at > approved_at[r.task_id]
    ]
    assert late == []
    # and what was not sent is marked superseded, not left pending; a new sweep writes no old rung
    assert not old.filter(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]).exists()
    reminders_sweep(as_of=at("2025-05-26"))
    reminders_send_pending(now=at("2025-05-26"))
    sent_old = old.filter(status=ReminderStatus.SENT).count()
    superseded = old.filter(status=ReminderStatus.SUPERSEDED).count()
    assert sent_old + superseded == old.count() <= 60  # tasks extended before the sweep got none
    assert smtp_server.handler.duplicates() == {}
    assert len(smtp_server.handler.messages) == sent_old
    record(
        concurrency="60 extensions approved while the sweep and the sender run",
        reminders_for_old_deadline=old.count(),
        sent_before_approval=sent_old,
        superseded=superseded,
        sent_after_approval=len(late),
    )
