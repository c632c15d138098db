"""What the two-connection race tests share: a call run in a thread of its own (its own
database connection, closed after), and how many sessions wait on a lock right now."""

from __future__ import annotations

import threading

from django.db import connection, connections


def waiting_on_locks() -> int:
    """Sessions of this database waiting for a lock (PostgreSQL keeps one snapshot of the
    activity per transaction: it is cleared first, since the caller holds one open)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def in_thread(call, outcome: dict, key: str) -> threading.Thread:
    """Start ``call`` in a thread; its result, or the exception it raised (a refusal, or a
    deadlock the test then fails on), lands in ``outcome[key]``."""

    def run():
        try:
            outcome[key] = call()
        except Exception as exc:  # judged by the test
            outcome[key] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread
