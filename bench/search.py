"""Search without accents, measured: a ranked page of the API and of the web task list beside the
same search written by hand in SQL (issue 16: within 3x at 1,000,000 tasks).

The floor is one statement, the best we know how to write by hand: the directive and agency
matches as arrays computed once (``= ANY(ARRAY(SELECT ...))``, so the task table is still read
by a bitmap OR of its indexes), the same rank as ``tasks.search.task_search`` on the stored
folded column, the page's related codes by joins, then the coordinating agencies of the page
in a second query; rows to orjson. It is checked to return the same tasks in the same order.
"""

from __future__ import annotations

from urllib.parse import urlencode

import orjson
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from bench.api import API_TASKS, PAGE_SIZE, Caller
from bench.measure import Context, Figure, alternate, floor_median, median, peak_mb
from tasks.search import fold_query

FLOOR_SQL = """
WITH m AS (
    SELECT ARRAY(SELECT id FROM tasks_directive WHERE fc_fold(number) LIKE %(like)s) AS directives,
           ARRAY(SELECT id FROM agencies_agency
                 WHERE fc_fold(code || ' | ' || name_vi || ' | ' || name_en) LIKE %(like)s) AS agencies
)
SELECT t.id, t.code, t.title, t.description, t.field, t.status, t.deadline, t.original_deadline,
       t.progress, t.version, t.updated_at, d.number AS directive_number,
       a.code AS lead_agency, r.username AS responsible_official, l.username AS accountable_leader,
       (CASE WHEN t.search_text LIKE %(code)s THEN 3000
             WHEN t.search_text LIKE %(prefix)s THEN 2500 ELSE 0 END
        + CASE WHEN strpos(t.search_text, %(space_words)s) = strpos(t.search_text, ' ') THEN 1500
               WHEN t.search_text LIKE %(word)s THEN 1200
               WHEN t.search_text LIKE %(like)s THEN 1000 ELSE 0 END
        + CASE WHEN t.directive_id = ANY(m.directives) THEN 800 ELSE 0 END
        + CASE WHEN t.lead_agency_id = ANY(m.agencies) THEN 500 ELSE 0 END
        + CASE WHEN t.title = '' THEN 0 ELSE (999 * %(n)s) / GREATEST(length(t.title), %(n)s) END) AS rank
FROM m, tasks_task t
JOIN tasks_directive d ON d.id = t.directive_id
LEFT JOIN agencies_agency a ON a.id = t.lead_agency_id
LEFT JOIN agencies_official r ON r.id = t.responsible_official_id
LEFT JOIN agencies_official l ON l.id = t.accountable_leader_id
WHERE t.search_text LIKE %(like)s OR t.directive_id = ANY(m.directives) OR t.lead_agency_id = ANY(m.agencies)
ORDER BY rank DESC, t.id DESC
LIMIT %(limit)s
"""

COORDINATING_SQL = """
SELECT c.task_id, a.code FROM tasks_task_coordinating_agencies c
JOIN agencies_agency a ON a.id = c.agency_id
WHERE c.task_id = ANY(%s) ORDER BY a.code
"""


def _escaped(words: str) -> str:
    return words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def floor_page(text: str, page_size: int = PAGE_SIZE) -> bytes:
    """The hand-written ranked page of tasks for ``text``, as JSON bytes."""
    words = fold_query(text)
    w = _escaped(words)
    params: dict[str, str | int] = {
        "like": f"%{w}%",
        "code": f"{w} %",
        "prefix": f"{w}%",
        "space_words": f" {words}",
        "word": f"% {w}%",
        "n": len(words),
        "limit": page_size + 1,
    }
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        more, rows = len(rows) > page_size, rows[:page_size]
        by_id = {row["id"]: row for row in rows}
        for row in rows:
            row["coordinating_agencies"] = []
        cursor.execute(COORDINATING_SQL, [list(by_id)])
        for task_id, code in cursor.fetchall():
            by_id[task_id]["coordinating_agencies"].append(code)
    following = f"?after={rows[-1]['rank']},{rows[-1]['id']}" if more and rows else None
    return orjson.dumps({"next": following, "results": rows}, default=str)


def _phrase(ctx: Context) -> str:
    """A phrase typed without accents that many tasks hold: the folded end of the most common
    title (its object, e.g. "du lieu dan cu"), the broad case."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM tasks_task GROUP BY title ORDER BY count(*) DESC, title LIMIT 1")
        (title,) = cursor.fetchone()
    return " ".join(fold_query(title).split()[-3:])


def _code(ctx: Context) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code FROM tasks_task WHERE lead_agency_id = %s ORDER BY id LIMIT 1", [ctx.agency_id]
        )
        (code,) = cursor.fetchone()
    return code.lower()


def search_figures(ctx: Context) -> list[Figure]:
    """The search through the API and the web task list, every request reading the database."""
    with override_settings(TASK_LIST_CACHE_SECONDS=0, BACKLOG_CACHE_SECONDS=0):
        return _search_figures(ctx)


def _matches(words: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tasks_task WHERE search_text LIKE %s", [f"%{_escaped(words)}%"])
        return cursor.fetchone()[0]


def _search_figures(ctx: Context) -> list[Figure]:
    caller = Caller(ctx.monitor_id)
    web = Client(raise_request_exception=True, SERVER_NAME="localhost", HTTP_ACCEPT_LANGUAGE="en")
    web.force_login(ctx.user(ctx.monitor_id))
    phrase, code = _phrase(ctx), _code(ctx)
    cases = []
    for label, text in ((f'a phrase without accents ("{phrase}")', phrase), ("a task code", code)):
        query = urlencode({"search": text, "page_size": PAGE_SIZE})
        cases.append((f"search API: {label}, first page of {PAGE_SIZE}", "api", text, f"{API_TASKS}?{query}"))
    web_query = urlencode({"search": phrase})
    cases.append(
        (f"search web page: the phrase, first page of {PAGE_SIZE}", "web", phrase, f"/tasks/?{web_query}")
    )
    figures = []
    for name, door, text, path in cases:

        def subject(door=door, path=path):
            if door == "api":
                return caller.get(path)
            response = web.get(path)
            if response.status_code != 200:
                raise AssertionError(f"GET {path} answered {response.status_code}")
            return response

        def floor(text=text):
            return floor_page(text)

        response = subject()
        hand = orjson.loads(floor(text))["results"]
        if door == "api":
            got = [row["id"] for row in orjson.loads(response.content)["results"]]
            if got != [row["id"] for row in hand]:
                raise AssertionError(f"{name}: the floor ranks differently from the API")
        else:
            shown = response.content.decode().count('<tr data-task="')
            if shown != len(hand):
                raise AssertionError(f"{name}: the page shows {shown} tasks, the floor {len(hand)}")
        times, floor_times = alternate(subject, floor, ctx.runs, warmup=2)
        figures.append(
            Figure(
                name=name,
                median_ms=median(times),
                floor_ms=floor_median(floor_times),
                target_ratio=3.0,
                peak_mb=peak_mb(subject),
                runs=ctx.runs,
                floor="one hand-written SQL statement for the ranked page, its coordinating agencies, orjson",
                extra={
                    "matches": _matches(fold_query(text)),
                    "bytes": len(response.content),
                    "search": text,
                },
            )
        )
    return figures
