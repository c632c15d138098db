"""A bounded soak: gunicorn (production settings, SOAK_WORKERS workers) on loopback, a client
process (tests/reliability/soak_client.py) of SOAK_CLIENTS officials reading and reporting
progress through the web app and the API for SOAK_SECONDS, while this process sweeps the
reminders one day further every couple of seconds and sends them to a real SMTP server.

Reports the error rate and the latency percentiles; fails on any error, on any progress report
acknowledged but not in the database, and on any reminder lost or received twice.
`make test` runs it for a few seconds, `.ci/run` for ~30 s, `make soak` for minutes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading

import pytest
from django.db import connection

from notifications.choices import ReminderStatus
from notifications.models import Reminder
from notifications.services import reminders_send_pending, reminders_sweep
from tasks.models import ProgressReport
from tests.api.conftest import token_for
from tests.factories import OfficialFactory, build_world
from tests.notifications.conftest import ROOT, at, make_task
from tests.reliability.conftest import PASSWORD, server_passwords

SECONDS = float(os.environ.get("SOAK_SECONDS", "8"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "6"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "3"))


@pytest.mark.slow
@pytest.mark.smtp
@pytest.mark.usefixtures("ladder")
def test_soak_mixed_reads_reports_and_sweeps(gunicorn, smtp_server, tmp_path, record):
    # Given focal points each with their own task, a monitor, and 40 more tasks whose
    # deadlines the daily sweeps will pass
    world = build_world()
    plans = []
    for n in range(CLIENTS - 1):
        focal = OfficialFactory(username=f"t.mps.soak{n}", agency=world.mps, role="focal_point")
        task = make_task(world, code=f"SOAK-{n:02d}", deadline=dt.date(2025, 6, 2 + n % 20))
        plans.append({"username": focal.username, "task_id": task.pk, "monitor": False, "user": focal})
    plans.append(
        {"username": "t.monitor", "task_id": plans[0]["task_id"], "monitor": True, "user": world.monitor}
    )
    for n in range(40):
        person = OfficialFactory(username=f"t.mps.due{n}", agency=world.mps, supervisor=world.mps_leader)
        make_task(
            world, code=f"DUE-{n:02d}", deadline=dt.date(2025, 6, 2 + n % 25), responsible_official=person
        )
    server_passwords(*[p["user"] for p in plans])
    for plan in plans:
        plan["token"] = token_for(plan.pop("user"))
        plan["password"] = PASSWORD
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plans))
    server = gunicorn(workers=WORKERS)
    reports_before = ProgressReport.objects.count()
    # When the client process runs while this process sweeps day after day and sends
    stop = threading.Event()
    sweeps = []

    def sweeper():
        try:
            day = dt.date(2025, 5, 19)  # 10 working days before the first deadlines
            while not stop.wait(1.5):
                result = reminders_sweep(as_of=at(day))
                sent = reminders_send_pending(now=at(day))
                sweeps.append((day.isoformat(), result.pending, sent.messages))
                day += dt.timedelta(days=1)
        finally:
            connection.close()

    thread = threading.Thread(target=sweeper)
    thread.start()
    try:
        client = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.reliability.soak_client",
                "--port",
                str(server.port),
                "--seconds",
                str(SECONDS),
                "--plan",
                str(plan_path),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=SECONDS + 300,
        )
    finally:
        stop.set()
        thread.join(120)
    assert client.returncode == 0, client.stderr[-3000:]
    figures = json.loads(client.stdout.strip().splitlines()[-1])
    # Then no request failed, every acknowledged report is in the database, and every
    # reminder the sweeps wrote was received exactly once
    saved = ProgressReport.objects.count() - reports_before
    open_rows = Reminder.objects.filter(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]).count()
    reminders_sent = Reminder.objects.filter(status=ReminderStatus.SENT).count()
    received = smtp_server.handler.message_ids()
    record(
        load=f"soak: gunicorn {WORKERS} workers, {CLIENTS} client threads in a second process, sweeps",
        **{k: v for k, v in figures.items() if k != "error_samples"},
        progress_in_database=saved,
        sweeps=len(sweeps),
        reminders_sent=reminders_sent,
        reminders_received=len(received),
        duplicates=len(received) - len(set(received)),
    )
    assert figures["errors"] == 0, figures["error_samples"]
    assert figures["requests"] > 0 and figures["progress_saved"] > 0
    assert saved == figures["progress_saved"]
    assert sweeps and open_rows == 0
    assert len(received) == reminders_sent and smtp_server.handler.duplicates() == {}
