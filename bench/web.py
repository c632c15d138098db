"""The web pages beside the API answers that hold the same data (issue 16): each page within 2×
of its API answer, under 300 ms and under 200 KB of HTML, signed in as a monitor.

Both doors go through the full Django stack in-process (``django.test.Client``: every
middleware, the session or the token, the FilterSet, the template or the serializer), asked
alternately so that load drift hits both alike. The caches are as in production at both doors
and warm: the API keeps whole answers (``cached_json``), the pages keep their content the same
way for as long (``tasks.web.views._page``: the dashboard and the clarity index for
``BACKLOG_CACHE_SECONDS``, the task list for ``TASK_LIST_CACHE_SECONDS``), and any change of a
task drops both. The task page and the agency page are drawn afresh on every request, as the
task detail API is; the agency page is beside the task list API with its page cache off.

Pairs: the dashboard and ``/api/v1/reports/backlog/``; the task list (its first tab, the open
tasks) and ``/api/v1/tasks/`` asked the same statuses; a task page and ``/api/v1/tasks/<id>/``
with ``/api/v1/tasks/<id>/progress-reports/`` (the page shows the task and its latest reports);
the agency page of the agency with the most overdue tasks and ``/api/v1/tasks/?agency=`` with
the open statuses; the clarity index and ``/api/v1/reports/clarity/`` (the same selector, every
row of both tables where the page shows a page of each).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from bench.api import API_BACKLOG, API_TASKS, PAGE_SIZE, Caller
from bench.measure import Context, Figure, alternate, median, peak_mb
from tasks.choices import OPEN_STATUSES

API_CLARITY = "/api/v1/reports/clarity/"

TARGET_RATIO = 2.0
TARGET_MS = 300.0
MAX_HTML_KB = 200.0


def _open(**params) -> str:
    query = list(params.items())
    query += [("status", str(status)) for status in OPEN_STATUSES]
    return urlencode(query)


def _task_id(ctx: Context) -> int:
    """The open task of the bench's agency with the most progress reports: the heaviest page."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.id FROM tasks_task t
               LEFT JOIN tasks_progressreport r ON r.task_id = t.id
               WHERE t.lead_agency_id = %s AND t.status IN ('assigned', 'in_progress', 'submitted')
               GROUP BY t.id ORDER BY count(r.id) DESC, t.id LIMIT 1""",
            [ctx.agency_id],
        )
        return cursor.fetchone()[0]


def web_figures(ctx: Context) -> list[Figure]:
    caller = Caller(ctx.monitor_id)
    web = Client(raise_request_exception=True, SERVER_NAME="localhost", HTTP_ACCEPT_LANGUAGE="en")
    web.force_login(ctx.user(ctx.monitor_id))
    as_of = ctx.as_of.isoformat()
    task_id = _task_id(ctx)
    open_first = f"/tasks/?{urlencode({'as_of': as_of})}"
    overdue = {"as_of": as_of, "lead_agency": ctx.agency_code, "timeliness": "in_progress_overdue"}
    cases = [
        ("dashboard", f"/dashboard/?as_of={as_of}", f"{API_BACKLOG}?as_of={as_of}", "the backlog API"),
        (
            f"task list, open tasks, first page of {PAGE_SIZE}",
            open_first,
            f"{API_TASKS}?{_open(as_of=as_of, page_size=PAGE_SIZE)}",
            "the task list API, the same statuses",
        ),
        (
            f"task list, {ctx.agency_code} overdue, first page of {PAGE_SIZE}",
            f"/tasks/?{urlencode(overdue)}",
            f"{API_TASKS}?{urlencode({**overdue, 'page_size': PAGE_SIZE})}",
            "the task list API, the same filters",
        ),
        (
            "task page",
            f"/tasks/{task_id}/",
            [f"{API_TASKS}{task_id}/", f"{API_TASKS}{task_id}/progress-reports/"],
            "the task detail API and its progress reports' first page (what the page shows)",
        ),
        (
            f"agency page ({ctx.agency_code}), first page of {PAGE_SIZE}",
            f"/agency/?agency={ctx.agency_code}",
            f"{API_TASKS}?{_open(agency=ctx.agency_code, page_size=PAGE_SIZE)}",
            "the task list API, the agency's open tasks",
        ),
        (
            "clarity index",
            "/clarity/",
            API_CLARITY,
            "the clarity API (the same counts, every row)",
        ),
    ]
    figures = []
    for name, page, api, floor_name in cases:
        uncached = page.startswith("/agency/")

        def subject(page=page):
            response = web.get(page)
            if response.status_code != 200:
                raise AssertionError(f"GET {page} answered {response.status_code}")
            return response

        def floor(api=api, uncached=uncached):
            answers = [api] if isinstance(api, str) else api
            with override_settings(**({"TASK_LIST_CACHE_SECONDS": 0} if uncached else {})):
                return [caller.get(one) for one in answers][-1]

        # warm both (the shared counts are cached as in production), then check the page
        response, answer = subject(), floor()
        # every statement the page runs, recorded as it is sent (not from the debug query log)
        statements: list[str] = []

        def record(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            subject()
        sql = "\n".join(s for s in statements if "tasks_task" in s).upper()
        html = response.content.decode()
        rows = len(re.findall(r'<tr data-(?:task|agency|directive)="', html))
        times, floor_times = alternate(subject, floor, ctx.runs, warmup=1)
        kb = len(response.content) / 1000
        figures.append(
            Figure(
                name=f"web page: {name}",
                median_ms=median(times),
                floor_ms=median(floor_times),
                target_ratio=TARGET_RATIO,
                target_ms=TARGET_MS,
                queries=len(statements),
                peak_mb=peak_mb(subject),
                runs=ctx.runs,
                floor=floor_name,
                extra={
                    "page": page,
                    "api": api,
                    "html_kb": round(kb, 1),
                    "api_kb": round(len(answer.content) / 1000, 1),
                    "rows": rows,
                    "options": html.count("<option"),
                    "backlog_cache_seconds": settings.BACKLOG_CACHE_SECONDS,
                    "task_list_cache_seconds": 0 if uncached else settings.TASK_LIST_CACHE_SECONDS,
                },
                checks={
                    f"HTML <= {MAX_HTML_KB:g} KB": kb <= MAX_HTML_KB,
                    "no OFFSET": "OFFSET" not in sql,
                    "no COUNT of tasks": "COUNT(" not in sql or "GROUP BY" in sql,
                },
            )
        )
    return figures
