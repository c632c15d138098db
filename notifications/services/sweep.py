"""The sweep: decides which reminders are due and writes them as outbox rows, nothing else.

Rows are inserted with ON CONFLICT DO NOTHING on their unique key, so a sweep run twice (or
after an outage, over every day since the last one) adds nothing twice."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson
from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from notifications.calendar import load_calendar
from notifications.choices import ReminderStatus
from notifications.models import RECIPIENT_TO, EscalationRule, Reminder, SweepState
from notifications.services.ladder import REMINDED_STATUSES, Rung, last_due_day, rungs_in_window
from notifications.services.recipients import (
    People,
    field_in,
    load_people,
    recipient_entry,
    recipients_for_level,
)
from notifications.services.sweep_sql import NO_ADDRESS_ERROR, SKIPPED_ERROR, messages_write
from tasks.choices import OccurrenceStatus
from tasks.models import Task, TaskOccurrence


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
    catch_up = settings.NOTIFICATIONS_MAX_CATCHUP_DAYS
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
    """Open tasks at exactly these deadlines: an index lookup on the partial index of the
    reminded tasks by deadline (``task_reminded_deadline``, which also carries the candidates'
    columns), whatever the size of the table."""
    return Task.objects.filter(status__in=REMINDED_STATUSES, deadline__in=deadlines).order_by()


def due_occurrences(deadlines: list[dt.date]):
    """Open occurrences of open standing tasks due on exactly these dates: an occurrence's due
    date is its deadline (docs/standing-tasks.md), so it climbs the same ladder. An index
    lookup on the partial index of occurrences not completed (``occurrence_open_due``)."""
    return (
        TaskOccurrence.objects.filter(due_on__in=deadlines, task__status__in=REMINDED_STATUSES)
        .exclude(status=OccurrenceStatus.COMPLETED)
        .order_by()
    )


#: What the sweep reads of each candidate: the task, the deadline, and who the ladder names.
_CANDIDATE_FIELDS = (
    "deadline",
    "responsible_official_id",
    "accountable_leader_id",
    "lead_agency_id",
    "created_by_id",
    "responsible_official__supervisor_id",
)


def due_candidates(deadlines: list[dt.date]):
    """Rows (task id, deadline, people) of everything due at these deadlines: open tasks at
    their deadline, and open occurrences of standing tasks at their due date (the task's id,
    the occurrence's due date), in one statement (UNION ALL)."""
    tasks = due_tasks(deadlines).values_list("id", *_CANDIDATE_FIELDS)
    occurrences = due_occurrences(deadlines).values_list(
        "task_id", "due_on", *(f"task__{name}" for name in _CANDIDATE_FIELDS[1:])
    )
    return tasks.union(occurrences, all=True)


def _oldest_open_deadline() -> dt.date | None:
    """The oldest deadline a repeating rung may still fall on: of an open task, or of an open
    occurrence of an open standing task."""
    dated = Task.objects.filter(_open_tasks_with_deadlines()).aggregate(d=Min("deadline"))["d"]
    # The first row in the open-occurrence index whose task is open, not MIN() over a join:
    # the planner runs the aggregate over every open occurrence (0.4-0.7 s at a million tasks).
    standing = (
        TaskOccurrence.objects.filter(task__status__in=REMINDED_STATUSES)
        .exclude(status=OccurrenceStatus.COMPLETED)
        .order_by("due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    return min((d for d in (dated, standing) if d is not None), default=None)


def _sweep_window(
    rules: list[EscalationRule], start: dt.date, end: dt.date, as_of: dt.datetime, started_at: dt.datetime
) -> tuple[int, dict[str, int] | None]:
    """Write the window's reminders; returns the number of due tasks and, on PostgreSQL, the
    rows written by status (counted by the statements themselves; None elsewhere)."""
    oldest = None
    if any(rule.repeat_every_days for rule in rules):
        oldest = _oldest_open_deadline()
    first_year = min(start, oldest or start).year - 1
    calendar = load_calendar(first_year, end.year + 2)
    by_deadline = rungs_in_window(calendar, rules, start, end, oldest)
    if not by_deadline:
        return 0, {}
    deadlines = sorted(by_deadline)
    touched: list[int] = []
    counts: Counter[str] | None
    if _in_sql():
        touched, counts = messages_write(
            due_candidates(deadlines).query.sql_with_params(), by_deadline, as_of=as_of, now=timezone.now()
        )
    else:
        counts = _write_in_python(deadlines, by_deadline, as_of, touched)
    superseded_here = _skip_superseded_rungs(touched, written_since=started_at)
    if counts is not None and superseded_here:
        # rows this sweep wrote as pending and then found overtaken
        counts[ReminderStatus.PENDING] -= superseded_here
        counts[ReminderStatus.SKIPPED] += superseded_here
    return len(touched), None if counts is None else {str(k): v for k, v in counts.items() if v}


def _in_sql() -> bool:
    """On PostgreSQL the database decides and writes the messages in one statement
    (``sweep_sql``); elsewhere (SQLite, the embedded default), or with NOTIFICATIONS_SWEEP_IN_SQL
    off, they are decided here in Python, chunk by chunk. Both write the same rows."""
    return db_connection.vendor == "postgresql" and settings.NOTIFICATIONS_SWEEP_IN_SQL


def _write_in_python(
    deadlines: list[dt.date], by_deadline: dict[dt.date, list[Rung]], as_of: dt.datetime, touched: list[int]
) -> Counter[str] | None:
    """The generic path: the candidates read in chunks, their messages decided here and
    inserted; ``touched`` gets each candidate's task id. Returns the rows written by status
    (None where the database cannot tell)."""
    counts: Counter[str] | None = Counter()
    chunk_size = 5000
    for chunk in _chunks(due_candidates(deadlines).iterator(chunk_size=chunk_size), chunk_size):
        touched.extend(row[0] for row in chunk)
        people = load_people(chunk)
        rows = _new_people_only(
            list(_reminder_rows(chunk, by_deadline, people)), _rungs_written(chunk, by_deadline), people
        )
        written = _insert_reminders(list(rows), as_of=as_of)
        counts = None if written is None or counts is None else counts + written
    return counts


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
    "period",
    "language",
    "part",
    "digest",
    "recipient_id",
    "level",
    "due_on",
    "recipients",
    "status",
    "error",
)
_ROW_TYPES: tuple[str, ...] = ("bigint", "bigint", "date", "integer", "text", "smallint", "boolean")
_ROW_TYPES += ("bigint", "smallint", "date", "text", "text", "text")
_RUNG = slice(0, 4)
_LANGUAGE, _PART, _DIGEST, _RECIPIENTS, _STATUS, _ERROR = 4, 5, 6, 10, 11, 12

_ERRORS: dict[str, str] = {
    ReminderStatus.SKIPPED: SKIPPED_ERROR,
    ReminderStatus.NO_ADDRESS: NO_ADDRESS_ERROR,
    ReminderStatus.PENDING: "",
}


_TO, _SKIPPED, _NO_ADDRESS = RECIPIENT_TO, str(ReminderStatus.SKIPPED), str(ReminderStatus.NO_ADDRESS)


def _row_status(entries: list[tuple[int, str]]) -> str:
    """A message is pending while anyone is to get it; else it records why nobody does."""
    states = {state for _person, state in entries}
    if _TO in states:
        return ReminderStatus.PENDING
    if _NO_ADDRESS in states:
        return ReminderStatus.NO_ADDRESS
    return ReminderStatus.SKIPPED


def _reminder_rows(
    chunk: list[tuple], by_deadline: dict[dt.date, list[Rung]], people: People
) -> Iterator[list]:
    """For each task and due rung, its messages: one per language for the people whose latest
    due rung it is, and one row per person who reads the daily digest. People whose latest
    rung is a later one are named in the rung's message as skipped (nothing is sent to them).
    A row's people are (official id, state) pairs here; ``_new_people_only`` writes them out."""
    info, digest = people.info, people.digest
    for task_id, deadline, responsible, leader, agency, creator, supervisor in chunk:
        rungs = by_deadline[deadline]
        reached: list[tuple[Rung, list[int]]] = []
        latest: dict[int, Rung] = {}
        for rung in rungs:
            persons = recipients_for_level(
                rung.level,
                responsible=responsible,
                supervisor=supervisor,
                leader=leader,
                creator=creator,
                agency=agency,
                people=people,
            )
            reached.append((rung, persons))
            if len(rungs) > 1:
                for person in persons:
                    current = latest.get(person)
                    if current is None or rung.rank > current.rank:
                        latest[person] = rung
        for rung, persons in reached:
            groups: dict[tuple[str, int | None], list[tuple[int, str]]] = {}
            for person in persons:
                email, language = info[person][:2]
                # overtaken by a later rung of the window, else to send if there is an address
                overtaken = latest and latest[person] is not rung
                state = _SKIPPED if overtaken else _TO if email else _NO_ADDRESS
                key = (language, person) if person in digest else (language, None)
                group = groups.get(key)
                if group is None:
                    groups[key] = [(person, state)]
                else:
                    group.append((person, state))
            for (language, digest_of), entries in groups.items():
                status = _row_status(entries)
                yield [
                    task_id,
                    rung.rule_id,
                    deadline,
                    rung.period,
                    language,
                    0,
                    digest_of is not None,
                    digest_of,
                    rung.level,
                    rung.due_on,
                    entries,
                    str(status),
                    _ERRORS[status],
                ]


def _rungs_written(
    chunk: list[tuple], by_deadline: dict[dt.date, list[Rung]]
) -> dict[tuple, tuple[set, int]]:
    """For each rung of the chunk's tasks that already has rows: the people it names and its
    highest part. One query; on a day's first sweep it finds nothing."""
    found: dict[tuple, tuple[set, int]] = {}
    rows = (
        Reminder.objects.filter(field_in("task_id", [row[0] for row in chunk]))
        .filter(deadline__in={row[1] for row in chunk if row[1] in by_deadline})
        .order_by()
        .values_list("task_id", "rule_id", "deadline", "period", "part", "recipients")
    )
    for task_id, rule_id, deadline, period, part, entries in rows:
        named, top = found.setdefault((task_id, rule_id, deadline, period), (set(), 0))
        named.update(entry["id"] for entry in entries)
        found[(task_id, rule_id, deadline, period)] = (named, max(top, part))
    return found


def _new_people_only(
    rows: list[list], written: dict[tuple, tuple[set, int]], people: People
) -> Iterator[list]:
    """A rung already written keeps its messages; people it does not name yet (the task's lead
    agency changed, a focal point was appointed since) get a message of its own, with the next
    part; nobody named is named again. Rows are serialised for the database here."""
    parts: dict[tuple, int] = {}
    for row in rows:
        entries = row[_RECIPIENTS]
        if written:
            rung = tuple(row[_RUNG])
            if rung in written:
                named, top = written[rung]
                entries = [(person, state) for person, state in entries if person not in named]
                if not any(state == _TO for _person, state in entries):
                    continue
                status = _row_status(entries)
                row[_STATUS], row[_ERROR] = str(status), _ERRORS[status]
                if not row[_DIGEST]:
                    parts[rung] = parts.get(rung, top) + 1
                    row[_PART] = parts[rung]
        # orjson: the standard library's encoder took a third of the sweep's Python time.
        row[_RECIPIENTS] = orjson.dumps(
            [recipient_entry(people, person, state) for person, state in entries]
        ).decode()
        yield row


def _insert_reminders(rows: list[list], *, as_of: dt.datetime) -> Counter[str] | None:
    """INSERT ... ON CONFLICT DO NOTHING: a row already there stays as it is (the sweep's lock
    and ``_new_people_only`` make that not happen; the unique keys back them up). On
    PostgreSQL the chunk is copied into a session-local staging table and inserted by one
    statement, all inside the sweep's transaction, which returns how many rows of each status
    it wrote; elsewhere (SQLite, the embedded default) by bulk_create, which cannot tell (None)."""
    if not rows:
        return Counter()
    now = timezone.now()
    if db_connection.vendor != "postgresql":
        Reminder.objects.bulk_create(
            (
                Reminder(
                    **dict(zip(_ROW_COLUMNS, row, strict=True), recipients=json.loads(row[_RECIPIENTS])),
                    next_attempt_at=as_of,
                )
                for row in rows
            ),
            batch_size=500,
            ignore_conflicts=True,
        )
        return None
    # COPY into a temporary table, then one INSERT ... SELECT: COPY's row formatting is
    # compiled, where binding the rows as parameters (client- or server-side) spent more
    # time in Python than the database spent inserting them.
    staging = "notifications_sweep_messages"
    names = ", ".join(_ROW_COLUMNS)
    selected = ", ".join(f"{name}::jsonb" if name == "recipients" else name for name in _ROW_COLUMNS)
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
            f"message_id, created_at, updated_at) SELECT {selected}, 0, %s, '', %s, %s FROM staged "
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
    # django-stubs type these as taking a CursorWrapper; they take the driver's cursor and wrap it.
    if db_connection.queries_logged:
        return db_connection.make_debug_cursor(raw)  # type: ignore[arg-type]  # stubs: a raw cursor
    return db_connection.make_cursor(raw)  # type: ignore[arg-type]  # stubs: a raw cursor


_SUPERSEDED_ERROR = "A later reminder for the same deadline replaced it before it was sent."


def _skip_superseded_rungs(task_ids: list[int], *, written_since: dt.datetime) -> int:
    """A pending reminder that a later rung of the same ladder has overtaken (the sender was
    down for days) is not sent any more to the people the newer one reaches: it says what the
    older one would. A message left with nobody to send to is skipped.

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
            deadline=OuterRef("deadline"),
            due_on__gt=OuterRef("due_on"),
            status__in=live,
        )
        candidates = list(
            Reminder.objects.filter(status=ReminderStatus.PENDING, task_id__in=task_ids)
            .filter(Exists(newer))
            .values_list("id", flat=True)
        )
    else:
        # One pass over the tasks' rows (the unique keys' indexes lead with the task): the
        # pending rows of a task and deadline that a newer live rung exists for. Usually none.
        table = Reminder._meta.db_table
        select = f"""
            SELECT id FROM (
                SELECT id, status, due_on,
                       max(due_on) FILTER (WHERE status = ANY(%b::text[]))
                           OVER (PARTITION BY task_id, deadline) AS newest
                FROM {table} WHERE task_id = ANY(%b::bigint[])
            ) AS r
            WHERE status = %b AND due_on < newest
        """  # noqa: S608
        with _server_bound_cursor() as cursor:
            cursor.execute(
                select, [[str(status) for status in live], sorted(task_ids), str(ReminderStatus.PENDING)]
            )
            candidates = [row[0] for row in cursor.fetchall()]
    if not candidates:
        return 0
    return _skip_overtaken_people(candidates, live=live, written_since=written_since)


def _skip_overtaken_people(candidates: list[int], *, live: tuple, written_since: dt.datetime) -> int:
    """Per person: in each candidate message, the people a newer live message of the same task
    and deadline is (or was) for are marked skipped; a message left with nobody is skipped."""
    pending = list(Reminder.objects.filter(pk__in=candidates, status=ReminderStatus.PENDING))
    newer = list(
        Reminder.objects.filter(task_id__in={r.task_id for r in pending}, status__in=live).values_list(
            "task_id", "deadline", "due_on", "recipients"
        )
    )
    changed: list[Reminder] = []
    fresh = 0
    now = timezone.now()
    for row in pending:
        reached = {
            entry["id"]
            for task_id, deadline, due_on, entries in newer
            if task_id == row.task_id and deadline == row.deadline and due_on > row.due_on
            for entry in entries
            if entry.get("state") in (RECIPIENT_TO, ReminderStatus.SENT)
        }
        overtaken = [entry for entry in row.addressees if entry["id"] in reached]
        if not overtaken:
            continue
        for entry in overtaken:
            entry["state"] = str(ReminderStatus.SKIPPED)
        if not row.addressees:
            row.status = ReminderStatus.SKIPPED
            row.error = _SUPERSEDED_ERROR
            fresh += row.created_at >= written_since
        row.updated_at = now
        changed.append(row)
    Reminder.objects.bulk_update(changed, ["recipients", "status", "error", "updated_at"])
    return fresh if db_connection.vendor == "postgresql" else 0


def _counts_since(started_at: dt.datetime) -> dict[str, int]:
    return {
        row["status"]: row["n"]
        for row in Reminder.objects.filter(created_at__gte=started_at)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    }
