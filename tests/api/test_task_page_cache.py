"""Cached task pages and backlog reports (TASK_LIST_CACHE_SECONDS, BACKLOG_CACHE_SECONDS):
shared only between callers who see the same tasks, and never older than the last committed
change of a task, an agency or an official."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.choices import Role
from tasks import services
from tests.api.conftest import client_for, make_task
from tests.factories import OfficialFactory

LIST = "/api/v1/tasks/?as_of=2025-06-01"
MINE = "/api/v1/me/tasks/?as_of=2025-06-01"


@pytest.fixture
def cached(settings):
    settings.TASK_LIST_CACHE_SECONDS = 60


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def _task_queries(client, path) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return response, sum(1 for q in captured.captured_queries if "tasks_task" in q["sql"])


def test_the_same_page_again_reads_no_task_rows(cached, api):
    api.make_task()
    monitor = api.clients["monitor"]
    first, reads = _task_queries(monitor, LIST)
    assert reads >= 1
    second, reads_again = _task_queries(monitor, LIST)
    assert reads_again == 0
    assert second.json() == first.json()
    # another date is another page
    _, other_date = _task_queries(monitor, "/api/v1/tasks/?as_of=2025-05-01")
    assert other_date >= 1


def test_a_page_cached_for_a_monitor_is_not_served_to_an_agency(cached, api):
    world = api.world
    mps_task = api.make_task()
    moj_task = make_task(
        world,
        lead_agency=world.moj,
        responsible_official=world.moj_focal,
        accountable_leader=OfficialFactory(username="t.moj.leader", agency=world.moj, role=Role.LEADER),
        coordinating=[],
    )
    assert set(_codes(api.clients["monitor"].get(LIST))) == {mps_task.code, moj_task.code}
    # the same URL, asked by agencies that see less
    assert _codes(api.clients["other_focal"].get(LIST)) == [moj_task.code]
    assert _codes(api.clients["lead_focal"].get(LIST)) == [mps_task.code]
    assert _codes(api.clients["coordinating_focal"].get(LIST)) == [mps_task.code]


def test_a_committed_change_is_seen_at_once(cached, api, django_capture_on_commit_callbacks):
    world = api.world
    task = api.make_task()
    monitor = api.clients["monitor"]
    assert monitor.get(LIST).json()["results"][0]["status"] == "assigned"
    with django_capture_on_commit_callbacks(execute=True):
        services.task_start(actor=world.mps_focal, task=task)
    assert monitor.get(LIST).json()["results"][0]["status"] == "in_progress"
    # an extension approved moves the task out of "overdue" on 1 June
    with django_capture_on_commit_callbacks(execute=True):
        request = services.extension_request_create(
            actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 12, 31), reason="NA schedule"
        )
        services.extension_request_decide(actor=world.monitor, extension=request, approve=True)
    row = monitor.get(LIST).json()["results"][0]
    assert (row["deadline"], row["timeliness"]) == ("2025-12-31", "in_progress_within_deadline")


def test_renaming_an_agency_or_an_official_is_seen_at_once(cached, api):
    world = api.world
    api.make_task()
    monitor = api.clients["monitor"]
    assert monitor.get(LIST).json()["results"][0]["lead_agency"] == "MPS"
    world.mps.code = "BCA"
    world.mps.save()
    assert monitor.get(LIST).json()["results"][0]["lead_agency"] == "BCA"
    world.mps_leader.username = "renamed.leader"
    world.mps_leader.save()
    assert monitor.get(LIST).json()["results"][0]["accountable_leader"] == "renamed.leader"


def test_my_tasks_are_cached_per_caller(cached, api):
    world = api.world
    task = api.make_task()
    responsible = task.responsible_official
    assert _codes(client_for(responsible).get(MINE)) == [task.code]
    # the monitor sees every task but is responsible for none of them
    assert _codes(api.clients["monitor"].get(MINE)) == []
    assert _codes(client_for(world.mps_leader).get(MINE)) == [task.code]


def test_a_bad_cursor_is_still_refused_when_pages_are_cached(cached, api):
    api.make_task()
    monitor = api.clients["monitor"]
    monitor.get(LIST)
    response = monitor.get(LIST + "&cursor=not-a-cursor")
    assert response.status_code == 400
    assert "cursor" in response.json()


BACKLOG = "/api/v1/reports/backlog/?as_of=2025-06-01"


@pytest.fixture
def backlog_cached(settings):
    settings.BACKLOG_CACHE_SECONDS = 300


def _overdue(response) -> dict[str, int]:
    assert response.status_code == 200, response.content
    return {row["lead_agency"]: row["in_progress_overdue"] for row in response.json()["rows"]}


def test_the_backlog_report_is_cached_per_visibility_and_moves_with_a_change(
    backlog_cached, api, django_capture_on_commit_callbacks
):
    world = api.world
    api.make_task()
    monitor = api.clients["monitor"]
    assert _overdue(monitor.get(BACKLOG)) == {"MPS": 1}
    # read again: no task rows read
    response, reads = _task_queries(monitor, BACKLOG)
    assert (reads, _overdue(response)) == (0, {"MPS": 1})
    # the Ministry of Justice sees none of it, whatever the monitor's answer cached
    assert _overdue(api.clients["other_focal"].get(BACKLOG)) == {}
    with django_capture_on_commit_callbacks(execute=True):
        make_task(world)
    assert _overdue(monitor.get(BACKLOG)) == {"MPS": 2}
