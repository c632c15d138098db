"""The cluster of `make cluster` loses a node and a worker under load, and keeps its promises.

nginx in front of two gunicorn nodes, two Celery workers and a beat (deploy/cluster.py), on the
test database and a real Redis; a load client drives the proxy; mid-run one web node and one
worker are SIGKILLed and brought back by ``cluster.py start``; a second beat is started by
mistake. The figures go to test-artifacts/cluster-node-loss.json and docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from notifications.choices import ReminderStatus
from notifications.models import Reminder
from tests.conftest import database_url, service_missing
from tests.notifications.conftest import free_port, make_task, wait_for

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = [sys.executable, str(ROOT / "deploy" / "cluster.py")]
PASSWORD = "cluster-test-password"
CLIENTS = 8
DOWN_SECONDS = 4.0  # between the kill and the restart
AFTER_SECONDS = 8.0  # load after the restart
DUE_TASKS = 30

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery, pytest.mark.smtp]


class Cluster:
    def __init__(self, tmp_path: Path, redis_url: str, smtp_port: int):
        self.dir = tmp_path / "cluster"
        self.port = free_port()
        self.node_ports = [free_port(), free_port()]
        self.env = {
            **os.environ,
            "CLUSTER_DIR": str(self.dir),
            "CLUSTER_PORT": str(self.port),
            "CLUSTER_NODE_PORTS": ",".join(map(str, self.node_ports)),
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "cluster-test-key-" + os.urandom(8).hex(),
            "DB_CONN_MAX_AGE": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": "5",
            "API_THROTTLE_USER": "1000000/minute",
            "API_THROTTLE_ANON": "1000000/minute",
            # today's rungs are due from midnight, the beat sweeps and sends every 2 s, and a
            # batch claimed by a killed worker is taken back after 8 s (10 min in production)
            "NOTIFICATIONS_SEND_TIME": "00:00",
            "NOTIFICATIONS_SWEEP_EVERY_SECONDS": "2",
            "NOTIFICATIONS_SEND_EVERY_SECONDS": "2",
            "NOTIFICATIONS_CLAIM_LEASE_SECONDS": "8",
            "NOTIFICATIONS_BATCH_SIZE": "5",
            "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
            "GUNICORN_WORKERS": "2",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE_OVERRIDE", None)

    def run(self, command: str) -> str:
        result = subprocess.run(
            [*CLUSTER, command], env=self.env, capture_output=True, text=True, timeout=180, check=False
        )
        assert result.returncode == 0, f"cluster {command} failed:\n{result.stdout}\n{result.stderr[-4000:]}"
        return result.stdout

    def pid(self, name: str) -> int:
        return int((self.dir / f"{name}.pid").read_text())

    def kill(self, name: str) -> None:
        os.killpg(self.pid(name), signal.SIGKILL)

    def url(self, path: str, port: int | None = None) -> str:
        return f"http://127.0.0.1:{port or self.port}{path}"

    def logs(self) -> str:
        parts = []
        for log in sorted(self.dir.glob("*.log")):
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-2500:]}")
        return "\n".join(parts)


def _request(url: str, *, token=None, method: str = "GET", body: dict | None = None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Token {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:500], dict(error.headers)


@pytest.fixture
def cluster(postgres_tx, redis_url, smtp_server, tmp_path):
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        service_missing("nginx is not installed (Debian: apt-get install nginx-light); .ci/run installs it")
    from config.celery_app import app

    app.control.purge()
    running = Cluster(tmp_path, redis_url, smtp_server.port)
    running.run("start")
    yield running
    subprocess.run([*CLUSTER, "stop"], env=running.env, capture_output=True, timeout=120, check=False)
    app.control.purge()


def test_cluster_survives_losing_a_web_node_and_a_worker(cluster, world, ladder, smtp_server, tmp_path):
    # given: a monitor with a production password; an SMTP server that takes a while per
    # message, so that sends are in flight when a worker dies
    smtp_server.handler.on_rcpt = lambda count, address: time.sleep(0.8)
    world.monitor.password = PBKDF2PasswordHasher().encode(PASSWORD, "clustersalt1234")
    world.monitor.save(update_fields=["password"])
    status, body, _ = _request(
        cluster.url("/api/v1/auth/token/"),
        method="POST",
        body={"username": world.monitor.username, "password": PASSWORD},
    )
    assert status == 200, body
    token = body["token"]

    # when: the load runs through nginx; a second beat starts by mistake; a node and a worker die
    outcomes: list[tuple[float, int | str]] = []
    lock = threading.Lock()
    started = time.monotonic()
    paths = ["/api/v1/tasks/?page_size=20", "/api/v1/reports/backlog/", "/api/v1/tasks/?status=assigned"]

    stop = threading.Event()

    def client(index: int) -> None:
        n = index
        while not stop.is_set():
            n += 1
            try:
                code, _, _ = _request(cluster.url(paths[n % len(paths)]), token=token)
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                # a node killed while its answer was on the way: the error this test counts
                code = type(exc).__name__
            with lock:
                outcomes.append((time.monotonic() - started, code))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    second_beat = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "beat",
            "-s",
            str(tmp_path / "beat2"),
        ],
        env=cluster.env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        # tasks due today (a reminder each, on the day) arrive during the run
        today = timezone.localdate()
        tasks = [make_task(world, code=f"CL-{n:02d}", deadline=today) for n in range(DUE_TASKS)]
        # the worker dies while reminders are being sent
        wait_for(
            lambda: Reminder.objects.filter(status=ReminderStatus.SENDING).exists(),
            timeout=60,
            interval=0.05,
            what="a send in flight:\n" + cluster.logs(),
        )
        in_flight = Reminder.objects.filter(status=ReminderStatus.SENDING).count()
        cluster.kill("web1")
        cluster.kill("worker1")
        killed_at = time.monotonic() - started
        time.sleep(DOWN_SECONDS)
        restarted = json.loads(cluster.run("start").strip().splitlines()[-1])["started"]
        time.sleep(AFTER_SECONDS)
        stop.set()
        ran_for = time.monotonic() - started
        for thread in threads:
            thread.join()

        # a write through one node is seen at once through the other
        on_node = [cluster.url(f"/api/v1/tasks/{tasks[0].pk}/", port) for port in cluster.node_ports]
        status, detail, headers = _request(on_node[1], token=token)
        assert status == 200, detail
        new_title = "Hoàn thiện dự thảo Luật Bảo vệ dữ liệu cá nhân (cluster)"
        status, body, _ = _request(
            on_node[1],
            token=token,
            method="PATCH",
            body={"title": new_title},
            headers={"If-Match": headers["ETag"]},
        )
        assert status == 200, body
        status, seen, _ = _request(on_node[0], token=token)
        _, page, _ = _request(cluster.url("/api/v1/tasks/?page_size=100", cluster.node_ports[0]), token=token)
        write_seen = seen["title"] == new_title and any(r["title"] == new_title for r in page["results"])

        # every reminder due in the run is sent, each message once
        def drained():
            open_rows = Reminder.objects.filter(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING])
            return Reminder.objects.exists() and not open_rows.exists()

        wait_for(drained, timeout=90, interval=0.5, what="the outbox to drain:\n" + cluster.logs())
    finally:
        stop.set()
        os.killpg(second_beat.pid, signal.SIGTERM)
        second_beat.wait(timeout=20)

    rows = list(Reminder.objects.filter(task__in=tasks).values("task_id", "status", "message_id"))
    received = Counter(smtp_server.handler.message_ids())
    row_ids = {row["message_id"] for row in rows}
    codes = Counter(code for _, code in outcomes)
    answered = sum(n for code, n in codes.items() if code == 200)
    errors = {str(code): n for code, n in codes.items() if code != 200}
    figures = {
        "clients": CLIENTS,
        "seconds": round(ran_for, 1),
        "requests": len(outcomes),
        "answered_200": answered,
        "errors": errors,
        "killed_at_s": round(killed_at, 2),
        "reminders_being_sent_at_kill": in_flight,
        "restarted": restarted,
        "write_seen_through_other_node": write_seen,
        "reminders_due": len(rows),
        "reminders_sent": sum(1 for r in rows if r["status"] == ReminderStatus.SENT),
        "messages_received": sum(received.values()),
        "distinct_messages_received": len(received),
        "messages_received_twice": {mid: n for mid, n in received.items() if n > 1},
        "second_beat": "ran the whole time",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "cluster-node-loss.json").write_text(json.dumps(figures, indent=2))

    # then
    assert set(restarted) == {"web1", "worker1"}
    assert answered >= 0.98 * len(outcomes), figures
    # errors only from requests in flight on the killed node: at most one per client
    assert sum(errors.values()) <= CLIENTS, figures
    assert write_seen, figures
    # one row per task (two beats and two sweeps a run changed nothing), every one sent
    assert len(rows) == DUE_TASKS and {r["task_id"] for r in rows} == {t.pk for t in tasks}, figures
    assert all(r["status"] == ReminderStatus.SENT for r in rows), figures
    assert row_ids <= set(received), figures
    # a message in flight on the killed worker may be delivered again, with the same Message-ID
    # (a receiver drops it as a duplicate); never more than the killed worker's concurrency
    assert sum(n - 1 for n in received.values()) <= 2, figures
