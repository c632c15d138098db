"""The sweep's messages decided and written by PostgreSQL in one statement.

The same rules as the generic path of ``sweep`` (``recipients_for_level``, ``_reminder_rows``,
``_new_people_only``), stated once more as set-based SQL: at national scale (10,000 tasks due)
deciding each task's recipients and building its JSON in Python cost about 0.4 s of the 1 s
goal, and reading the people and the rungs already written back into Python cost more. Here
nothing comes back but the due tasks' ids and the rows written by status. The two paths are
held to identical outbox rows by ``tests/notifications/test_sweep_paths.py``; a change to who
is named, in what order, or how a row is keyed goes into both.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import connection as db_connection

from agencies.choices import Role
from agencies.models import Official
from notifications.choices import Level, ReminderStatus
from notifications.models import RECIPIENT_TO, NotificationPreference, Reminder
from notifications.services.ladder import Rung

#: Why a message written with nobody to send to is not sent (its ``error``).
SKIPPED_ERROR = "A later reminder for the same deadline fell due in the same sweep."
NO_ADDRESS_ERROR = "The official has no email address."

# One statement, read top to bottom:
#   rungs     the window's rungs by deadline: their precedence (the latest due wins) and
#             whether their deadline has others in the window (only then can one overtake)
#   cand      the due candidates: the statement of ``due_candidates``, compiled by the ORM
#   people    the active officials the candidates can name (their own people, focal points,
#             monitors): role, language, digest choice, and their JSON entry but its state;
#             nobody else is named (an inactive person is left out, as recipients_for_level does)
#   named     per candidate and rung, each person its level names once, at their first place
#   latest    per candidate and person, the latest rung naming them (deadlines with several)
#   entries   each active person named, with their state: skipped if a later rung of the
#             window names them, else "to" with an address, else no_address
#   prior     the rows already written for these tasks and deadlines (none on a day's first
#             sweep), task by task through the outbox's index that leads with the task: the cost
#             follows the due tasks, not the size of the outbox
#   messages  one per (rung, language) and one per digest reader, leaving out the people a rung
#             already written names (and then only if someone is left to send to)
#   ins       written with ON CONFLICT DO NOTHING on the outbox's unique keys
# The JSON is built as text from each person's entry and parsed once per message: building it
# with jsonb_build_object()/jsonb_agg() took longer (10-65% in 4 alternating runs at 1,000,000
# tasks; docs/reminders.md).
_SQL = """
WITH rungs (deadline, rule_id, level, period, due_on, precedence, contested) AS (
    SELECT * FROM unnest(
        %(deadline)s::date[], %(rule)s::bigint[], %(level)s::smallint[], %(period)s::integer[],
        %(due_on)s::date[], %(precedence)s::integer[], %(contested)s::boolean[]
    )
),
cand (task_id, deadline, responsible, leader, agency, creator, supervisor) AS MATERIALIZED (
    {candidates}
),
people AS MATERIALIZED (
    SELECT o.id, o.role, o.agency_id, o.email <> '' AS reachable, d.official_id IS NOT NULL AS digest,
           CASE WHEN o.language IN ('vi', 'en') THEN o.language ELSE 'vi' END AS language,
           '{{"id":' || o.id || ',"user":' || to_json(o.username)
           || ',"name":' || to_json(coalesce(
                  nullif(btrim(o.first_name || ' ' || o.last_name, E' \\t\\n\\r\\f\\v'), ''), o.username))
           || ',"email":' || to_json(o.email) || ',"state":"' AS entry
    FROM {official} o LEFT JOIN {preference} d ON d.official_id = o.id AND d.daily_digest
    WHERE o.is_active AND (
        o.role IN (%(focal_point)s, %(monitor)s)
        OR o.id IN (SELECT unnest(ARRAY[responsible, leader, creator, supervisor]) FROM cand)
    )
),
focal AS (
    SELECT agency_id, array_agg(id ORDER BY id) AS ids FROM people WHERE role = %(focal_point)s
    GROUP BY agency_id
),
monitors AS (
    SELECT coalesce(array_agg(id ORDER BY id), '{{}}') AS ids FROM people WHERE role = %(monitor)s
),
named AS NOT MATERIALIZED (
    SELECT c.task_id, c.deadline, r.rule_id, r.level, r.period, r.due_on, r.precedence, r.contested,
           x.person, x.pos
    FROM cand c
    JOIN rungs r ON r.deadline = c.deadline
    LEFT JOIN focal f ON f.agency_id = c.agency AND r.level >= %(agency_level)s
    LEFT JOIN people cr ON cr.id = c.creator AND r.level >= %(office_level)s
    CROSS JOIN monitors m
    CROSS JOIN LATERAL (
        SELECT u.person, min(u.pos) AS pos
        FROM unnest(
            ARRAY[c.responsible]
            || CASE WHEN r.level >= %(agency_level)s
                    THEN coalesce(f.ids, '{{}}') || ARRAY[c.supervisor, c.leader]
                    ELSE '{{}}'::bigint[] END
            || CASE WHEN r.level < %(office_level)s THEN '{{}}'::bigint[]
                    WHEN cr.role = %(monitor)s THEN ARRAY[c.creator]
                    ELSE m.ids END
        ) WITH ORDINALITY AS u (person, pos)
        WHERE u.person IS NOT NULL
        GROUP BY u.person
    ) AS x
),
latest AS (
    SELECT task_id, deadline, person, max(precedence) AS precedence
    FROM named WHERE contested GROUP BY task_id, deadline, person
),
entries AS (
    SELECT n.task_id, n.deadline, n.rule_id, n.level, n.period, n.due_on, n.person, n.pos,
           p.language, p.entry, CASE WHEN p.digest THEN n.person END AS digest_of,
           CASE WHEN n.precedence < l.precedence THEN %(skipped)s
                WHEN p.reachable THEN %(to)s ELSE %(no_address)s END AS state
    FROM named n
    JOIN people p ON p.id = n.person
    LEFT JOIN latest l
        ON n.contested AND l.task_id = n.task_id AND l.deadline = n.deadline AND l.person = n.person
),
prior AS MATERIALIZED (
    SELECT r.task_id, r.rule_id, r.deadline, r.period, r.part, r.recipients
    FROM (SELECT DISTINCT task_id FROM cand) AS c
    CROSS JOIN LATERAL (
        SELECT * FROM {reminder} r WHERE r.task_id = c.task_id AND r.deadline = ANY(%(deadlines)s::date[])
        OFFSET 0  -- kept a subquery: an index lookup per task, never a scan of the outbox
    ) AS r
),
written AS (
    SELECT task_id, rule_id, deadline, period, max(part) AS top
    FROM prior GROUP BY task_id, rule_id, deadline, period
),
written_people AS (
    SELECT DISTINCT w.task_id, w.rule_id, w.deadline, w.period, (e.entry ->> 'id')::bigint AS person
    FROM prior w CROSS JOIN LATERAL jsonb_array_elements(w.recipients) AS e (entry)
),
messages AS (
    SELECT e.task_id, e.rule_id, e.deadline, e.period, e.level, e.due_on, e.language, e.digest_of, w.top,
           min(e.pos) AS first,
           '[' || string_agg(e.entry || e.state || '"}}', ',' ORDER BY e.pos) FILTER (WHERE p.person IS NULL)
           || ']' AS recipients,
           CASE WHEN bool_or(e.state = %(to)s) FILTER (WHERE p.person IS NULL) THEN %(pending)s
                WHEN bool_or(e.state = %(no_address)s) FILTER (WHERE p.person IS NULL) THEN %(no_address)s
                ELSE %(skipped)s END AS status
    FROM entries e
    LEFT JOIN written w
        ON w.task_id = e.task_id AND w.rule_id = e.rule_id AND w.deadline = e.deadline AND w.period = e.period
    LEFT JOIN written_people p
        ON p.task_id = e.task_id AND p.rule_id = e.rule_id AND p.deadline = e.deadline
       AND p.period = e.period AND p.person = e.person
    GROUP BY e.task_id, e.rule_id, e.deadline, e.period, e.level, e.due_on, e.language, e.digest_of, w.top
    HAVING count(p.person) < count(*)
       AND (w.top IS NULL OR coalesce(bool_or(e.state = %(to)s) FILTER (WHERE p.person IS NULL), false))
),
ins AS (
    INSERT INTO {reminder} (
        task_id, rule_id, deadline, period, language, part, digest, recipient_id, level, due_on,
        recipients, status, error, attempts, next_attempt_at, message_id, created_at, updated_at
    )
    SELECT m.task_id, m.rule_id, m.deadline, m.period, m.language,
           CASE WHEN m.top IS NULL OR m.digest_of IS NOT NULL THEN 0
                ELSE m.top + row_number() OVER (
                    PARTITION BY m.task_id, m.rule_id, m.deadline, m.period, m.digest_of IS NULL
                    ORDER BY m.first
                ) END,
           m.digest_of IS NOT NULL, m.digest_of, m.level, m.due_on, m.recipients::jsonb, m.status,
           CASE m.status WHEN %(skipped)s THEN %(skipped_error)s
                         WHEN %(no_address)s THEN %(no_address_error)s ELSE '' END,
           0, %(as_of)s, '', %(now)s, %(now)s
    FROM messages m
    ON CONFLICT DO NOTHING
    RETURNING status
)
SELECT (SELECT coalesce(array_agg(task_id), '{{}}') FROM cand), s.statuses, s.counts
FROM (SELECT array_agg(status) AS statuses, array_agg(n) AS counts FROM (
    SELECT status, count(*) AS n FROM ins GROUP BY status
) AS g) AS s
"""


#: PostgreSQL settings for the statement (``SET LOCAL``: the sweep's transaction only).
_SETTINGS = {"jit": "off", "work_mem": "64MB"}


def _precedences(rungs: list[Rung]) -> list[int]:
    """Each rung's place among its deadline's rungs, the latest due highest; of rungs that
    rank the same, the first listed wins (as ``_reminder_rows`` decides)."""
    order = sorted(range(len(rungs)), key=lambda i: (rungs[i].rank, -i))
    places = [0] * len(rungs)
    for place, index in enumerate(order):
        places[index] = place
    return places


def messages_write(
    candidates: tuple[str, tuple],
    by_deadline: dict[dt.date, list[Rung]],
    *,
    as_of: dt.datetime,
    now: dt.datetime,
) -> tuple[list[int], Counter[str]]:
    """Write the messages of the due candidates (``candidates``: the compiled statement of
    ``due_candidates`` and its parameters) for their rungs in ``by_deadline``; returns the
    candidates' task ids (one per candidate) and the rows written by status."""
    rungs: dict[str, list] = {
        name: [] for name in ("deadline", "rule", "level", "period", "due_on", "precedence", "contested")
    }
    for deadline, listed in by_deadline.items():
        for rung, precedence in zip(listed, _precedences(listed), strict=True):
            contested = len(listed) > 1
            values = (deadline, rung.rule_id, rung.level, rung.period, rung.due_on, precedence, contested)
            for column, value in zip(rungs.values(), values, strict=True):
                column.append(value)
    with db_connection.cursor() as cursor:
        # The candidates' statement as text (its parameters bound), inside this one.
        candidates_sql = cursor.mogrify(*candidates).replace("%", "%%")
        sql = _SQL.format(
            candidates=candidates_sql,
            official=Official._meta.db_table,
            preference=NotificationPreference._meta.db_table,
            reminder=Reminder._meta.db_table,
        )
        params: dict[str, Any] = {
            **rungs,
            "deadlines": sorted(by_deadline),
            "focal_point": str(Role.FOCAL_POINT),
            "monitor": str(Role.MONITOR),
            "agency_level": int(Level.AGENCY),
            "office_level": int(Level.GOVERNMENT_OFFICE),
            "to": RECIPIENT_TO,
            "pending": str(ReminderStatus.PENDING),
            "skipped": str(ReminderStatus.SKIPPED),
            "no_address": str(ReminderStatus.NO_ADDRESS),
            "skipped_error": SKIPPED_ERROR,
            "no_address_error": NO_ADDRESS_ERROR,
            "as_of": as_of,
            "now": now,
        }
        # For the rest of the sweep's transaction only: no JIT (the planner cannot see through
        # the unnest()s and guesses a hundred times the rows, enough to compile the statement:
        # 6 s of compiling for 0.5 s of work), and room to sort the day's people in memory
        # (the default 4 MB spilled some 10 MB to disk at 10,000 due tasks).
        cursor.execute(
            "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in _SETTINGS),
            [value for pair in _SETTINGS.items() for value in pair],
        )
        cursor.execute(sql, params)
        task_ids, statuses, counts = cursor.fetchone()
    return list(task_ids), Counter(dict(zip(statuses or [], counts or [], strict=True)))
