"""The task list API through the full Django stack in-process, beside its hand-written floor.

Requests go through ``django.test.Client`` (every middleware, token authentication, DRF, the
filterset, the serializer, the paginator). The floor is a plain Django view in
``bench.floors`` that runs the very SQL the API ran for the page (captured from it) and
serialises the rows with orjson; a second floor does the same with ``.values()``.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import orjson
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from knox.models import AuthToken

from agencies.models import Official
from bench import floors
from bench.measure import Context, Figure, alternate, floor_median, median, peak_mb

API_TASKS = "/api/v1/tasks/"
API_BACKLOG = "/api/v1/reports/backlog/"
OVERDUE = "in_progress_overdue"
PAGE_SIZE = 50


def token_for(user_id: int) -> str:
    return AuthToken.objects.create(user=Official.objects.get(pk=user_id))[1]


def list_params(ctx: Context, page_size: int) -> dict:
    return {
        "lead_agency": ctx.agency_code,
        "timeliness": OVERDUE,
        "as_of": ctx.as_of.isoformat(),
        "page_size": page_size,
    }


def list_path(ctx: Context, page_size: int) -> str:
    return f"{API_TASKS}?{urlencode(list_params(ctx, page_size))}"


def backlog_path(ctx: Context) -> str:
    return f"{API_BACKLOG}?as_of={ctx.as_of.isoformat()}"


class Caller:
    """A client with a token, asking in English."""

    def __init__(self, user_id: int):
        # A host that ALLOWED_HOSTS admits in every settings module (not Django's "testserver").
        self.client = Client(raise_request_exception=True, SERVER_NAME="localhost")
        self.headers = {"Authorization": f"Token {token_for(user_id)}", "Accept-Language": "en"}

    def get(self, path: str):
        response = self.client.get(path, headers=self.headers)
        if response.status_code != 200:
            raise AssertionError(f"GET {path} answered {response.status_code}: {response.content[:500]!r}")
        return response


def _next_path(response) -> str | None:
    data = orjson.loads(response.content)
    link = data.get("next")
    if not link:
        return None
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _data_queries(captured: list[dict]) -> list[str]:
    """The statements that read tasks (not the token, session or throttle lookups)."""
    return [q["sql"] for q in captured if "tasks_task" in q["sql"]]


def _flags(sqls: list[str]) -> dict:
    text = "\n".join(sqls).upper()
    return {"offset": bool(re.search(r"\bOFFSET\b", text)), "count": "COUNT(" in text}


def floor_query(sqls: list[str], page_size: int) -> dict:
    return {"sql": sqls[0], "params": None, "extra_sql": sqls[1:], "page_size": page_size}


def floor_query_for_workers(ctx: Context, page_size: int) -> dict:
    """The SQL of the API's page, for the floor view of the gunicorn workers."""
    caller = Caller(ctx.monitor_id)
    with CaptureQueriesContext(connection) as captured:
        caller.get(list_path(ctx, page_size))
    return floor_query(_data_queries(captured.captured_queries), page_size)


def deep_page_path(ctx: Context, caller: Caller, pages: int, page_size: int) -> tuple[str, int]:
    """Follow ``next`` from the first page of the whole list; returns the path of the deepest
    page reached (at most ``pages``) and its number."""
    path = f"{API_TASKS}?{urlencode({'as_of': ctx.as_of.isoformat(), 'page_size': page_size})}"
    number = 1
    while number < pages:
        following = _next_path(caller.get(path))
        if not following:
            break
        path, number = following, number + 1
    return path, number


def api_figures(ctx: Context) -> list[Figure]:
    """The task list in-process, every request reading the database (the page cache off)."""
    with override_settings(TASK_LIST_CACHE_SECONDS=0):
        return _api_figures(ctx)


def _api_figures(ctx: Context) -> list[Figure]:
    caller = Caller(ctx.monitor_id)
    deep, deep_number = deep_page_path(ctx, Caller(ctx.walker_id), 1000, PAGE_SIZE)
    first_all = f"{API_TASKS}?{urlencode({'as_of': ctx.as_of.isoformat(), 'page_size': PAGE_SIZE})}"
    cases = [
        (f"task list API: agency + overdue, page of {PAGE_SIZE}", list_path(ctx, PAGE_SIZE)),
        (f"task list API: whole list, first page of {PAGE_SIZE}", first_all),
        (f"task list API: whole list, page {deep_number} of {PAGE_SIZE} (cursor)", deep),
    ]
    # Query counts must not depend on the page size or the depth.
    by_size = {f"size {n}": list_path(ctx, n) for n in (10, PAGE_SIZE, 100)}
    by_depth = {"first page": first_all, f"page {deep_number}": deep}
    counts = {}
    for label, path in [*by_size.items(), *by_depth.items()]:
        with CaptureQueriesContext(connection) as captured:
            caller.get(path)
        counts[label] = len(captured.captured_queries)
    figures = []
    with override_settings(ROOT_URLCONF="bench.urls"):
        for name, path in cases:
            with CaptureQueriesContext(connection) as captured:
                response = caller.get(path)
            queries = len(captured.captured_queries)
            data_sql = _data_queries(captured.captured_queries)
            flags = _flags(data_sql)
            items = len(orjson.loads(response.content).get("results", []))
            floors.FLOOR_QUERY.update(floor_query(data_sql, PAGE_SIZE))
            floor_response = caller.get("/bench/floor/tasks/")
            floor_items = len(orjson.loads(floor_response.content)["results"])
            if floor_items != items:
                raise AssertionError(f"{name}: the floor returned {floor_items} rows, the API {items}")

            def subject(path=path):
                return caller.get(path)

            def floor():
                return caller.get("/bench/floor/tasks/")

            times, floor_times = alternate(subject, floor, ctx.runs, warmup=2)
            checks = {
                "no OFFSET": not flags["offset"],
                "no COUNT": not flags["count"],
                f"same queries for sizes 10/{PAGE_SIZE}/100": len({counts[k] for k in by_size}) == 1,
                f"same queries for pages 1 and {deep_number}": len({counts[k] for k in by_depth}) == 1,
            }
            figures.append(
                Figure(
                    name=name,
                    median_ms=median(times),
                    floor_ms=floor_median(floor_times),
                    target_ratio=3.0,
                    target_ms=30.0,
                    queries=queries,
                    peak_mb=peak_mb(subject),
                    runs=ctx.runs,
                    floor="a plain view running the API's own SQL for the page, rows to orjson",
                    extra={
                        "items": items,
                        "bytes": len(response.content),
                        "query_counts": counts,
                        "data_queries": len(data_sql),
                    },
                    checks=checks,
                )
            )
    return figures
