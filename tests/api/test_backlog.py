"""The backlog report against a hand-built set of tasks whose four counts are known."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tasks import services
from tests.api.conftest import make_task
from tests.factories import DirectiveFactory, OfficialFactory

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 10, tzinfo=HANOI), tick=False)


def _done(world, task, submitted: dt.date, confirmed: dt.date | None):
    with _at(submitted):
        task = services.task_submit(actor=task.responsible_official, task=task, result_summary="Done.")
    if confirmed:
        with _at(confirmed):
            task = services.task_confirm(actor=world.monitor, task=task)
    return task


@pytest.fixture
def backlog(api):
    world = api.world
    mic = {
        "lead_agency": world.mic,
        "responsible_official": world.mic_focal,
        "accountable_leader": world.mic_leader,
    }
    with _at(dt.date(2025, 3, 1)):
        t1 = make_task(world, coordinating=[], deadline=dt.date(2025, 5, 31))
        t2 = make_task(world, coordinating=[], deadline=dt.date(2025, 5, 10))
        make_task(world, coordinating=[], deadline=dt.date(2025, 5, 31))  # assigned, overdue on 1/6
        t4 = make_task(world, coordinating=[], deadline=dt.date(2025, 6, 30))
        services.task_start(actor=world.mps_focal, task=t4)  # within deadline
        t5 = make_task(world, coordinating=[], deadline=dt.date(2025, 5, 31))
        make_task(world, coordinating=[], assign=False)  # draft: not counted
        t7 = make_task(world, coordinating=[], deadline=dt.date(2025, 5, 31))
        services.task_cancel(actor=world.monitor, task=t7, reason="Merged.")  # not counted
        t8 = make_task(world, coordinating=[], deadline=dt.date(2025, 5, 31))
        make_task(world, coordinating=[], deadline=dt.date(2025, 6, 15), **mic)  # within
        t10 = make_task(world, coordinating=[], deadline=dt.date(2025, 4, 30), **mic)
    _done(world, t1, dt.date(2025, 5, 20), dt.date(2025, 5, 25))  # on time
    _done(world, t2, dt.date(2025, 5, 20), dt.date(2025, 5, 21))  # late
    _done(world, t5, dt.date(2025, 5, 28), None)  # submitted, unconfirmed, deadline passed: overdue
    _done(world, t8, dt.date(2025, 5, 30), dt.date(2025, 6, 5))  # confirmed after 1/6: still overdue then
    _done(world, t10, dt.date(2025, 4, 29), dt.date(2025, 5, 2))  # on time
    # a task of another directive, to check the directive filter
    other = DirectiveFactory(number="73/TB-VPCP", issued_on=dt.date(2025, 3, 1), issuing_agency=world.go)
    moj_leader = OfficialFactory(username="t.moj.leader", agency=world.moj, role="leader")
    with _at(dt.date(2025, 3, 2)):
        services.task_assign(
            actor=world.monitor,
            task=services.task_create(
                actor=world.monitor,
                directive=other,
                title="Publish the list of procedures",
                description="On the national portal.",
                lead_agency=world.moj,
                responsible_official=world.moj_focal,
                accountable_leader=moj_leader,
                deadline=dt.date(2025, 5, 15),
                result_kind="deliverable",
                expected_result="List published",
            ),
        )
    return other


def _row(counts: tuple[int, int, int, int]) -> dict:
    names = ("completed_on_time", "completed_late", "in_progress_within_deadline", "in_progress_overdue")
    return {**dict(zip(names, counts, strict=True)), "total": sum(counts)}


def test_backlog_counts_by_hand(api, backlog):
    response = api.clients["monitor"].get("/api/v1/reports/backlog/?as_of=2025-06-01")
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2025-06-01"
    assert [row["lead_agency"] for row in body["rows"]] == ["MIC", "MOJ", "MPS"]
    assert body["rows"][2]["name_en"] == "Ministry of Public Security"
    counts = {row["lead_agency"]: {k: row[k] for k in _row((0, 0, 0, 0))} for row in body["rows"]}
    assert counts == {"MIC": _row((1, 0, 1, 0)), "MPS": _row((1, 1, 1, 3)), "MOJ": _row((0, 0, 0, 1))}
    assert body["totals"] == _row((2, 1, 2, 4))


def test_backlog_as_of_another_day_and_filters(api, backlog):
    later = api.clients["monitor"].get("/api/v1/reports/backlog/?as_of=2025-06-10&lead_agency=MPS").json()
    # by 10/6 the task confirmed on 5/6 counts as completed on time (submitted 30/5, due 31/5)
    assert later["rows"][0]["lead_agency"] == "MPS"
    assert {k: later["rows"][0][k] for k in _row((0, 0, 0, 0))} == _row((2, 1, 1, 2))
    by_directive = api.clients["monitor"].get(
        f"/api/v1/reports/backlog/?as_of=2025-06-01&directive={backlog.pk}"
    )
    assert [row["lead_agency"] for row in by_directive.json()["rows"]] == ["MOJ"]


def test_backlog_of_a_focal_point_counts_only_what_it_sees(api, backlog):
    body = api.clients["coordinating_focal"].get("/api/v1/reports/backlog/?as_of=2025-06-01").json()
    assert [row["lead_agency"] for row in body["rows"]] == ["MIC"]
    assert body["totals"]["total"] == 2
