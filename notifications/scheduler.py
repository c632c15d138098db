"""The embedded mode's scheduler: a daemon thread in `runserver` that does what Celery beat
does in production (sweep, then send), so `make run` sends reminders with no other server.

It starts only under `runserver`, only in the process that serves requests (the
autoreloader runs the project twice: a watcher and a child with RUN_MAIN=true), and only once.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from django.conf import settings
from django.db import close_old_connections

from notifications import services
from tasks.services import occurrences_generate_all

logger = logging.getLogger(__name__)

_started = threading.Event()


def should_start(argv: list[str], environ: dict) -> bool:
    if not settings.NOTIFICATIONS_EMBEDDED_SCHEDULER:
        return False
    if len(argv) < 2 or argv[1] != "runserver":
        return False
    # With the autoreloader, only its child serves; without it, the one process does.
    return environ.get("RUN_MAIN") == "true" or "--noreload" in argv


def run_once() -> None:
    """One tick: the same service calls as the Celery jobs."""
    close_old_connections()
    try:
        # What beat's hourly tasks.occurrences_generate does: standing tasks' next periods
        # exist before their reminders fall due (idempotent, so every tick may ask).
        occurrences_generate_all()
        swept = services.reminders_sweep()
        sent = services.reminders_send_pending()
        if swept.counts or sent.messages:
            logger.info("Reminders: swept %s, sent %d messages", swept.counts, sent.messages)
    finally:
        close_old_connections()


def _loop(interval: float, stop: threading.Event) -> None:
    # Let the server finish starting (and its checks run) before the first tick.
    stop.wait(min(interval, 5.0))
    while not stop.is_set():
        try:
            run_once()
        except Exception:
            # A tick that fails (the database is locked, say) must not end the thread:
            # the rows are still there and the next tick sends them.
            logger.exception("Embedded reminder tick failed; retrying in %ss", interval)
        stop.wait(interval)


def start(stop: threading.Event | None = None) -> threading.Thread | None:
    if _started.is_set():
        return None
    _started.set()
    interval = float(settings.NOTIFICATIONS_EMBEDDED_INTERVAL_SECONDS)
    thread = threading.Thread(
        target=_loop, args=(interval, stop or threading.Event()), name="reminder-scheduler", daemon=True
    )
    thread.start()
    logger.info("Embedded reminder scheduler started (every %ss)", interval)
    return thread


def maybe_start() -> None:
    if should_start(sys.argv, dict(os.environ)):
        start()
