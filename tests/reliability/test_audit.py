"""Audit: every change of state can be traced in TaskEvent to a person and a time, through
every door; and a pg_dump of the database restored into a fresh one reproduces the backlog
report exactly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.db import connection

from tasks.models import ExtensionRequest, Task, TaskEvent
from tasks.selectors import backlog_by_lead_agency
from tests.api.conftest import token_for
from tests.conftest import service_missing
from tests.notifications.conftest import ROOT
from tests.reliability.conftest import test_database_url
from tests.web.conftest import AS_OF, build_backlog

#: Actions that change the task row (and so its version); the others record without bumping.
BUMPING = {
    "updated",
    "assigned",
    "started",
    "submitted",
    "confirmed",
    "returned",
    "cancelled",
    "progress_reported",
    "extension_approved",
}


@pytest.mark.usefixtures("postgres")
def test_every_change_is_in_the_history_with_who_and_when(world, client, record):
    # Given a backlog built through the services, then more changes through the web and the API
    backlog = build_backlog(world)
    client.force_login(world.mps_focal)
    task = Task.objects.get(pk=backlog.within.pk)
    assert (
        client.post(f"/tasks/{task.pk}/progress/", {"version": task.version, "percent": 40}).status_code
        == 302
    )
    task.refresh_from_db()
    client.post(
        f"/tasks/{task.pk}/extension/",
        {"version": task.version, "proposed_deadline": "31/07/2025", "reason": "Chờ ý kiến"},
    )
    token = token_for(world.monitor)
    extension = ExtensionRequest.objects.get(task=task)
    response = client.post(
        f"/api/v1/extension-requests/{extension.pk}/approve/",
        {"note": "Đồng ý"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200
    task.refresh_from_db()
    response = client.patch(
        f"/api/v1/tasks/{task.pk}/",
        {"description": "Mô tả mới"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_IF_MATCH=f'"{task.version}"',
    )
    assert response.status_code == 200
    # Then every event names a person and a time, and the version of every task is exactly
    # one more than the number of its events that changed the row
    events = TaskEvent.objects.all()
    assert events.count() > 20
    assert not events.filter(actor__isnull=True).exists()
    assert not events.filter(at__isnull=True).exists()
    for t in Task.objects.all():
        bumps = TaskEvent.objects.filter(task=t, action__in=BUMPING).count()
        assert t.version == 1 + bumps, (t.code, t.version, bumps)
        assert TaskEvent.objects.filter(task=t, action="created").count() == 1
    # and each change of a field shows its old and new value
    approved = TaskEvent.objects.get(task=task, action="extension_approved")
    assert approved.actor == world.monitor
    assert approved.changes["deadline"] == {"old": "2025-06-30", "new": "2025-07-31"}
    edited = TaskEvent.objects.filter(task=task, action="updated").last()
    assert edited.changes["description"]["new"] == "Mô tả mới"
    record(audit="history of every change", tasks=Task.objects.count(), events=events.count(), untraced=0)


def run_backlog(database_url: str) -> list:
    """The backlog report as another process computes it from ``database_url``."""
    code = (
        "import json, datetime as dt, django; django.setup();"
        "from tasks.models import Task; from tasks.selectors import backlog_by_lead_agency;"
        f"print(json.dumps(backlog_by_lead_agency(Task.objects.all(), dt.date.fromisoformat('{AS_OF}'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.usefixtures("postgres_tx")
def test_a_restored_dump_reproduces_the_backlog_report(world, record):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        service_missing("pg_dump and pg_restore are needed (postgresql-client)")
    # Given the backlog, committed
    build_backlog(world)
    original = json.loads(json.dumps(backlog_by_lead_agency(Task.objects.all(), AS_OF)))
    assert original and sum(row["total"] for row in original) == 6
    # When the database is dumped and restored into a fresh one
    source = test_database_url()
    db = connection.settings_dict
    restored_name = f"{db['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    admin_url = source.rsplit("/", 1)[0] + "/postgres"
    dump = subprocess.run(["pg_dump", "-Fc", "--no-owner", source], capture_output=True, timeout=300)
    assert dump.returncode == 0, dump.stderr[-2000:]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{restored_name}"')
    restored_url = source.rsplit("/", 1)[0] + f"/{restored_name}"
    try:
        restore = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", restored_url],
            input=dump.stdout,
            capture_output=True,
            timeout=300,
        )
        assert restore.returncode == 0, restore.stderr[-2000:]
        # Then the restored database gives the same report, row for row
        restored = run_backlog(restored_url)
        assert restored == original
        assert run_backlog(source) == original
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
    record(
        audit="pg_dump -Fc, pg_restore into a fresh database, backlog report compared",
        dump_bytes=len(dump.stdout),
        agencies=len(original),
        tasks_counted=sum(row["total"] for row in original),
        differences=0,
    )
