"""The in-process figures: each the median of repeated runs of the real code path, beside its
floor (``bench.floors``) run alternately in the same process on the same data.

Timing, query counting and memory are separate runs, so that neither the query log nor
tracemalloc slows what is timed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Agency, Official
from bench import floors
from bench.generator import due_deadlines
from notifications.models import EscalationRule
from notifications.services import reminders_claim, reminders_send_pending, reminders_sweep, senders_needed
from tasks.choices import Timeliness as T
from tasks.filtersets import BacklogFilterSet
from tasks.models import Task
from tasks.selectors import backlog_by_lead_agency, task_list_for_user

#: No endpoint may hold more than this (issue 8).
MEMORY_LIMIT_MB = 200.0


@dataclass
class Figure:
    """One line of the table and of docs/benchmarks.json."""

    name: str
    median_ms: float
    floor_ms: float | None = None
    ratio: float | None = None
    target_ratio: float | None = None
    queries: int | None = None
    peak_mb: float | None = None
    target_ms: float | None = None
    runs: int = 0
    floor: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.floor_ms and self.ratio is None:
            self.ratio = self.median_ms / self.floor_ms
        if self.target_ratio is not None and self.ratio is not None:
            self.checks.setdefault(f"ratio <= {self.target_ratio:g}", self.ratio <= self.target_ratio)
        if self.target_ms is not None:
            self.checks.setdefault(f"median <= {self.target_ms:g} ms", self.median_ms <= self.target_ms)
        if self.peak_mb is not None:
            self.checks.setdefault(f"peak <= {MEMORY_LIMIT_MB:g} MB", self.peak_mb <= MEMORY_LIMIT_MB)

    @property
    def meets(self) -> bool | None:
        return all(self.checks.values()) if self.checks else None

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("median_ms", "floor_ms", "ratio", "peak_mb"):
            if data[key] is not None:
                data[key] = round(data[key], 3)
        data["meets"] = self.meets
        return data


# --- instruments ----------------------------------------------------------------------------


def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def alternate(
    subject: Callable, floor: Callable | None, runs: int, warmup: int = 1, reset: Callable | None = None
) -> tuple[list, list]:
    """Time ``subject`` and ``floor`` alternately (so cache and load drift hit both alike);
    ``reset``, untimed, runs before each of them so that every run starts from the same state."""
    reset = reset or (lambda: None)
    for _ in range(warmup):
        reset()
        subject()
        if floor:
            reset()
            floor()
    times, floor_times = [], []
    for _ in range(runs):
        reset()
        started = time.perf_counter()
        subject()
        times.append(ms_since(started))
        if floor:
            reset()
            started = time.perf_counter()
            floor()
            floor_times.append(ms_since(started))
    return times, floor_times


def median(values: list[float]) -> float:
    """The median of a subject's timings: there is always at least one run."""
    return statistics.median(values)


def floor_median(values: list[float]) -> float | None:
    """The median of a floor's timings, or None where the figure has no floor."""
    return statistics.median(values) if values else None


def peak_mb(fn: Callable) -> float:
    """The most Python memory ``fn`` held at once (tracemalloc), in MB."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def queries_of(fn: Callable) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries]


class _Rollback(Exception):
    pass


def rolled_back(fn: Callable) -> Callable:
    """``fn`` inside a transaction that is rolled back, so each run sees the same data."""

    def run():
        box = {}
        try:
            with transaction.atomic():
                box["result"] = fn()
                raise _Rollback
        except _Rollback:
            pass
        return box.get("result")

    return run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the context of a run -------------------------------------------------------------------


@dataclass
class Context:
    """Who asks and about what: picked from the generated data, the same for every figure."""

    as_of: dt.date
    runs: int
    monitor_id: int
    walker_id: int
    focal_id: int
    agency_id: int
    agency_code: str
    directive_id: int
    directive_tasks: int
    tasks: int

    @classmethod
    def load(cls, as_of: dt.date, runs: int) -> Context:
        with connection.cursor() as cursor:
            # The lead agency with the most open overdue tasks: the heaviest agency page.
            cursor.execute(
                """SELECT lead_agency_id, count(*) FROM tasks_task
                   WHERE status IN ('assigned', 'in_progress', 'submitted') AND deadline < %s
                   GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""",
                [as_of],
            )
            agency_id, _ = cursor.fetchone()
            cursor.execute(
                "SELECT directive_id, count(*) FROM tasks_task GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
            )
            directive_id, directive_tasks = cursor.fetchone()
        # Two monitors: one walks the list to a deep page, the other is timed, so that the
        # walk's requests do not count against the timed caller's API throttle.
        monitor, walker = Official.objects.filter(role=Role.MONITOR, is_active=True).order_by("id")[:2]
        focal = Official.objects.filter(role=Role.FOCAL_POINT, agency_id=agency_id).earliest("id")
        return cls(
            as_of=as_of,
            runs=runs,
            monitor_id=monitor.pk,
            walker_id=walker.pk,
            focal_id=focal.pk,
            agency_id=agency_id,
            agency_code=Agency.objects.values_list("code", flat=True).get(pk=agency_id),
            directive_id=directive_id,
            directive_tasks=directive_tasks,
            tasks=Task.objects.count(),
        )

    def user(self, pk: int):
        return Official.objects.select_related("agency").get(pk=pk)


# --- 1. the backlog -------------------------------------------------------------------------


def _selector_rows(rows: list[dict]) -> list[tuple]:
    return [
        (
            r["lead_agency_id"],
            r["lead_agency__code"],
            r[T.COMPLETED_ON_TIME],
            r[T.COMPLETED_LATE],
            r[T.IN_PROGRESS_WITHIN_DEADLINE],
            r[T.IN_PROGRESS_OVERDUE],
        )
        for r in rows
    ]


def backlog_figures(ctx: Context) -> list[Figure]:
    monitor = ctx.user(ctx.monitor_id)
    cases = [
        ("backlog: all agencies, as of the day", ctx.as_of, None),
        ("backlog: all agencies, as of a year before", ctx.as_of - dt.timedelta(days=365), None),
        (f"backlog: one directive ({ctx.directive_tasks} tasks)", ctx.as_of, ctx.directive_id),
    ]
    figures = []
    for name, as_of, directive in cases:

        def subject(as_of=as_of, directive=directive):
            filterset = BacklogFilterSet(
                data={"directive": [directive]} if directive else {}, queryset=task_list_for_user(monitor)
            )
            assert filterset.is_valid(), filterset.errors
            return backlog_by_lead_agency(filterset.qs, as_of)

        def floor(as_of=as_of, directive=directive):
            return floors.backlog_sql(as_of, directive)

        real, hand = _selector_rows(subject()), floors.backlog_sql_as_selector_rows(floor())
        if real != hand:
            raise AssertionError(f"{name}: the floor counts differently from the selector")
        times, floor_times = alternate(subject, floor, ctx.runs)
        queries, _ = queries_of(subject)
        figures.append(
            Figure(
                name=name,
                median_ms=median(times),
                floor_ms=floor_median(floor_times),
                target_ratio=1.5,
                target_ms=300,
                queries=queries,
                peak_mb=peak_mb(subject),
                runs=ctx.runs,
                floor="hand-written SQL: aggregate by lead agency, then join the agencies",
                extra={"agencies": len(real), "counted_tasks": sum(sum(r[2:]) for r in real)},
            )
        )
    return figures


# --- 3. the escalation sweep and the outbox -------------------------------------------------


def sweep_instant(as_of: dt.date) -> dt.datetime:
    """09:00 in Hanoi on the reference day: after the send time, so the day's rungs are due."""
    return timezone.make_aware(dt.datetime.combine(as_of, dt.time(9, 0)))


def sweep_figure(ctx: Context, expected_due: int | None) -> Figure:
    now = sweep_instant(ctx.as_of)
    deadlines = sorted(due_deadlines(ctx.as_of, 6))
    rule = EscalationRule.objects.filter(is_active=True).earliest("offset")

    # Each run commits, as the sweep does: the outbox's foreign keys are checked at commit
    # (they are deferred), so a rolled-back run would leave out a third of the work. Between
    # runs, untimed, the outbox is emptied again.
    def subject():
        return reminders_sweep(as_of=now, since=ctx.as_of)

    def floor():
        with transaction.atomic():
            return floors.sweep_floor(deadlines, rule.pk, ctx.as_of, now)

    empty_outbox()
    result = subject()
    people = _people_named()
    empty_outbox()
    floor_rows = floor()
    runs = max(3, ctx.runs // 2)
    times, floor_times = alternate(subject, floor, runs, reset=empty_outbox)
    empty_outbox()
    with CaptureQueriesContext(connection) as captured:
        subject()
    empty_outbox()
    peak = peak_mb(subject)
    empty_outbox()
    queries = len(captured.captured_queries)
    # Where a run's time goes in the database: the statements that write the outbox rows.
    inserts = [q for q in captured.captured_queries if "INSERT INTO notifications_reminder" in q["sql"]]
    insert_ms = 1000 * sum(float(q["time"]) for q in inserts)
    statements_ms = 1000 * sum(float(q["time"]) for q in captured.captured_queries)
    # Django logs the COMMIT too: that is where PostgreSQL checks the deferred foreign keys.
    commit_ms = 1000 * sum(float(q["time"]) for q in captured.captured_queries if q["sql"] == "COMMIT")
    written = sum(result.counts.values())
    checks = {}
    if expected_due is not None:
        checks[f"{expected_due} tasks due"] = result.tasks == expected_due
    return Figure(
        name=f"escalation sweep ({result.tasks} due = {100 * result.tasks / max(ctx.tasks, 1):.1f}%)",
        median_ms=median(times),
        floor_ms=floor_median(floor_times),
        target_ms=1000,
        queries=queries,
        peak_mb=peak,
        runs=runs,
        floor="one INSERT ... SELECT of a level-1 message per due task (no ladder, one recipient)",
        extra={
            "due_tasks": result.tasks,
            "reminders_written": written,
            # one row per message: how many (person, rung) reminders those messages carry
            "people_named": people,
            "by_status": result.counts,
            "floor_rows": floor_rows,
            "insert_statements_ms": round(insert_ms, 1),
            "all_statements_ms": round(statements_ms, 1),
            "commit_ms": round(commit_ms, 1),
            "reminder_indexes": _index_count("notifications_reminder"),
        },
        checks=checks,
    )


def _people_named() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(jsonb_array_length(recipients)), 0) FROM notifications_reminder")
        return int(cursor.fetchone()[0])


def _index_count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [table])
        return cursor.fetchone()[0]


def fill_outbox(count: int, *, now: dt.datetime) -> int:
    """``count`` pending messages of open tasks to their responsible officials (with an
    address), one per task while there are tasks enough, committed so that other connections
    see them. Returns how many were written."""
    rule = EscalationRule.objects.filter(is_active=True).earliest("offset")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tasks_task"
            " WHERE status IN ('assigned', 'in_progress') AND deadline IS NOT NULL"
        )
        open_tasks = cursor.fetchone()[0]
        periods = 1 + -(-count // max(open_tasks, 1))
        cursor.execute(
            """
            INSERT INTO notifications_reminder
                (task_id, rule_id, deadline, period, language, part, digest, recipient_id, level, due_on,
                 recipients, status, attempts, next_attempt_at, message_id, error, created_at, updated_at)
            SELECT t.id, %(rule)s, t.deadline, p, o.language, 0, false, NULL, 1, %(day)s,
                   jsonb_build_array(jsonb_build_object('id', o.id, 'user', o.username,
                       'name', o.username, 'email', o.email, 'language', o.language, 'state', 'to')),
                   'pending', 0, %(due)s, '', '', %(now)s, %(now)s
            FROM tasks_task t
            JOIN agencies_official o ON o.id = t.responsible_official_id
            CROSS JOIN generate_series(0, %(periods)s - 1) p
            WHERE t.status IN ('assigned', 'in_progress') AND t.deadline IS NOT NULL AND o.email <> ''
            ORDER BY p, t.id
            LIMIT %(count)s
            """,
            {
                "rule": rule.pk,
                "day": now.date(),
                "due": now - dt.timedelta(minutes=1),
                "now": now,
                "periods": periods,
                "count": count,
            },
        )
        return cursor.rowcount


def empty_outbox() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_reminder")


def reset_outbox(now: dt.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE notifications_reminder SET status = 'pending', claim_token = NULL,
               claimed_until = NULL, sent_at = NULL, message_id = '', attempts = 0, error = '',
               next_attempt_at = %s""",
            [now - dt.timedelta(minutes=1)],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notifications_reminder")


def _two_senders(claim: Callable[[], list[int]]) -> tuple[float, list[list[int]]]:
    claimed: list[list[int]] = [[], []]
    errors: list[BaseException] = []

    def sender(slot: int) -> None:
        try:
            while ids := claim():
                claimed[slot].extend(ids)
        except BaseException as exc:  # reported below, not swallowed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender, args=(slot,)) for slot in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = ms_since(started)
    if errors:
        raise errors[0]
    return elapsed, claimed


def claim_figure(ctx: Context, rows: int = 20_000) -> Figure:
    batch = settings.NOTIFICATIONS_BATCH_SIZE
    now = timezone.now()
    empty_outbox()
    written = fill_outbox(rows, now=now)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notifications_reminder")

    def subject():
        return _two_senders(lambda: reminders_claim(now=now, limit=batch, token=uuid.uuid4()))

    def floor():
        return _two_senders(lambda: floors.claim_floor(now, batch))

    times, floor_times, split = [], [], []
    runs = max(3, ctx.runs // 2)
    for _ in range(runs):
        reset_outbox(now)
        elapsed, claimed = subject()
        everyone = sorted(claimed[0] + claimed[1])
        if len(everyone) != written or len(set(everyone)) != written:
            raise AssertionError("two senders claimed a row twice or missed one")
        times.append(elapsed)
        split.append([len(claimed[0]), len(claimed[1])])
        reset_outbox(now)
        elapsed, _ = floor()
        floor_times.append(elapsed)
    reset_outbox(now)
    queries, _ = queries_of(lambda: reminders_claim(now=now, limit=batch, token=uuid.uuid4()))
    reset_outbox(now)
    memory = peak_mb(lambda: reminders_claim(now=now, limit=batch, token=uuid.uuid4()))
    empty_outbox()
    rate = written / (median(times) / 1000)
    return Figure(
        name=f"outbox claim, two senders ({written:,} rows, batches of {batch})",
        median_ms=median(times),
        floor_ms=floor_median(floor_times),
        queries=queries,
        peak_mb=memory,
        runs=runs,
        floor="one UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n) RETURNING id",
        note="queries and peak memory are per claim of one batch",
        extra={
            "rows": written,
            "rows_per_s": round(rate),
            "floor_rows_per_s": round(written / (median(floor_times) / 1000)),
            "split": split,
        },
        checks={"rate >= 5,000 rows/s": rate >= 5000},
    )


class SmtpSink:
    """``bench.smtp_sink`` in a child process, one per run."""

    def __init__(self):
        self.port = free_port()
        handle, self.path = tempfile.mkstemp(prefix="bench-smtp-", suffix=".json")
        os.close(handle)
        self.process = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
            [sys.executable, "-m", "bench.smtp_sink", str(self.port), self.path],
            stdout=subprocess.PIPE,
            cwd=str(Path(__file__).resolve().parents[1]),
        )
        assert self.process.stdout is not None  # stdout=PIPE above
        if self.process.stdout.readline().strip() != b"ready":
            raise RuntimeError("the SMTP sink did not start")

    def stop(self) -> dict:
        self.process.terminate()
        self.process.wait(30)
        with open(self.path) as data:
            counts = json.load(data)
        os.unlink(self.path)
        return counts


def _send_in_children(senders: int, now: dt.datetime, port: int) -> tuple[float, int, int]:
    """Run ``senders`` copies of the real sender at once, each in a forked process with its
    own database connection, as the worker's parallel send jobs do. Returns the elapsed ms,
    the reminders sent and the messages."""
    import multiprocessing

    def child(queue) -> None:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            try:
                result = reminders_send_pending(now=now, time_budget=600)
                queue.put((result.sent, result.messages, ""))
            except Exception as exc:  # reported to the parent, which raises
                queue.put((0, 0, repr(exc)))
            finally:
                connections.close_all()

    connections.close_all()  # a forked child must not share the parent's connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=child, args=(queue,)) for _ in range(senders)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=900) for _ in processes]
    elapsed = ms_since(started)
    for process in processes:
        process.join(30)
    errors = [error for _, _, error in outcomes if error]
    if errors:
        raise RuntimeError(f"a sender failed: {errors[0]}")
    return elapsed, sum(o[0] for o in outcomes), sum(o[1] for o in outcomes)


def send_figure(ctx: Context, count: int = 10_000, runs: int = 1) -> Figure:
    now = timezone.now()
    empty_outbox()
    written = fill_outbox(count, now=now)
    senders = senders_needed(written)
    times, floor_times, sessions, sizes = [], [], [], []
    sent = 0
    for _ in range(runs):
        reset_outbox(now)
        sink = SmtpSink()
        elapsed, sent, messages = _send_in_children(senders, now, sink.port)
        times.append(elapsed)
        counts = sink.stop()
        if counts["messages"] != messages:
            raise AssertionError(f"the sink got {counts['messages']} messages, the senders say {messages}")
        sessions.append(counts["sessions"])
        sizes.append(counts["bytes"] / max(counts["messages"], 1))
        # The floor: the same number of messages of the same size, ready-made, one connection.
        sink = SmtpSink()
        body = "x" * int(sizes[-1] * 0.9)
        started = time.perf_counter()
        floors.smtp_floor("127.0.0.1", sink.port, messages, body, "Nhắc việc")
        floor_times.append(ms_since(started))
        sink.stop()
    # Memory: one sender sending 1,000 under tracemalloc (batches are bounded, so the peak is
    # the same for any count).
    empty_outbox()
    fill_outbox(1000, now=now)
    sink = SmtpSink()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=sink.port,
    ):
        memory = peak_mb(lambda: reminders_send_pending(now=now, time_budget=600))
    sink.stop()
    empty_outbox()
    return Figure(
        name=f"send {written:,} reminders to a local SMTP server ({senders} senders)",
        median_ms=median(times),
        floor_ms=floor_median(floor_times),
        target_ms=60_000,
        peak_mb=memory,
        runs=runs,
        floor="smtplib: the same number of ready-made messages of the same size over one connection",
        note=f"{senders} sender processes at once, as the sweep job starts them"
        " (NOTIFICATIONS_PARALLEL_SENDERS); peak memory is one sender's, measured on a run of 1,000",
        extra={
            "sent": sent,
            "smtp_sessions": sessions,
            "avg_message_bytes": round(statistics.mean(sizes)),
            "per_s": round(sent / (median(times) / 1000)),
        },
        checks={f"all {written:,} sent": sent == written},
    )
