"""First use of the benchmark: on a database that exists but was never migrated, or that does
not exist at all, ``manage.py bench`` does what was meant or says in one line what to do,
never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.db import connection

from tests.notifications.conftest import ROOT


def _admin_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER'] or 'postgres'}{password}@{host}/{name}"


def _bench(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    return subprocess.run(
        [sys.executable, "manage.py", "bench", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def empty_bench_database(postgres):
    name = f"fc_bench_firstuse_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_admin_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _admin_url(name)
    with psycopg.connect(_admin_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_bench_on_an_unmigrated_database_migrates_it_first(empty_bench_database):
    result = _bench(empty_bench_database, "--reuse", "--no-write", "--no-progress")
    # it migrated (the dedicated database is the benchmark's to fill), then found no dataset
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "migrat" in result.stderr.lower()
    assert (
        result.stderr.strip().splitlines()[-1]
        == "CommandError: No generated dataset to reuse: run without --reuse first."
    )
    with psycopg.connect(empty_bench_database) as db:
        assert db.execute("SELECT to_regclass('tasks_task')").fetchone()[0] == "tasks_task"


def test_bench_on_a_database_that_does_not_exist_says_what_to_do(postgres):
    missing = _admin_url(f"fc_bench_missing_{uuid.uuid4().hex[:8]}")
    result = _bench(missing, "--reuse", "--no-write")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("CommandError:") and "createdb" in last
