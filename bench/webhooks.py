"""The webhooks dispatcher at national scale: one run of ``webhooks.services.webhooks_dispatch``
over the newest ``DISPATCH_LIMIT`` history entries of a history table with an entry for every
task, for two subscriptions that want every event (a monitor's, who sees every task, and a focal
point's, who sees their agency's). Each run is rolled back.

The generator writes no history: the step adds a "created" entry for each task once (kept for
later runs). The floor reads the same entries and their tasks' rows with hand-written SQL and
writes one delivery per entry and subscription with ``bulk_create``, the task's row as the body,
nothing checked. Target: a run within the beat's period (``WEBHOOKS_DISPATCH_EVERY_SECONDS``,
5 s), or the dispatcher falls behind the history it reads.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time

from django.db import connection
from django.utils import timezone

from bench.measure import Context, Figure, floor_median, median, ms_since, peak_mb, queries_of, rolled_back
from webhooks.choices import WebhookEvent
from webhooks.models import WebhookCursor, WebhookDelivery, WebhookSubscription
from webhooks.services import DISPATCH_LIMIT, webhooks_dispatch

TARGET_MS = 5_000.0


def _history(ctx: Context) -> tuple[int, int]:
    """An entry per task in the history table (added once, in the order of the tasks)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tasks_taskevent")
        if cursor.fetchone()[0] < ctx.tasks:
            cursor.execute(
                """INSERT INTO tasks_taskevent (at, action, changes, note, actor_id, task_id)
                   SELECT now() - interval '1 hour', 'created', '{}'::jsonb, '', created_by_id, id
                     FROM tasks_task ORDER BY id"""
            )
            cursor.execute("ANALYZE tasks_taskevent")
        cursor.execute("SELECT count(*), max(id) FROM tasks_taskevent")
        count, last = cursor.fetchone()
    return count, last


def _subscriptions(ctx: Context) -> list[WebhookSubscription]:
    events = list(WebhookEvent.values)
    subscriptions = [
        WebhookSubscription.objects.create(
            owner_id=owner, url="http://127.0.0.1:9/", events=events, secret=secrets.token_urlsafe(16)
        )
        for owner in (ctx.monitor_id, ctx.focal_id)
    ]
    # hear of every entry read (a subscription hears of changes from its creation on)
    WebhookSubscription.objects.filter(pk__in=[s.pk for s in subscriptions]).update(
        created_at=timezone.now() - dt.timedelta(days=3650)
    )
    return subscriptions


def _set_cursor(first: int) -> None:
    WebhookCursor.objects.update_or_create(key="default", defaults={"through_id": first, "read_id": first})


def _floor_write(subscriptions: list[WebhookSubscription], first: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, task_id, action, changes, at FROM tasks_taskevent WHERE id > %s ORDER BY id LIMIT %s",
            [first, DISPATCH_LIMIT],
        )
        entries = cursor.fetchall()
        cursor.execute("SELECT * FROM tasks_task WHERE id = ANY(%s)", [list({e[1] for e in entries})])
        names = [c.name for c in cursor.description]
        tasks = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    now = timezone.now()
    rows = [
        WebhookDelivery(
            subscription=subscription,
            history_entry_id=pk,
            task_id=task_id,
            event=action,
            payload={
                "history_entry": pk,
                "changes": changes,
                "task": {k: str(v) for k, v in tasks[task_id].items()},
            },
            next_attempt_at=now,
        )
        for subscription in subscriptions
        for pk, task_id, action, changes, _at in entries
    ]
    WebhookDelivery.objects.bulk_create(rows)
    return len(rows)


def webhooks_figure(ctx: Context) -> Figure:
    count, last = _history(ctx)
    first = last - DISPATCH_LIMIT
    result: dict[str, int] = {}

    def prepared(fn):
        def run():
            subscriptions = _subscriptions(ctx)
            _set_cursor(first)
            started = time.perf_counter()
            out = fn(subscriptions)
            return ms_since(started), out

        return run

    def dispatch(_subscriptions):
        outcome = webhooks_dispatch()
        result.update(entries=outcome.entries, created=outcome.created)
        return outcome

    runs = max(1, min(ctx.runs, 5))
    rolled_back(prepared(dispatch))()  # warm
    timed, floors = [], []
    for _ in range(runs):
        timed.append(rolled_back(prepared(dispatch))()[0])
        floors.append(rolled_back(prepared(lambda subs: _floor_write(subs, first)))()[0])
    queries, _sql = queries_of(rolled_back(prepared(dispatch)))
    return Figure(
        name=f"webhooks dispatch: {DISPATCH_LIMIT:,} new history entries, 2 subscriptions ({count:,} in all)",
        median_ms=median(timed),
        floor_ms=floor_median(floors),
        target_ms=TARGET_MS,
        queries=queries,
        peak_mb=peak_mb(rolled_back(prepared(dispatch))),
        runs=runs,
        floor="the same entries and their tasks read by hand-written SQL, a delivery per entry and"
        " subscription written with bulk_create, nothing checked",
        note=f"{result.get('created', 0):,} deliveries written from {result.get('entries', 0):,} entries",
        extra={**result, "history_entries": count},
        checks={
            "every entry read": result.get("entries") == DISPATCH_LIMIT,
            "deliveries written": bool(result.get("created")),
        },
    )
