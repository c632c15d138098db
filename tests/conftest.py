"""Shared fixtures: factories, demo actors, and the real-service checks.

A test that needs a service and finds it missing is skipped with a loud reason when run
locally, and fails when REQUIRE_SERVICES=1 (as `.ci/run` sets).
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest
from django.db import connection

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


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


@pytest.fixture(scope="module")
def chromium_browser():
    """Debian's Chromium through Playwright, one per test module: the sync API keeps an event
    loop running in this thread while it lives, and a loop left running would break every later
    test that runs one of its own (pyHanko's validation calls asyncio.run)."""
    if not os.path.exists(CHROMIUM) or shutil.which("chromium") is None:
        service_missing(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread for as long as it runs, and Django
    # refuses database calls from a thread with a running loop unless told it is safe. It is here:
    # one thread drives the browser, the live server answers from its own. Restored at the end.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
