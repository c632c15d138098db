"""The floors: what the database (or the SMTP server) can do for the same job, hand-written.

Each figure of the benchmark is a ratio of the real code path to one of these, run in the
same process on the same data; the floor is the best we know how to write by hand, not a
straw man, and each one is checked to return the same answer as the code it is compared with.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import smtplib
import uuid
from email.message import EmailMessage

import orjson
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import AuthenticationFailed

from common.api.authentication import TokenAuthentication

# --- backlog --------------------------------------------------------------------------------

BACKLOG_SQL = """
SELECT a.id, a.code, a.name_vi, a.name_en, c.on_time, c.late, c.within, c.overdue
FROM (
    SELECT lead_agency_id, sum(on_time)::bigint AS on_time, sum(late)::bigint AS late,
        sum(within)::bigint AS within, sum(overdue)::bigint AS overdue
    FROM (
        SELECT lead_agency_id,
            count(*) FILTER (WHERE status = 'completed' AND completion_confirmed_on <= %(as_of)s
                             AND completion_date <= deadline) AS on_time,
            count(*) FILTER (WHERE status = 'completed' AND completion_confirmed_on <= %(as_of)s
                             AND completion_date > deadline) AS late,
            count(*) FILTER (WHERE (status <> 'completed' OR completion_confirmed_on > %(as_of)s)
                             AND deadline >= %(as_of)s) AS within,
            count(*) FILTER (WHERE (status <> 'completed' OR completion_confirmed_on > %(as_of)s)
                             AND deadline < %(as_of)s) AS overdue
        FROM tasks_task
        WHERE status IN ('assigned', 'in_progress', 'submitted', 'completed') AND deadline IS NOT NULL
        {directive}
        GROUP BY lead_agency_id
        UNION ALL
        -- the begun occurrences of standing tasks (docs/standing-tasks.md)
        SELECT t.lead_agency_id,
            count(*) FILTER (WHERE o.status = 'completed' AND o.completion_date <= %(as_of)s
                             AND o.completion_date <= o.due_on),
            count(*) FILTER (WHERE o.status = 'completed' AND o.completion_date <= %(as_of)s
                             AND o.completion_date > o.due_on),
            count(*) FILTER (WHERE (o.status <> 'completed' OR o.completion_date > %(as_of)s)
                             AND o.due_on >= %(as_of)s),
            count(*) FILTER (WHERE (o.status <> 'completed' OR o.completion_date > %(as_of)s)
                             AND o.due_on < %(as_of)s)
        FROM tasks_taskoccurrence o JOIN tasks_task t ON t.id = o.task_id
        WHERE t.status IN ('assigned', 'in_progress', 'submitted', 'completed') AND t.recurrence <> ''
          AND o.period_start <= %(as_of)s
        {occurrence_directive}
        GROUP BY t.lead_agency_id
    ) u
    GROUP BY lead_agency_id
) c
LEFT JOIN agencies_agency a ON a.id = c.lead_agency_id
ORDER BY a.code
"""


def backlog_sql(as_of: dt.date, directive_id: int | None = None) -> list[tuple]:
    """The four counts per lead agency, aggregated before the join (a completed task always
    has its dates: a check constraint says so, so no NULL logic is needed)."""
    directive = "AND directive_id = %(directive)s" if directive_id else ""
    occurrence_directive = "AND t.directive_id = %(directive)s" if directive_id else ""
    sql = BACKLOG_SQL.format(directive=directive, occurrence_directive=occurrence_directive)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"as_of": as_of, "directive": directive_id})
        return cursor.fetchall()


def backlog_sql_as_selector_rows(rows: list[tuple]) -> list[tuple]:
    """The floor's rows in the selector's shape, to check that both count the same."""
    return [(r[0], r[1], r[4], r[5], r[6], r[7]) for r in rows]


# --- task list ------------------------------------------------------------------------------


def _authenticate(request: HttpRequest):
    """The same credential check as the API (a token, one query), by hand."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Token "):
        return None
    try:
        return TokenAuthentication().authenticate_credentials(header[6:].encode())[0]
    except AuthenticationFailed:
        return None


def _rows(cursor) -> list[dict]:
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def task_list_floor_view(request: HttpRequest) -> HttpResponse:
    """A hand-written page of the task list: the benchmark's floor for the API.

    It runs the statements the API ran for the page (captured from it by the benchmark and
    handed over in ``FLOOR_QUERY``: the page, then any related rows such as coordinating
    agencies), attaches the related rows to their task, and serialises with orjson: no DRF,
    no serializer, no filterset. Everything Django does around a view (middleware, token
    authentication) is still in it, so the ratio measures the API's own layers.
    """
    user = _authenticate(request)
    if user is None:
        return HttpResponse(status=401)
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_QUERY["sql"], FLOOR_QUERY["params"])
        rows = _rows(cursor)
        # The page's SQL asks for one row more than the page, to know whether a next page exists.
        size = FLOOR_QUERY.get("page_size") or len(rows)
        more, rows = len(rows) > size, rows[:size]
        by_id = {row.get("id"): row for row in rows}
        for index, sql in enumerate(FLOOR_QUERY.get("extra_sql", ())):
            cursor.execute(sql)
            for related in _rows(cursor):
                key = next((k for k in related if k.startswith("_prefetch_related_val")), None)
                owner = by_id.get(related.pop(key)) if key else None
                if owner is not None:
                    owner.setdefault(f"related_{index}", []).append(related)
    following = f"?after={rows[-1].get('id')}" if more and rows else None
    body = orjson.dumps({"next": following, "results": rows}, default=str)
    return HttpResponse(body, content_type="application/json")


def task_list_values_view(request: HttpRequest) -> HttpResponse:
    """The same page through the ORM: ``.values()`` of the API's queryset, and orjson."""
    user = _authenticate(request)
    if user is None:
        return HttpResponse(status=401)
    rows = list(FLOOR_QUERY["queryset"]().values(*FLOOR_QUERY["fields"]))
    body = orjson.dumps({"next": None, "results": rows}, default=str)
    return HttpResponse(body, content_type="application/json")


#: Filled by the benchmark before the floor views are called: the SQL the API ran for the
#: page, its parameters, and a queryset factory with the fields for the ``.values()`` floor.
#: Gunicorn workers get the SQL and parameters from BENCH_FLOOR_QUERY (JSON).
FLOOR_QUERY: dict = {"sql": "SELECT 1", "params": [], "queryset": None, "fields": ()}
if os.environ.get("BENCH_FLOOR_QUERY"):
    FLOOR_QUERY.update(json.loads(os.environ["BENCH_FLOOR_QUERY"]))


def backlog_floor_view(request: HttpRequest) -> HttpResponse:
    """The backlog by hand: token, the SQL floor, orjson."""
    user = _authenticate(request)
    if user is None:
        return HttpResponse(status=401)
    as_of = dt.date.fromisoformat(request.GET.get("as_of") or dt.date.today().isoformat())
    columns = (
        "lead_agency_id",
        "code",
        "name_vi",
        "name_en",
        "completed_on_time",
        "completed_late",
        "in_progress_within_deadline",
        "in_progress_overdue",
    )
    rows = [dict(zip(columns, row, strict=True)) for row in backlog_sql(as_of)]
    for row in rows:
        row["total"] = sum(row[c] for c in columns[4:])
    return HttpResponse(orjson.dumps({"as_of": as_of, "results": rows}), content_type="application/json")


# --- sweep ----------------------------------------------------------------------------------

SWEEP_FLOOR_SQL = """
INSERT INTO notifications_reminder
    (task_id, rule_id, deadline, period, language, part, digest, recipient_id, level, due_on,
     recipients, status, attempts, next_attempt_at, message_id, error, created_at, updated_at)
SELECT t.id, %(rule)s, t.deadline, 0, o.language, 0, false, NULL, 1, %(day)s,
       jsonb_build_array(jsonb_build_object('id', o.id, 'user', o.username, 'name', o.username,
                                            'email', o.email, 'language', o.language, 'state', 'to')),
       'pending', 0, %(now)s, '', '', %(now)s, %(now)s
FROM tasks_task t JOIN agencies_official o ON o.id = t.responsible_official_id
WHERE t.status IN ('assigned', 'in_progress') AND t.deadline = ANY(%(deadlines)s)
ON CONFLICT DO NOTHING
"""


def sweep_floor(deadlines: list[dt.date], rule_id: int, day: dt.date, now: dt.datetime) -> int:
    """The least a sweep can do: find the due tasks by their deadlines and write one message
    each (to the responsible official), in one statement. The real sweep also works out the
    ladder and every recipient."""
    with connection.cursor() as cursor:
        cursor.execute(SWEEP_FLOOR_SQL, {"rule": rule_id, "day": day, "now": now, "deadlines": deadlines})
        return cursor.rowcount


# --- outbox claim ---------------------------------------------------------------------------

CLAIM_SQL = """
UPDATE notifications_reminder SET status = 'sending', claim_token = %(token)s,
    claimed_until = %(until)s, updated_at = %(now)s
WHERE id IN (
    SELECT id FROM notifications_reminder
    WHERE status = 'pending' AND next_attempt_at <= %(now)s
    ORDER BY next_attempt_at, id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING id
"""


def claim_floor(now: dt.datetime, limit: int) -> list[int]:
    """One claim as a single statement: lock-skipping select and update together."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            CLAIM_SQL,
            {"token": uuid.uuid4(), "until": now + dt.timedelta(minutes=10), "now": now, "limit": limit},
        )
        return [row[0] for row in cursor.fetchall()]


# --- SMTP -----------------------------------------------------------------------------------


def smtp_floor(host: str, port: int, count: int, body: str, subject: str) -> int:
    """Send ``count`` ready-made messages of the same size over one connection: what the
    SMTP server allows, with no rendering and no database."""
    sent = 0
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        for n in range(count):
            message = EmailMessage()
            message["From"] = "no-reply@fiveclear.gov.vn"
            message["To"] = f"floor{n}@example.gov.vn"
            message["Subject"] = subject
            message["Message-ID"] = f"<floor.{n}@fiveclear.gov.vn>"
            message.set_content(body)
            smtp.send_message(message)
            sent += 1
    return sent
