"""Liveness and readiness, for the proxy and the orchestrator.

``/healthz`` answers while the process can serve Python at all: no database, no cache, so a
slow database never gets a live process killed. ``/readyz`` answers 200 only when this node
can do real work: the database answers, Redis answers (when configured) and no migration is
left to apply. The cluster's watcher takes a node that is not ready out of nginx's upstream.
"""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

_migrations_done = False


def _check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    url = settings.REDIS_URL
    if not url:
        return "not configured"
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _check_migrations() -> str:
    """Once every migration is applied it stays so for the life of the process: checked until then."""
    global _migrations_done
    if not _migrations_done:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return f"{len(plan)} to apply"
        _migrations_done = True
    return "ok"


CHECKS = {"database": _check_database, "redis": _check_redis, "migrations": _check_migrations}


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    results: dict[str, str] = {}
    ready = True
    started = time.monotonic()
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = f"error: {type(exc).__name__}"
        if results[name] not in ("ok", "not configured"):
            ready = False
    body: dict[str, object] = {"status": "ready" if ready else "not ready", "checks": results}
    body["seconds"] = round(time.monotonic() - started, 4)
    return JsonResponse(body, status=200 if ready else 503)
