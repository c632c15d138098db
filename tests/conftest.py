"""Shared fixtures: factories, demo actors, and the real-service checks.

A test that needs a service and finds it missing is skipped with a loud reason when run
locally, and fails when REQUIRE_SERVICES=1 (as `.ci/run` sets).
"""

from __future__ import annotations

import os
import socket

import pytest
from django.db import connection

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    """Skip locally, fail in CI: a test that could not talk to a real service proves nothing."""
    message = f"SERVICE MISSING: {reason}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def database_url(name: str | None = None) -> str:
    """The test database (or another one on its server) as a DATABASE_URL for a child process."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    server = f"{db['USER'] or 'postgres'}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{server}/{name or db['NAME']}"


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        service_missing("this test needs PostgreSQL; set DATABASE_URL=postgres://...")


@pytest.fixture
def postgres_tx(transactional_db):
    if connection.vendor != "postgresql":
        service_missing("this test needs PostgreSQL; set DATABASE_URL=postgres://...")


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        service_missing("this test needs Redis; set REDIS_URL=redis://127.0.0.1:6379/0")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {url} does not answer: {exc}")
    return url


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    """The agencies and officials of the demo, built by the factories (not the seed)."""
    from tests.factories import build_world

    return build_world()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached counts never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
