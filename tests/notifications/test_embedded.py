"""The embedded mode (`make run`: SQLite, no Redis, no beat): `runserver` alone sends the
reminders on schedule, to files, and the autoreloader does not start the scheduler twice."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from notifications import scheduler
from tests.notifications.conftest import ROOT, free_port, wait_for

SETUP = """
import datetime as dt
from django.utils import timezone
from notifications.models import CalendarOverride
from tasks.services import task_assign, task_create
from tests.factories import build_world, complete_task_fields

today = timezone.localdate()
CalendarOverride.objects.update_or_create(date=today, defaults={"is_working_day": True})
world = build_world()
world.directive.issued_on = today - dt.timedelta(days=30)
world.directive.save()
task = task_create(actor=world.monitor, directive=world.directive, code="56/TB-VPCP/EMB",
                   **complete_task_fields(world, deadline=today))
task_assign(actor=world.monitor, task=task)
"""


def test_should_start_only_in_the_serving_process(settings):
    settings.NOTIFICATIONS_EMBEDDED_SCHEDULER = True
    assert scheduler.should_start(["manage.py", "runserver"], {"RUN_MAIN": "true"})
    assert not scheduler.should_start(["manage.py", "runserver"], {})  # the reloader's watcher
    assert scheduler.should_start(["manage.py", "runserver", "--noreload"], {})
    assert not scheduler.should_start(["manage.py", "migrate"], {"RUN_MAIN": "true"})
    assert not scheduler.should_start(["celery", "worker"], {})
    settings.NOTIFICATIONS_EMBEDDED_SCHEDULER = False
    assert not scheduler.should_start(["manage.py", "runserver"], {"RUN_MAIN": "true"})


def test_runserver_alone_sends_the_days_reminders_to_files(tmp_path):
    # Given an embedded install (SQLite, no REDIS_URL) with a task due today
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "EMAIL_BACKEND")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        NOTIFICATIONS_SEND_TIME="00:00",
        NOTIFICATIONS_EMBEDDED_INTERVAL_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=300)
    subprocess.run([*manage, "shell", "-c", SETUP], env=env, cwd=ROOT, check=True, timeout=120)
    # When only `runserver` runs, with its autoreloader (two processes)
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{free_port()}"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    mail_dir = Path(env["EMAIL_FILE_PATH"])

    def message_ids() -> list[str]:
        if not mail_dir.exists():
            return []
        text = "".join(path.read_text(errors="replace") for path in mail_dir.iterdir())
        return re.findall(r"^Message-ID: (\S+)", text, flags=re.MULTILINE)

    try:
        wait_for(message_ids, timeout=60, interval=0.5, what="the scheduler to write the email")
        time.sleep(3)  # a few more ticks: a second scheduler would send again
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(15)
        log.close()
    # Then the reminder was written to a file, once, by one scheduler
    ids = message_ids()
    output = (tmp_path / "server.log").read_text(errors="replace")
    assert len(ids) == 1, output[-3000:]
    assert ids[0].startswith("<reminder.")
    assert output.count("Embedded reminder scheduler started") == 1
    body = "".join(path.read_text(errors="replace") for path in mail_dir.iterdir())
    assert "56/TB-VPCP/EMB" in body
