"""Fixtures for the reminder tests: the ladder, tasks at a deadline, a real SMTP server on
loopback (aiosmtpd) that records what it receives and can refuse or stall, and a real
Celery worker process on the test database."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

from notifications.defaults import install_defaults
from notifications.models import CalendarOverride, EscalationRule
from tasks.services import task_assign, task_create
from tests.conftest import database_url as test_database_url
from tests.factories import DirectiveFactory, complete_task_fields

ROOT = Path(__file__).resolve().parents[2]
HANOI = timezone.get_fixed_timezone(7 * 60)


def at(day: dt.date | str, hour: int = 8, minute: int = 0) -> dt.datetime:
    """An instant in Hanoi time."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=HANOI)


@pytest.fixture
def ladder(db):
    """The default ladder (a transactional test's flush removes the migration's rows)."""
    install_defaults(EscalationRule, CalendarOverride)
    return list(EscalationRule.objects.all())


@pytest.fixture
def early_directive(world):
    """A directive issued early enough for deadlines around Tết 2025."""
    return DirectiveFactory(number="9/TB-VPCP", issued_on=dt.date(2024, 12, 2), issuing_agency=world.go)


def make_task(world, *, code: str, deadline: dt.date, directive=None, **overrides):
    """An assigned task of the world with all five clears."""
    task = task_create(
        actor=world.monitor,
        directive=directive or world.directive,
        code=code,
        **complete_task_fields(world, deadline=deadline, **overrides),
    )
    return task_assign(actor=world.monitor, task=task)


def naming(person, *, state: str | None = None) -> dict:
    """A filter for the outbox rows whose ``recipients`` name ``person`` (in ``state``):
    JSON containment, on PostgreSQL."""
    entry = {"id": person.pk} if state is None else {"id": person.pk, "state": state}
    return {"recipients__contains": [entry]}


def usernames(rows) -> set[str]:
    """Everyone the rows are for ("to")."""
    return {entry["user"] for row in rows for entry in row.addressees}


def sweep_days(start: dt.date, end: dt.date, *, hour: int = 8):
    """Run the sweep as beat would, once a day at ``hour`` from start to end (time travel)."""
    from notifications.services import reminders_sweep

    results = []
    day = start
    while day <= end:
        with time_machine.travel(at(day, hour), tick=False):
            results.append(reminders_sweep())
        day += dt.timedelta(days=1)
    return results


# --- SMTP ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """An aiosmtpd handler that keeps every message it accepts.

    ``reject`` holds addresses refused for good (550); ``tempfail`` makes every recipient
    wait (451); ``on_rcpt`` is called (in a thread) before a recipient is accepted, so a test
    can stall the sender at a known point.
    """

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()
        self.reject: set[str] = set()
        self.tempfail = False
        self.on_rcpt = None
        self.rcpt_count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 Mailbox does not exist"
        if self.tempfail:
            return "451 4.3.0 Mailbox busy, try again later"
        with self.lock:
            self.rcpt_count += 1
            count = self.rcpt_count
        if self.on_rcpt is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.on_rcpt, count, address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]

    def duplicates(self) -> dict[str, int]:
        return {mid: n for mid, n in Counter(self.message_ids()).items() if n > 1}

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in m["To"]]


class SmtpServer:
    """A real SMTP server on a loopback port that can be stopped and started again."""

    def __init__(self):
        self.port = free_port()
        self.handler = RecordingHandler()
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(settings):
    """aiosmtpd on loopback; this process's email goes to it too."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.handler.on_rcpt = None
    server.stop()


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")


# --- Celery worker --------------------------------------------------------------------------


class Worker:
    """A real `celery -A config worker` process on the test database and the test broker."""

    def __init__(self, *, redis_url: str, smtp_port: int, log_dir: Path, **env_overrides: str):
        self.name = f"notif-{uuid.uuid4().hex[:8]}@%h"
        database_url = test_database_url()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "worker-test-key-" + uuid.uuid4().hex,
            "DATABASE_URL": database_url,
            "DB_CONN_MAX_AGE": "0",
            "REDIS_URL": redis_url,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": "5",
            "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
            "NOTIFICATIONS_RETRY_MAX_SECONDS": "4",
            **env_overrides,
        }
        self.log_path = log_dir / f"worker-{uuid.uuid4().hex[:6]}.log"
        self.process: subprocess.Popen | None = None

    def start(self, concurrency: int = 2) -> Worker:
        celery = str(Path(sys.executable).with_name("celery"))
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                celery,
                "-A",
                "config",
                "worker",
                "--loglevel=info",
                f"--concurrency={concurrency}",
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--pool=prefork",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes the pool too
        )
        from config.celery_app import app

        hostname = self.name.replace("%h", socket.gethostname())

        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.log_path.read_text()[-3000:]}")
            if self.env["REDIS_URL"] != django_settings.CELERY_BROKER_URL:
                # On another broker than this process's (a private Redis): its log says when.
                return f"{hostname} ready." in self.output()
            return app.control.ping(destination=[hostname], timeout=0.5)

        wait_for(ready, timeout=60, what="the Celery worker to answer a ping")
        return self

    def kill(self):
        """SIGKILL the whole worker (main process and pool), as the OOM killer would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "log", None):
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def start_worker(postgres_tx, redis_url, smtp_server, tmp_path):
    """Start real Celery workers (killed in teardown); the queue is purged first."""
    from config.celery_app import app

    assert not django_settings.CELERY_TASK_ALWAYS_EAGER, "REDIS_URL must be set for the worker tests"
    app.control.purge()
    workers: list[Worker] = []

    def start(concurrency: int = 2, **env: str) -> Worker:
        worker = Worker(redis_url=redis_url, smtp_port=smtp_server.port, log_dir=tmp_path, **env)
        workers.append(worker)
        return worker.start(concurrency=concurrency)

    yield start
    for worker in workers:
        worker.stop()
    app.control.purge()
