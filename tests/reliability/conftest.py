"""Fixtures for the reliability suite: the real stack with components this suite may stop.

Reused, not rewritten: the SMTP server, the Celery worker and the kill helpers come from
``tests.notifications.conftest``; the gunicorn launcher from ``bench.load``. Added
here: a private ``redis-server`` (so that stopping it hurts no other test), gunicorn on the
test database, a logged-in HTTP client without Django, and ``record`` which keeps every
test's figures (attempted, lost, latencies) for ``docs/reliability.md``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import service_missing
from tests.notifications.conftest import (  # noqa: F401 (fixtures re-exported for this package)
    ROOT,
    Worker,
    free_port,
    ladder,
    smtp_server,
    start_worker,
    wait_for,
)
from tests.reliability.soak_client import WebClient  # noqa: F401 (the suite's HTTP client)

FIGURES_PATH = Path(os.environ.get("RELIABILITY_FIGURES", ROOT / "var" / "reliability" / "figures.jsonl"))
_FIGURES: list[dict] = []
PASSWORD = "pw-for-tests"  # the factories' password


@pytest.fixture(scope="session", autouse=True)
def _figures_file():
    FIGURES_PATH.parent.mkdir(parents=True, exist_ok=True)
    yield
    if _FIGURES:
        with FIGURES_PATH.open("a", encoding="utf-8") as out:
            for row in _FIGURES:
                out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


@pytest.fixture
def record(request):
    """``record(**figures)``: keep this test's figures; printed at the end of the run."""

    def keep(**figures):
        row = {"test": request.node.name, "at": time.strftime("%Y-%m-%dT%H:%M:%S"), **figures}
        _FIGURES.append(row)
        print("RELIABILITY", json.dumps(row, ensure_ascii=False, default=str))

    return keep


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("reliability figures")
        for row in _FIGURES:
            terminalreporter.write_line(json.dumps(row, ensure_ascii=False, default=str))


def test_database_url() -> str:
    """The URL of the test database, for processes started by a test."""
    db = connection.settings_dict
    return (
        f"postgres://{db['USER'] or 'postgres'}"
        + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        + f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


test_database_url.__test__ = False  # a helper, not a test


# --- a private Redis --------------------------------------------------------------------------


class PrivateRedis:
    """``redis-server`` on its own loopback port, stopped and started again on that port."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        def up():
            try:
                return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
            except redis.RedisError:
                return False

        wait_for(up, timeout=15, what="the private redis-server")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        service_missing("redis-server is not installed (the Redis fault test starts its own)")
    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


# --- gunicorn on the test database ------------------------------------------------------------


def server_env(**overrides: str) -> dict[str, str]:
    """Production settings on loopback, against the test database."""
    return {
        "DJANGO_SECRET_KEY": "reliability-test-only-" + "z" * 40,
        "DATABASE_URL": test_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_THROTTLE_USER": "100000000/minute",
        "API_THROTTLE_ANON": "100000000/minute",
        "AXES_FAILURE_LIMIT": "1000",
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


@pytest.fixture(scope="session")
def collected_static():
    """Production serves hashed static files from a manifest: collect them once, as a deploy would."""
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", **server_env_static()},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def server_env_static() -> dict[str, str]:
    return {"DJANGO_SECRET_KEY": "collectstatic-only-" + "z" * 40, "DATABASE_URL": "postgres://unused/x"}


@pytest.fixture
def gunicorn(postgres_tx, collected_static):
    """``start(workers=2, **env)``: gunicorn (production settings) on a loopback port."""
    from bench.load import Gunicorn

    servers = []

    def start(workers: int = 2, **env: str) -> Gunicorn:
        server = Gunicorn(workers=workers, threads=1, env=server_env(**env))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def server_passwords(*users, password: str = PASSWORD) -> None:
    """The test settings hash with MD5, which production does not accept: give these users a
    PBKDF2 hash (few iterations, so that logging in stays fast) that the server can check."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    for user in users:
        user.password = hasher.encode(password, hasher.salt(), iterations=1000)
        user.save(update_fields=["password"])
