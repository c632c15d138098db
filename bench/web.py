"""The web pages beside the API answers that hold the same data (issue 16): each page within 2×
of its API answer, under 300 ms and under 200 KB of HTML, signed in as a monitor (each role's
daily page as that role: the leader page as the agency's head, the home page as its focal point).

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
row of both tables where the page shows a page of each). Each role's daily pages, drawn afresh
as their API answers are: the morning view and the API's open tasks due the day before with its
submitted ones; the drafts list and the API's drafts; the leader page and the officials'
workload by hand-written SQL with the API's page of the agency's open tasks; a focal point's
home (``/``, which leads to ``/agency/``) and the API's page of the agency's open tasks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from agencies.choices import Role
from agencies.models import Official
from bench.api import API_BACKLOG, API_TASKS, PAGE_SIZE, Caller
from bench.measure import Context, Figure, alternate, median, peak_mb
from tasks.choices import OPEN_STATUSES
from tasks.selectors import AWAITING_SHOWN
from tasks.web.leader import PAGE_SIZE as LEADER_PAGE_SIZE
from tasks.web.monitor import DRAFTS_PAGE_SIZE

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


def _leader_id(ctx: Context) -> int:
    """The head of the bench's agency (the one with the most overdue tasks): the heaviest
    leader page."""
    return (
        Official.objects.filter(role=Role.LEADER, agency_id=ctx.agency_id, is_active=True)
        .order_by("id")
        .values_list("id", flat=True)[0]
    )


def _workload_sql(ctx: Context) -> Callable[[], list]:
    """The leader page's table of officials by hand: one grouped statement over the tasks."""
    sql = """SELECT o.id, o.username, o.first_name, o.last_name,
                   count(t.id) FILTER (WHERE t.status = ANY(%(open)s)),
                   count(t.id) FILTER (WHERE t.status = ANY(%(open)s) AND t.deadline < %(as_of)s),
                   count(t.id) FILTER (WHERE t.status = 'completed' AND t.completion_confirmed_on <= %(as_of)s
                                        AND t.completion_date > t.deadline)
              FROM agencies_official o LEFT JOIN tasks_task t ON t.responsible_official_id = o.id
             WHERE o.agency_id = %(agency)s AND o.is_active
             GROUP BY o.id ORDER BY 6 DESC, 5 DESC, o.last_name, o.first_name, o.username"""

    def run() -> list:
        with connection.cursor() as cursor:
            cursor.execute(sql, {"open": list(OPEN_STATUSES), "as_of": ctx.as_of, "agency": ctx.agency_id})
            return cursor.fetchall()

    return run


@dataclass
class Case:
    """One page, who opens it, and the API answers (or hand-written SQL) that hold its data."""

    name: str
    page: str
    floor: list[str | Callable[[], object]]
    floor_name: str
    user_id: int
    #: the API asked with the task list's page cache off (the page draws afresh too)
    uncached: bool = False
    #: where the page's data rows are marked in its HTML
    row_marker: str = r'<tr data-(?:task|agency|directive)="'


def _cases(ctx: Context) -> list[Case]:
    as_of = ctx.as_of.isoformat()
    task_id = _task_id(ctx)
    open_first = f"/tasks/?{urlencode({'as_of': as_of})}"
    overdue = {"as_of": as_of, "lead_agency": ctx.agency_code, "timeliness": "in_progress_overdue"}
    since = (ctx.as_of - dt.timedelta(days=1)).isoformat()  # the morning view's default
    leader_id = _leader_id(ctx)
    monitor = ctx.monitor_id
    return [
        Case(
            "dashboard",
            f"/dashboard/?as_of={as_of}",
            [f"{API_BACKLOG}?as_of={as_of}"],
            "the backlog API",
            monitor,
        ),
        Case(
            f"task list, open tasks, first page of {PAGE_SIZE}",
            open_first,
            [f"{API_TASKS}?{_open(as_of=as_of, page_size=PAGE_SIZE)}"],
            "the task list API, the same statuses",
            monitor,
        ),
        Case(
            f"task list, {ctx.agency_code} overdue, first page of {PAGE_SIZE}",
            f"/tasks/?{urlencode(overdue)}",
            [f"{API_TASKS}?{urlencode({**overdue, 'page_size': PAGE_SIZE})}"],
            "the task list API, the same filters",
            monitor,
        ),
        Case(
            "task page",
            f"/tasks/{task_id}/",
            [f"{API_TASKS}{task_id}/", f"{API_TASKS}{task_id}/progress-reports/"],
            "the task detail API and its progress reports' first page (what the page shows)",
            monitor,
        ),
        Case(
            f"agency page ({ctx.agency_code}), first page of {PAGE_SIZE}",
            f"/agency/?agency={ctx.agency_code}",
            [f"{API_TASKS}?{_open(agency=ctx.agency_code, page_size=PAGE_SIZE)}"],
            "the task list API, the agency's open tasks",
            monitor,
            uncached=True,
        ),
        Case(
            "clarity index",
            "/clarity/",
            [API_CLARITY],
            "the clarity API (the same counts, every row)",
            monitor,
        ),
        # --- each role's daily job (issue 16) -------------------------------------------------
        Case(
            "monitor's morning view",
            "/morning/",
            [
                f"{API_TASKS}?{_open(deadline_after=since, deadline_before=since, page_size=PAGE_SIZE)}",
                f"{API_TASKS}?{urlencode({'status': 'submitted', 'page_size': AWAITING_SHOWN})}",
            ],
            f"the task list API: the open tasks due yesterday (first page of {PAGE_SIZE}) and the"
            f" submitted ones (first page of {AWAITING_SHOWN})",
            monitor,
            uncached=True,
            row_marker=r'<li data-task="',
        ),
        Case(
            f"drafts list, first page of {DRAFTS_PAGE_SIZE}",
            "/drafts/",
            [f"{API_TASKS}?{urlencode({'status': 'draft', 'page_size': DRAFTS_PAGE_SIZE})}"],
            "the task list API, the drafts",
            monitor,
            uncached=True,
        ),
        Case(
            f"leader page ({ctx.agency_code}), first page of {LEADER_PAGE_SIZE}",
            "/leader/",
            [
                _workload_sql(ctx),
                f"{API_TASKS}?{_open(lead_agency=ctx.agency_code, page_size=LEADER_PAGE_SIZE)}",
            ],
            "the officials' workload by hand-written SQL (one grouped statement) and the task list"
            " API, the open tasks the agency leads",
            leader_id,
            uncached=True,
            row_marker=r'<tr data-official="|<article class="card reassign"',
        ),
        Case(
            f"focal point's home ({ctx.agency_code}: / then /agency/), first page of {PAGE_SIZE}",
            "/",
            [f"{API_TASKS}?{_open(agency=ctx.agency_code, page_size=PAGE_SIZE)}"],
            "the task list API, the agency's open tasks, asked by the focal point",
            ctx.focal_id,
            uncached=True,
        ),
    ]


def web_figures(ctx: Context) -> list[Figure]:
    figures = []
    callers: dict[int, Caller] = {}
    browsers: dict[int, Client] = {}
    for case in _cases(ctx):
        if case.user_id not in callers:
            callers[case.user_id] = Caller(case.user_id)
            browsers[case.user_id] = Client(
                raise_request_exception=True, SERVER_NAME="localhost", HTTP_ACCEPT_LANGUAGE="en"
            )
            browsers[case.user_id].force_login(ctx.user(case.user_id))
        figures.append(_figure(ctx, case, callers[case.user_id], browsers[case.user_id]))
    return figures


def _figure(ctx: Context, case: Case, caller: Caller, web: Client) -> Figure:
    page = case.page

    def subject():
        response = web.get(page, follow=True)
        if response.status_code != 200:
            raise AssertionError(f"GET {page} answered {response.status_code}")
        return response

    def floor():
        with override_settings(**({"TASK_LIST_CACHE_SECONDS": 0} if case.uncached else {})):
            answers = [one() if callable(one) else caller.get(one) for one in case.floor]
        return next((a for a in reversed(answers) if hasattr(a, "content")), None)

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
    rows = len(re.findall(case.row_marker, html))
    times, floor_times = alternate(subject, floor, ctx.runs, warmup=1)
    kb = len(response.content) / 1000
    return Figure(
        name=f"web page: {case.name}",
        median_ms=median(times),
        floor_ms=median(floor_times),
        target_ratio=TARGET_RATIO,
        target_ms=TARGET_MS,
        queries=len(statements),
        peak_mb=peak_mb(subject),
        runs=ctx.runs,
        floor=case.floor_name,
        extra={
            "page": page,
            "api": [one if isinstance(one, str) else "hand-written SQL" for one in case.floor],
            "html_kb": round(kb, 1),
            "api_kb": round(len(answer.content) / 1000, 1) if answer is not None else None,
            "rows": rows,
            "options": html.count("<option"),
            "backlog_cache_seconds": settings.BACKLOG_CACHE_SECONDS,
            "task_list_cache_seconds": 0 if case.uncached else settings.TASK_LIST_CACHE_SECONDS,
        },
        checks={
            f"HTML <= {MAX_HTML_KB:g} KB": kb <= MAX_HTML_KB,
            "no OFFSET": "OFFSET" not in sql,
            "no COUNT of tasks": "COUNT(" not in sql or "GROUP BY" in sql,
        },
    )
