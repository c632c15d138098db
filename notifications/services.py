"""Reminders: the sweep that fills the outbox and the sender that empties it.

The sweep decides what is due and writes it as rows (``Reminder``), nothing else; the sender
claims due rows, sends each over one reused SMTP connection per batch, and records the
outcome row by row. Splitting the two is what makes a reminder neither lost (the row exists
before any email does) nor sent twice (the unique key, the claim, and a commit per message).

Tasks never call in here: completing, cancelling or extending a task is noticed by the
sweep (it only looks at open tasks at their current deadline) and by the sender (it checks
the task again, under a share lock, just before each message).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import smtplib
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, F, Lookup, Min, OuterRef, Q, Value
from django.template.loader import render_to_string
from django.utils import timezone, translation

from agencies.choices import Role
from agencies.models import Official
from notifications.calendar import WorkingCalendar, load_calendar
from notifications.choices import Level, OffsetUnit, ReminderStatus
from notifications.models import EscalationRule, NotificationPreference, Reminder, SweepState
from notifications.selectors import transfer_notices
from tasks.choices import ACTIVE_STATUSES
from tasks.models import Task

logger = logging.getLogger(__name__)

#: Tasks that get reminders. A submitted task waits on the Government Office, not on the
#: agency, so it is not nagged; if the result is returned, reminders resume.
REMINDED_STATUSES = ACTIVE_STATUSES


def _setting(name: str, default):
    return getattr(settings, name, default)


def send_time() -> dt.time:
    """The local time of day at which a day's reminders fall due (08:00 by default)."""
    hours, minutes = _setting("NOTIFICATIONS_SEND_TIME", "08:00").split(":")
    return dt.time(int(hours), int(minutes))


def due_instant(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, send_time()))


def last_due_day(as_of: dt.datetime) -> dt.date:
    """The latest day whose reminders are due at ``as_of``: today once the send time has
    passed, else yesterday (no email at midnight)."""
    local = timezone.localtime(as_of)
    return local.date() if local.time() >= send_time() else local.date() - dt.timedelta(days=1)


# --- the ladder ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rung:
    """One rule's occurrence for one deadline: which rule, which repetition, on which day."""

    rule_id: int
    level: int
    offset: int
    period: int
    due_on: dt.date

    @property
    def rank(self) -> tuple:
        # The latest due wins; on the same day, the higher level and the later rung.
        return (self.due_on, self.level, self.offset, self.period)


def _span(rule: EscalationRule) -> int:
    """Calendar days that certainly contain ``rule.offset`` of its unit, holidays and all."""
    return 2 * abs(rule.offset) + 30 if rule.unit == OffsetUnit.WORKING_DAYS else abs(rule.offset) + 15


def rungs_for_deadline(
    calendar: WorkingCalendar, rules: Iterable[EscalationRule], deadline: dt.date, through: dt.date
) -> list[Rung]:
    """Every rung of the ladder for ``deadline`` that falls due on or before ``through``."""
    rungs = []
    for rule in rules:
        base = calendar.shift(deadline, rule.offset, rule.unit)
        if base > through:
            continue
        rungs.append(Rung(rule.pk, rule.level, rule.offset, 0, base))
        if rule.repeat_every_days:
            period = 1
            while base + dt.timedelta(days=rule.repeat_every_days * period) <= through:
                day = calendar.on_or_after(base + dt.timedelta(days=rule.repeat_every_days * period))
                if day <= through:
                    rungs.append(Rung(rule.pk, rule.level, rule.offset, period, day))
                period += 1
    return rungs


def _rungs_in_window(
    calendar: WorkingCalendar,
    rules: list[EscalationRule],
    start: dt.date,
    end: dt.date,
    oldest_deadline: dt.date | None,
) -> dict[dt.date, list[Rung]]:
    """For each deadline, the rungs that fall due between ``start`` and ``end`` (inclusive).

    Every shift is monotonic in the deadline, so the deadlines concerned lie within a few
    weeks of the window, except for repeating rules, which reach back to the oldest open
    deadline. The answer is a list of exact dates: the task query is then an index lookup
    whose cost follows the number of due tasks, not the size of the table.
    """
    found: dict[dt.date, list[Rung]] = defaultdict(list)
    for rule in rules:
        span = dt.timedelta(days=_span(rule))
        low = start - span - dt.timedelta(days=max(rule.offset, 0))
        if rule.repeat_every_days and oldest_deadline is not None:
            low = min(low, oldest_deadline)
        high = end + span + dt.timedelta(days=max(-rule.offset, 0))
        step = dt.timedelta(days=1)
        deadline = low
        while deadline <= high:
            base = calendar.shift(deadline, rule.offset, rule.unit)
            if base > end:
                break  # monotonic: every later deadline falls due later still
            if base >= start:
                found[deadline].append(Rung(rule.pk, rule.level, rule.offset, 0, base))
            if rule.repeat_every_days:
                every = rule.repeat_every_days
                # The first repetition that can land in the window (rolling past a holiday
                # moves a day forward by at most a couple of weeks).
                first = max(1, math.floor(((start - base).days - 15) / every))
                period = first
                while base + dt.timedelta(days=every * period) <= end:
                    day = calendar.on_or_after(base + dt.timedelta(days=every * period))
                    if start <= day <= end:
                        found[deadline].append(Rung(rule.pk, rule.level, rule.offset, period, day))
                    period += 1
            deadline += step
    return found


# --- recipients ---------------------------------------------------------------------------


@dataclass
class _People:
    """What the sweep needs to know about the people of a chunk of tasks, in three queries."""

    info: dict[int, tuple[str, str, bool, str]]  # id -> (email, language, active, role)
    focal_points: dict[int, list[int]]  # agency id -> focal point ids
    monitors: list[int]
    digest: set[int]


def _in(field: str, values: Iterable[int]) -> Q:
    """``field IN values``; on PostgreSQL ``field = ANY(array)``, one parameter however many
    values (an IN list of thousands of placeholders costs more to build than to run)."""
    values = sorted(set(values))
    if db_connection.vendor == "postgresql":
        return Q(_EqualsAny(F(field), Value(values)))
    return Q(**{f"{field}__in": values})


class _EqualsAny(Lookup):
    lookup_name = "equals_any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def _load_people(rows: list[tuple]) -> _People:
    """One query (three index lookups, united): the chunk's officials, the active focal points
    of its lead agencies, and the active monitors, each with whether they asked for a daily
    digest."""
    agencies = {row[4] for row in rows if row[4]}
    ids = {pk for row in rows for pk in (row[2], row[3], row[5], row[6]) if pk}
    wants_digest = NotificationPreference.objects.filter(official_id=OuterRef("pk"), daily_digest=True)

    def officials(condition: Q):
        return (
            Official.objects.filter(condition)
            .annotate(daily=Exists(wants_digest))
            .order_by()
            .values_list("id", "agency_id", "email", "language", "is_active", "role", "daily")
        )

    active = Q(is_active=True)
    found = officials(_in("id", ids)).union(
        officials(_in("agency_id", agencies) & Q(role=Role.FOCAL_POINT) & active),
        officials(Q(role=Role.MONITOR) & active),
    )
    focal_points: dict[int, list[int]] = defaultdict(list)
    info: dict[int, tuple[str, str, bool, str]] = {}
    monitors: list[int] = []
    digest: set[int] = set()
    for pk, agency_id, email, language, is_active, role, daily in found:
        info[pk] = (email, language, is_active, role)
        if is_active and role == Role.FOCAL_POINT and agency_id in agencies:
            focal_points[agency_id].append(pk)
        if is_active and role == Role.MONITOR:
            monitors.append(pk)
        if daily:
            digest.add(pk)
    return _People(info, dict(focal_points), sorted(monitors), digest)


def recipients_for_level(
    level: int,
    *,
    responsible: int | None,
    supervisor: int | None,
    leader: int | None,
    creator: int | None,
    agency: int | None,
    people: _People,
) -> list[int]:
    """Level 1: the responsible official. Level 2 adds the lead agency's focal points, the
    responsible official's supervisor and the accountable leader. Level 3 adds the
    Government Office monitor who entered the task, or every monitor when no monitor did."""
    chosen = [responsible]
    if level >= Level.AGENCY:
        chosen += people.focal_points.get(agency, [])
        chosen += [supervisor, leader]
    if level >= Level.GOVERNMENT_OFFICE:
        creator_info = people.info.get(creator) if creator else None
        if creator_info and creator_info[2] and creator_info[3] == Role.MONITOR:
            chosen.append(creator)
        else:
            chosen += people.monitors
    seen: list[int] = []
    for pk in chosen:
        if pk and pk not in seen and people.info.get(pk, ("", "", False, ""))[2]:
            seen.append(pk)
    return seen


# --- the sweep ----------------------------------------------------------------------------


@dataclass
class SweepResult:
    as_of: dt.datetime
    start: dt.date | None
    end: dt.date | None
    started_at: dt.datetime
    tasks: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return self.counts.get(ReminderStatus.PENDING, 0)


def _window(state: SweepState, end: dt.date, since: dt.date | None) -> dt.date:
    if since is not None:
        return since
    swept = state.swept_through
    if swept is None or swept >= end:
        # First sweep, or another today: today's rungs again (new tasks may have become due).
        return end
    catch_up = int(_setting("NOTIFICATIONS_MAX_CATCHUP_DAYS", 31))
    return max(swept + dt.timedelta(days=1), end - dt.timedelta(days=catch_up))


def reminders_sweep(*, as_of: dt.datetime | None = None, since: dt.date | None = None) -> SweepResult:
    """Write the reminders that fell due since the last sweep, up to ``as_of``.

    Runs every few minutes and is safe to run twice or at once (the state row is locked and
    rows are inserted with ON CONFLICT DO NOTHING). After an outage it covers every day since
    the last sweep but sends only the latest due rung per task and recipient; the earlier
    ones are written as skipped, so the record shows what was missed.
    """
    as_of = as_of or timezone.now()
    end = last_due_day(as_of)
    with transaction.atomic():
        state, _ = SweepState.objects.get_or_create(key="default")
        state = SweepState.objects.select_for_update().get(pk=state.pk)
        # Taken once the lock is ours: the rows written from now on are this sweep's.
        started_at = timezone.now()
        start = _window(state, end, since)
        result = SweepResult(as_of=as_of, start=start, end=end, started_at=started_at)
        if start > end:
            return result
        rules = list(EscalationRule.objects.filter(is_active=True))
        if rules:
            result.tasks, counts = _sweep_window(rules, start, end, as_of, started_at)
            result.counts = counts if counts is not None else _counts_since(started_at)
        if state.swept_through is None or end > state.swept_through:
            state.swept_through = end
        state.last_run_at = timezone.now()
        state.last_duration_ms = int((state.last_run_at - started_at).total_seconds() * 1000)
        state.last_rows = sum(result.counts.values())
        state.save(update_fields=["swept_through", "last_run_at", "last_duration_ms", "last_rows"])
    return result


def _open_tasks_with_deadlines() -> Q:
    return Q(status__in=REMINDED_STATUSES, deadline__isnull=False)


def due_tasks(deadlines: list[dt.date]):
    """Open tasks at exactly these deadlines: an index lookup on the partial index of open
    tasks by deadline (``task_open_deadline``), whatever the size of the table."""
    return Task.objects.filter(status__in=REMINDED_STATUSES, deadline__in=deadlines).order_by()


def _sweep_window(
    rules: list[EscalationRule], start: dt.date, end: dt.date, as_of: dt.datetime, started_at: dt.datetime
) -> tuple[int, dict[str, int] | None]:
    """Write the window's reminders; returns the number of due tasks and, on PostgreSQL, the
    rows written by status (counted by the statements themselves; None elsewhere)."""
    oldest = None
    if any(rule.repeat_every_days for rule in rules):
        oldest = Task.objects.filter(_open_tasks_with_deadlines()).aggregate(d=Min("deadline"))["d"]
    first_year = min(start, oldest or start).year - 1
    calendar = load_calendar(first_year, end.year + 2)
    by_deadline = _rungs_in_window(calendar, rules, start, end, oldest)
    if not by_deadline:
        return 0, {}
    deadlines = sorted(by_deadline)
    touched: list[int] = []
    counts: Counter[str] | None = Counter()
    chunk_size = 5000
    for chunk in _chunks(
        due_tasks(deadlines)
        .values_list(
            "id",
            "deadline",
            "responsible_official_id",
            "accountable_leader_id",
            "lead_agency_id",
            "created_by_id",
            "responsible_official__supervisor_id",
        )
        .iterator(chunk_size=chunk_size),
        chunk_size,
    ):
        touched.extend(row[0] for row in chunk)
        people = _load_people(chunk)
        written = _insert_reminders(list(_reminder_rows(chunk, by_deadline, people)), as_of=as_of)
        counts = None if written is None or counts is None else counts + written
    superseded_here = _skip_superseded_rungs(touched, written_since=started_at)
    if counts is not None and superseded_here:
        # rows this sweep wrote as pending and then found overtaken
        counts[ReminderStatus.PENDING] -= superseded_here
        counts[ReminderStatus.SKIPPED] += superseded_here
    return len(touched), None if counts is None else {str(k): v for k, v in counts.items() if v}


def _chunks(iterator: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in iterator:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


#: The columns the sweep writes, in the order ``_reminder_rows`` yields them.
_ROW_COLUMNS = (
    "task_id",
    "rule_id",
    "deadline",
    "recipient_id",
    "period",
    "level",
    "due_on",
    "email",
    "language",
    "digest",
    "status",
    "error",
)
_ROW_TYPES = ("bigint", "bigint", "date", "bigint", "integer", "smallint", "date", "text", "text", "boolean")
_ROW_TYPES += ("text", "text")

_ERRORS = {
    ReminderStatus.SKIPPED: "A later reminder for the same deadline fell due in the same sweep.",
    ReminderStatus.NO_ADDRESS: "The official has no email address.",
    ReminderStatus.PENDING: "",
}


def _reminder_rows(
    chunk: list[tuple], by_deadline: dict[dt.date, list[Rung]], people: _People
) -> Iterator[tuple]:
    """For each task, the latest due rung per recipient to send, and the earlier ones as skipped."""
    for task_id, deadline, responsible, leader, agency, creator, supervisor in chunk:
        latest: dict[int, Rung] = {}
        earlier: list[tuple[int, Rung]] = []
        for rung in by_deadline[deadline]:
            for person in recipients_for_level(
                rung.level,
                responsible=responsible,
                supervisor=supervisor,
                leader=leader,
                creator=creator,
                agency=agency,
                people=people,
            ):
                current = latest.get(person)
                if current is None or rung.rank > current.rank:
                    if current is not None:
                        earlier.append((person, current))
                    latest[person] = rung
                else:
                    earlier.append((person, rung))
        rows = [(person, rung, ReminderStatus.SKIPPED) for person, rung in earlier]
        for person, rung in latest.items():
            rows.append(
                (
                    person,
                    rung,
                    ReminderStatus.PENDING if people.info[person][0] else ReminderStatus.NO_ADDRESS,
                )
            )
        for person, rung, status in rows:
            email, language, _active, _role = people.info[person]
            yield (
                task_id,
                rung.rule_id,
                deadline,
                person,
                rung.period,
                rung.level,
                rung.due_on,
                email,
                language,
                person in people.digest,
                status,
                _ERRORS[status],
            )


def _insert_reminders(rows: list[tuple], *, as_of: dt.datetime) -> Counter[str] | None:
    """INSERT ... ON CONFLICT DO NOTHING: a row already there (from a sweep that ran before, or
    at the same time) stays as it is. On PostgreSQL the chunk is copied into a session-local
    staging table and inserted by one statement, all inside the sweep's transaction, which
    returns how many rows of each status it wrote; elsewhere (SQLite, the embedded default) by
    bulk_create, which cannot tell (None)."""
    if not rows:
        return Counter()
    now = timezone.now()
    if db_connection.vendor != "postgresql":
        Reminder.objects.bulk_create(
            (Reminder(**dict(zip(_ROW_COLUMNS, row, strict=True)), next_attempt_at=as_of) for row in rows),
            batch_size=500,
            ignore_conflicts=True,
        )
        return None
    # COPY into a temporary table, then one INSERT ... SELECT: COPY's row formatting is
    # compiled, where binding 50,000 rows as parameters (client- or server-side) spent more
    # time in Python than the database spent inserting them.
    staging = "notifications_sweep_rows"
    names = ", ".join(_ROW_COLUMNS)
    columns = ", ".join(f"{name} {kind}" for name, kind in zip(_ROW_COLUMNS, _ROW_TYPES, strict=True))
    with db_connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ({columns}) ON COMMIT DELETE ROWS")
        with cursor.copy(f"COPY {staging} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_ROW_TYPES)
            for row in rows:
                copy.write_row(row)
        # Emptied as it is read, for the next chunk; the rows written are counted by status
        # on the server (reading them back by created_at cost a tenth of the sweep).
        cursor.execute(
            f"WITH staged AS (DELETE FROM {staging} RETURNING *), "  # noqa: S608
            f"written AS (INSERT INTO {Reminder._meta.db_table} ({names}, attempts, next_attempt_at, "
            f"message_id, created_at, updated_at) SELECT {names}, 0, %s, '', %s, %s FROM staged "
            "ON CONFLICT DO NOTHING RETURNING status) "
            "SELECT status, count(*) FROM written GROUP BY status",
            [as_of, now, now],
        )
        return Counter(dict(cursor.fetchall()))


def _server_bound_cursor():
    """A cursor of Django's PostgreSQL connection (same transaction, counted in the query
    log) whose parameters the server binds, instead of the default client-side binding."""
    import psycopg

    db_connection.ensure_connection()
    raw = psycopg.Cursor(db_connection.connection)
    if db_connection.queries_logged:
        return db_connection.make_debug_cursor(raw)
    return db_connection.make_cursor(raw)


_SUPERSEDED_ERROR = "A later reminder for the same deadline replaced it before it was sent."


def _skip_superseded_rungs(task_ids: list[int], *, written_since: dt.datetime) -> int:
    """A pending reminder that a later rung of the same ladder has overtaken (the sender was
    down for days) is not sent any more: the newer one says what the older one would.

    Only the tasks this sweep wrote reminders for are looked at: a newer rung appears only
    when a sweep writes it, so the cost follows the due tasks, not the size of the outbox.
    Returns how many of the rows skipped were written since ``written_since`` (on PostgreSQL;
    0 elsewhere, where the sweep counts its rows afterwards).
    """
    if not task_ids:
        return 0
    live = (ReminderStatus.PENDING, ReminderStatus.SENDING, ReminderStatus.SENT)
    if db_connection.vendor != "postgresql":
        newer = Reminder.objects.filter(
            task=OuterRef("task"),
            recipient=OuterRef("recipient"),
            deadline=OuterRef("deadline"),
            due_on__gt=OuterRef("due_on"),
            status__in=live,
        )
        Reminder.objects.filter(status=ReminderStatus.PENDING, task_id__in=task_ids).filter(
            Exists(newer)
        ).update(status=ReminderStatus.SKIPPED, error=_SUPERSEDED_ERROR, updated_at=timezone.now())
        return 0
    # One pass over the tasks' rows (the unique key's index leads with the task): the latest
    # live rung per task, recipient and deadline, and every pending row due before it. The ids
    # are read first and updated by primary key in a second statement: as one UPDATE ... WHERE
    # id IN (...), a freshly filled outbox with no statistics yet got a plan that re-ran the
    # window query once per row of the table (minutes instead of milliseconds).
    table = Reminder._meta.db_table
    select = f"""
        SELECT id, created_at >= %b FROM (
            SELECT id, status, due_on, created_at,
                   max(due_on) FILTER (WHERE status = ANY(%b::text[]))
                       OVER (PARTITION BY task_id, recipient_id, deadline) AS newest
            FROM {table} WHERE task_id = ANY(%b::bigint[])
        ) AS r
        WHERE status = %b AND due_on < newest
    """  # noqa: S608
    with _server_bound_cursor() as cursor:
        cursor.execute(
            select,
            [
                written_since,
                [str(status) for status in live],
                sorted(task_ids),
                str(ReminderStatus.PENDING),
            ],
        )
        found = cursor.fetchall()
        if not found:
            return 0
        cursor.execute(
            f"UPDATE {table} SET status = %b, error = %b, updated_at = %b WHERE id = ANY(%b::bigint[])",  # noqa: S608
            [str(ReminderStatus.SKIPPED), _SUPERSEDED_ERROR, timezone.now(), [row[0] for row in found]],
        )
        return sum(1 for _id, fresh in found if fresh)


def _counts_since(started_at: dt.datetime) -> dict[str, int]:
    from django.db.models import Count

    return {
        row["status"]: row["n"]
        for row in Reminder.objects.filter(created_at__gte=started_at)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    }


# --- the sender ---------------------------------------------------------------------------


@dataclass
class SendResult:
    """What one run of the sender did, by reminder id."""

    now: dt.datetime
    messages: int = 0
    outcomes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    smtp_unreachable: str = ""

    def count(self, status: str) -> int:
        return len(self.outcomes.get(status, ()))

    @property
    def sent(self) -> int:
        return self.count(ReminderStatus.SENT)


def senders_needed(pending: int) -> int:
    """How many send jobs to start for ``pending`` new reminders: one per batch, at most
    NOTIFICATIONS_PARALLEL_SENDERS (about the worker's concurrency)."""
    if pending <= 0:
        return 0
    batch = int(_setting("NOTIFICATIONS_BATCH_SIZE", 200))
    return max(1, min(int(_setting("NOTIFICATIONS_PARALLEL_SENDERS", 2)), math.ceil(pending / batch)))


class _Outcome:
    OK = "ok"
    BROKEN = "broken"  # the SMTP connection is gone: stop this batch


def reminders_send_pending(
    *,
    now: dt.datetime | None = None,
    batch_size: int | None = None,
    time_budget: float | None = None,
    max_batches: int | None = None,
) -> SendResult:
    """Claim due reminders in batches and send them, one SMTP connection per batch.

    Safe to run in several processes at once: a claim takes rows with
    ``SELECT ... FOR UPDATE SKIP LOCKED`` and leases them to this run; each message is then
    sent and marked in its own short transaction, so a sender killed mid-batch leaves the
    messages it sent marked sent, and the rest of its claim returns to the pool when the
    lease runs out. Stops when nothing is due, when the SMTP server cannot be reached, or
    when the time budget (kept below the Celery time limit) is spent.
    """
    now = now or timezone.now()
    batch_size = batch_size or int(_setting("NOTIFICATIONS_BATCH_SIZE", 200))
    budget = (
        time_budget if time_budget is not None else float(_setting("NOTIFICATIONS_SEND_TIME_BUDGET", 200))
    )
    budget_end = time.monotonic() + budget
    result = SendResult(now=now)
    batches = 0
    while time.monotonic() < budget_end and (max_batches is None or batches < max_batches):
        token = uuid.uuid4()
        ids = _claim(now=now, limit=batch_size, token=token)
        if not ids:
            break
        batches += 1
        if not _send_claimed(ids, token=token, now=now, budget_end=budget_end, result=result):
            break
    return result


def _claim(*, now: dt.datetime, limit: int, token: uuid.UUID) -> list[int]:
    """Lease up to ``limit`` due rows to this sender. Rows another sender holds are skipped,
    not waited for; rows whose lease ran out (their sender died) are taken back first."""
    real_now = timezone.now()
    lease = dt.timedelta(seconds=int(_setting("NOTIFICATIONS_CLAIM_LEASE_SECONDS", 600)))
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.SENDING, claimed_until__lt=real_now)
            .order_by("claimed_until", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            logger.warning("Reclaiming %d reminders whose sender stopped mid-batch", len(ids))
        if len(ids) < limit:
            ids += list(
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(status=ReminderStatus.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id")
                .values_list("id", flat=True)[: limit - len(ids)]
            )
        if not ids:
            return []
        digest_people = set(
            Reminder.objects.filter(id__in=ids, digest=True).values_list("recipient_id", flat=True)
        )
        if digest_people:
            # A digest holds all of the official's due reminders, not just those in this batch.
            ids += list(
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(
                    status=ReminderStatus.PENDING,
                    digest=True,
                    recipient_id__in=digest_people,
                    next_attempt_at__lte=now,
                )
                .exclude(id__in=ids)
                .values_list("id", flat=True)
            )
        Reminder.objects.filter(id__in=ids).update(
            status=ReminderStatus.SENDING,
            claim_token=token,
            claimed_until=real_now + lease,
            updated_at=real_now,
        )
    return ids


def _send_claimed(
    ids: list[int], *, token: uuid.UUID, now: dt.datetime, budget_end: float, result: SendResult
) -> bool:
    """Send one claimed batch over one connection. False when SMTP could not be used."""
    reminders = list(
        Reminder.objects.filter(id__in=ids, claim_token=token)
        .select_related("recipient", "rule")
        .order_by("id")
    )
    tasks = {
        task.pk: task
        for task in Task.objects.filter(pk__in={r.task_id for r in reminders})
        .select_related("directive", "lead_agency", "responsible_official", "accountable_leader")
        .prefetch_related("coordinating_agencies")
    }
    notices = transfer_notices(reminders)
    units: list[list[Reminder]] = []
    digests: dict[int, list[Reminder]] = {}
    for reminder in reminders:
        if reminder.digest:
            if reminder.recipient_id not in digests:
                digests[reminder.recipient_id] = []
                units.append(digests[reminder.recipient_id])
            digests[reminder.recipient_id].append(reminder)
        else:
            units.append([reminder])

    smtp = get_connection(fail_silently=False)
    try:
        smtp.open()
    except (OSError, smtplib.SMTPException) as exc:
        result.smtp_unreachable = repr(exc)
        logger.warning("SMTP server unreachable, %d reminders wait: %r", len(reminders), exc)
        for reminder_list in units:
            _retry_later(reminder_list, token=token, now=now, error=repr(exc), result=result)
        return False
    try:
        for index, unit in enumerate(units):
            if time.monotonic() >= budget_end:
                _release([r for rest in units[index:] for r in rest], token=token, when=None)
                return False
            outcome = _deliver(smtp, unit, token=token, now=now, tasks=tasks, result=result, notices=notices)
            if outcome == _Outcome.BROKEN:
                later = now + dt.timedelta(seconds=int(_setting("NOTIFICATIONS_RETRY_BASE_SECONDS", 60)))
                _release([r for rest in units[index + 1 :] for r in rest], token=token, when=later)
                return False
    finally:
        try:
            smtp.close()
        except (OSError, smtplib.SMTPException):
            logger.info("SMTP connection closed uncleanly", exc_info=True)
    return True


def _lock_tasks_for_share(task_ids: set[int]) -> dict[int, tuple[str, dt.date | None]]:
    """Each task's status and deadline, share-locked until the message is marked: a monitor
    approving an extension waits for the email in flight, and the next one sees the new
    deadline."""
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, status, deadline FROM {Task._meta.db_table} WHERE id = ANY(%s) FOR SHARE",  # noqa: S608
                [list(task_ids)],
            )
            return {pk: (status, deadline) for pk, status, deadline in cursor.fetchall()}
    return {
        pk: (status, deadline)
        for pk, status, deadline in Task.objects.filter(pk__in=task_ids).values_list(
            "id", "status", "deadline"
        )
    }


def _deliver(
    smtp,
    unit: list[Reminder],
    *,
    token: uuid.UUID,
    now: dt.datetime,
    tasks,
    result: SendResult,
    notices: dict | None = None,
) -> str:
    with transaction.atomic():
        live = _lock_tasks_for_share({r.task_id for r in unit})
        valid = []
        for reminder in unit:
            status, deadline = live.get(reminder.task_id, (None, None))
            if status not in REMINDED_STATUSES:
                _finish(
                    [reminder], token, ReminderStatus.CANCELLED, result, error="The task is no longer open."
                )
            elif deadline != reminder.deadline:
                _finish([reminder], token, ReminderStatus.SUPERSEDED, result, error="The deadline has moved.")
            else:
                valid.append(reminder)
        if not valid:
            return _Outcome.OK
        recipient = valid[0].recipient
        if not recipient.email:
            _finish(
                valid, token, ReminderStatus.NO_ADDRESS, result, error="The official has no email address."
            )
            return _Outcome.OK
        message = build_message(valid, tasks=tasks, now=now, notices=notices)
        try:
            smtp.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _refused(valid, token, now, code, text, result)
        except smtplib.SMTPResponseException as exc:
            return _refused(valid, token, now, exc.smtp_code, exc.smtp_error, result)
        except (smtplib.SMTPException, OSError) as exc:
            _retry_later(valid, token=token, now=now, error=repr(exc), result=result)
            return _Outcome.BROKEN
        sent = Reminder.objects.filter(id__in=[r.id for r in valid], claim_token=token).update(
            status=ReminderStatus.SENT,
            sent_at=timezone.now(),
            message_id=message.extra_headers["Message-ID"],
            email=recipient.email,
            attempts=F("attempts") + 1,
            error="",
            claim_token=None,
            claimed_until=None,
            updated_at=timezone.now(),
        )
        if sent != len(valid):
            logger.error("Reminders %s were sent after their lease ran out", [r.id for r in valid])
        result.messages += 1
        result.outcomes[ReminderStatus.SENT].extend(r.id for r in valid)
    return _Outcome.OK


def _refused(valid, token, now, code: int, text, result: SendResult) -> str:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    error = f"{code} {detail}"
    if 500 <= code < 600:
        _finish(valid, token, ReminderStatus.FAILED, result, error=error, attempted=True)
        return _Outcome.OK
    _retry_later(valid, token=token, now=now, error=error, result=result)
    # 421: the server is closing the connection.
    return _Outcome.BROKEN if code == 421 else _Outcome.OK


def _finish(
    reminders: list[Reminder], token, status: str, result: SendResult, *, error: str = "", attempted=False
) -> None:
    Reminder.objects.filter(id__in=[r.id for r in reminders], claim_token=token).update(
        status=status,
        error=error,
        attempts=F("attempts") + (1 if attempted else 0),
        claim_token=None,
        claimed_until=None,
        updated_at=timezone.now(),
    )
    result.outcomes[status].extend(r.id for r in reminders)


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff from the base delay, capped."""
    base = int(_setting("NOTIFICATIONS_RETRY_BASE_SECONDS", 60))
    cap = int(_setting("NOTIFICATIONS_RETRY_MAX_SECONDS", 3600))
    return dt.timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def _retry_later(
    reminders: list[Reminder], *, token, now: dt.datetime, error: str, result: SendResult
) -> None:
    """A transient failure: try again after a growing delay, or give up after the cap."""
    max_attempts = int(_setting("NOTIFICATIONS_MAX_ATTEMPTS", 8))
    with transaction.atomic():
        for reminder in reminders:
            attempts = reminder.attempts + 1
            if attempts >= max_attempts:
                status, update = ReminderStatus.FAILED, {}
                error_text = f"Gave up after {attempts} attempts: {error}"
            else:
                status = ReminderStatus.PENDING
                update = {"next_attempt_at": now + retry_delay(attempts)}
                error_text = error
            Reminder.objects.filter(id=reminder.id, claim_token=token).update(
                status=status,
                attempts=attempts,
                error=error_text[:2000],
                claim_token=None,
                claimed_until=None,
                updated_at=timezone.now(),
                **update,
            )
            result.outcomes["retry" if status == ReminderStatus.PENDING else status].append(reminder.id)


def _release(reminders: list[Reminder], *, token, when: dt.datetime | None) -> None:
    """Give back claimed rows that were not tried (no attempt is counted)."""
    if not reminders:
        return
    update = {"next_attempt_at": when} if when else {}
    Reminder.objects.filter(id__in=[r.id for r in reminders], claim_token=token).update(
        status=ReminderStatus.PENDING,
        claim_token=None,
        claimed_until=None,
        updated_at=timezone.now(),
        **update,
    )


# --- the message --------------------------------------------------------------------------


def message_id_for(reminders: list[Reminder]) -> str:
    """The same reminder always gets the same Message-ID, so a resend after a crash is
    recognisable as the same message (and mail clients fold it into the first)."""
    domain = _setting("EMAIL_MESSAGE_ID_DOMAIN", "fiveclear.local")
    if len(reminders) == 1 and not reminders[0].digest:
        r = reminders[0]
        return f"<reminder.{r.id}.{r.task_id}.{r.deadline:%Y%m%d}@{domain}>"
    ids = ",".join(str(r.id) for r in sorted(reminders, key=lambda r: r.id))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:20]
    return f"<digest.{reminders[0].recipient_id}.{digest}@{domain}>"


def task_link(task: Task) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/tasks/{task.pk}/"


def _item(reminder: Reminder, task: Task, today: dt.date, language: str, transfer=None) -> dict:
    days = (reminder.deadline - today).days
    leader = task.accountable_leader
    responsible = task.responsible_official
    return {
        "reminder": reminder,
        "task": task,
        "kind": reminder.rule.template,
        "level": reminder.level,
        "deadline": reminder.deadline,
        "original_deadline": task.original_deadline if task.original_deadline != reminder.deadline else None,
        "days_left": max(days, 0),
        "days_overdue": max(-days, 0),
        "due_today": days == 0,
        "directive": task.directive,
        "lead_agency": task.lead_agency.name_for(language) if task.lead_agency else "",
        "coordinating": [agency.name_for(language) for agency in task.coordinating_agencies.all()],
        "responsible": (responsible.get_full_name() or responsible.username) if responsible else "",
        "responsible_position": responsible.position if responsible else "",
        "leader": (leader.get_full_name() or leader.username) if leader else "",
        "link": task_link(task),
        # The first reminder to this person since the task moved says so, once.
        "transfer": {
            "from": transfer.from_agency.name_for(language),
            "to": transfer.to_agency.name_for(language),
            "document": transfer.event.document_label,
        }
        if transfer
        else None,
    }


def build_message(
    reminders: list[Reminder], *, tasks: dict[int, Task], now: dt.datetime, notices: dict | None = None
) -> EmailMultiAlternatives:
    """One email for one reminder, or one digest for several, in the recipient's language.
    ``notices``: reminder id -> the task's move to mention (``selectors.transfer_notices``)."""
    notices = notices or {}
    recipient = reminders[0].recipient
    language = recipient.language if recipient.language in ("vi", "en") else "vi"
    today = timezone.localdate(now)
    items = sorted(
        (_item(r, tasks[r.task_id], today, language, notices.get(r.id)) for r in reminders),
        key=lambda item: (-item["level"], item["deadline"], item["task"].code),
    )
    context = {
        "recipient": recipient,
        "recipient_name": recipient.get_full_name() or recipient.username,
        "items": items,
        "is_digest": reminders[0].digest,
        "today": today,
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    with translation.override(language):
        subject = " ".join(render_to_string(f"notifications/email/subject_{language}.txt", context).split())[
            :250
        ]
        text = render_to_string(f"notifications/email/message_{language}.txt", context)
        html = render_to_string(f"notifications/email/message_{language}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "Message-ID": message_id_for(reminders),
            "Auto-Submitted": "auto-generated",
            "X-Five-Clear-Reminders": ",".join(str(r.id) for r in reminders),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def reminders_requeue_failed(*, ids: list[int]) -> int:
    """Put failed reminders back in the queue (after the address was fixed, say), from zero
    attempts. Only failed rows move: a sent reminder is never sent again."""
    return Reminder.objects.filter(id__in=ids, status=ReminderStatus.FAILED).update(
        status=ReminderStatus.PENDING,
        next_attempt_at=timezone.now(),
        attempts=0,
        updated_at=timezone.now(),
    )


# Public names for the benchmark (bench) and other callers that measure the parts alone.
rungs_in_window = _rungs_in_window


def reminders_claim(
    *, limit: int, now: dt.datetime | None = None, token: uuid.UUID | None = None
) -> list[int]:
    """Lease up to ``limit`` due reminders to a sender (see ``reminders_send_pending``)."""
    return _claim(now=now or timezone.now(), limit=limit, token=token or uuid.uuid4())
