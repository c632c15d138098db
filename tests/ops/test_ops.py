"""Health, readiness, metrics, request ids and error reports (docs/operations.md)."""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import io
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from pythonjsonlogger.json import JsonFormatter

from ops import requestid
from tests.conftest import database_url
from tests.notifications.conftest import free_port, make_task, sweep_days, wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_without_touching_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_on_a_migrated_database_with_redis(db, client, settings, redis_url):
    settings.REDIS_URL = redis_url
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "migrations": "ok"}


def test_readyz_is_not_ready_when_redis_does_not_answer(client, settings, db):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error:")
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.postgres
def test_readyz_is_not_ready_before_migrations(postgres_tx):
    """A node started on a database nobody migrated says so instead of serving errors."""
    empty = f"{connection.settings_dict['NAME']}_unmigrated"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{empty}"')
        cursor.execute(f'CREATE DATABASE "{empty}"')
    try:
        script = (
            "import django, json; django.setup();"
            "from django.test import Client;"
            "r = Client(HTTP_HOST='localhost').get('/readyz');"
            "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(empty),
        }
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr[-2000:]
        answer = json.loads(result.stdout.strip().splitlines()[-1])
        assert answer["status"] == 503
        assert answer["body"]["checks"]["migrations"].endswith("to apply")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{empty}"')


def test_metrics_are_refused_outside_the_allowed_networks(db, settings):
    settings.METRICS_TOKEN = ""
    response = Client(REMOTE_ADDR="203.0.113.9").get("/metrics")
    assert response.status_code == 403


def test_metrics_with_the_token_from_anywhere(db, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    outsider = Client(REMOTE_ADDR="203.0.113.9")
    assert outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert response.status_code == 200
    assert b"fiveclear_reminders_pending" in response.content


def _gauge(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in the metrics")


def test_metrics_report_the_outbox_and_the_last_sweep(world, ladder, client):
    # given: two tasks whose deadline is on the day of the sweep
    for code in ("M-1", "M-2"):
        make_task(world, code=code, deadline=dt.date(2025, 5, 15))
    sweep_days(dt.date(2025, 5, 15), dt.date(2025, 5, 15))
    # when
    text = client.get("/metrics").content.decode()
    # then: the figures are the outbox's
    assert _gauge(text, "fiveclear_reminders_pending") == 2
    assert _gauge(text, "fiveclear_reminder_oldest_pending_age_seconds") >= 0
    assert _gauge(text, "fiveclear_sweep_last_rows") == 2
    assert _gauge(text, "fiveclear_sweep_last_run_timestamp_seconds") > 0
    assert _gauge(text, "fiveclear_reminders_failed") == 0
    assert _gauge(text, "fiveclear_webhook_deliveries_pending") == 0
    # and the library's request and query counters are there
    assert "django_http_requests_total_by_method_total" in text
    assert "django_db_execute_total" in text


def test_every_answer_carries_a_request_id(client):
    mine = "a1b2c3d4e5f60718"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=mine)["X-Request-ID"] == mine
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert generated != "<script>" and len(generated) == 32


def test_json_log_lines_carry_the_request_id():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(requestid.RequestIdFilter())
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(request_id)s %(message)s"))
    logger = logging.getLogger("tests.ops.json")
    logger.addHandler(handler)
    try:
        token = requestid._current.set("feedfacecafebeef")
        logger.warning("inside a request")
        requestid._current.reset(token)
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["request_id"] == "feedfacecafebeef" and inside["message"] == "inside a request"
    assert outside["request_id"] == ""


@pytest.mark.celery
def test_a_job_started_by_a_request_logs_its_request_id(start_worker, world, ladder):
    """The id travels in the Celery message: the worker's log lines of the job carry it."""
    from notifications.jobs import sweep_reminders

    worker = start_worker(LOG_FORMAT="json")
    token = requestid._current.set("0123456789abcdef0123")
    try:
        sweep_reminders.delay()
    finally:
        requestid._current.reset(token)

    def job_lines():
        lines = []
        for line in worker.output().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
        return [entry for entry in lines if entry.get("request_id") == "0123456789abcdef0123"]

    found = wait_for(job_lines, timeout=30, what="the job's log line with the request id")
    assert any("notifications" in entry["logger"] or "celery" in entry["logger"] for entry in found)


class _SentryIngest(http.server.BaseHTTPRequestHandler):
    """A Sentry-compatible ingest endpoint on loopback: keeps the envelopes it receives."""

    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        type(self).received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        return


def test_errors_reach_a_sentry_compatible_service_when_its_dsn_is_set(db):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SentryIngest)
    _SentryIngest.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/42"
        script = (
            "import django, logging; django.setup();"
            "logging.getLogger('tasks').error('the sweep could not reach the database (test)')"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "SENTRY_DSN": dsn}
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr[-2000:]
    finally:
        server.shutdown()
    envelopes = b"\n".join(_SentryIngest.received)
    assert b"the sweep could not reach the database (test)" in envelopes
