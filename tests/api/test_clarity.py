"""The clarity index in the API: the same selector as the /clarity/ page, a standing task
counted once per occurrence begun by the date (docs/standing-tasks.md)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tasks import services
from tasks.choices import Recurrence
from tasks.models import Task
from tasks.selectors import clarity_by_agency, clarity_by_directive
from tests.api.conftest import make_task

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/api/v1/reports/clarity/"


@pytest.fixture
def standing(api):
    world = api.world
    with time_machine.travel(dt.datetime(2025, 2, 24, 9, tzinfo=HANOI), tick=False):
        task = make_task(world, coordinating=[], deadline=None, recurrence=Recurrence.MONTHLY, due_day=20)
        make_task(world, coordinating=[])  # a one-off task, due 31 May
        make_task(world, coordinating=[], assign=False, responsible_official=None)  # vague draft
    services.occurrences_generate_all(today=dt.date(2025, 6, 25))
    return task


def test_a_standing_task_counts_once_per_begun_occurrence(api, standing):
    # Given a monthly report (first due 20 March), a one-off task and a draft without a person:
    body = api.clients["monitor"].get(f"{URL}?as_of=2025-06-15").json()
    (agency,) = body["by_agency"]
    (directive,) = body["by_directive"]
    # as of 15 June the duty has four periods begun (March to June), each written clearly.
    assert body["as_of"] == "2025-06-15"
    assert agency["lead_agency"] == "MPS"
    assert (agency["tasks"], agency["complete"], agency["missing_person"]) == (6, 5, 1)
    assert agency["share"] == pytest.approx(5 / 6)
    assert directive["number"] == standing.directive.number
    assert (directive["tasks"], directive["complete"]) == (6, 5)
    # Back on 10 March only March had begun.
    earlier = api.clients["monitor"].get(f"{URL}?as_of=2025-03-10").json()
    assert (earlier["by_agency"][0]["tasks"], earlier["by_agency"][0]["complete"]) == (3, 2)


def test_the_api_and_the_page_read_the_same_selector(api, standing):
    as_of = dt.date(2025, 6, 15)
    (row,) = clarity_by_agency(Task.objects.all(), as_of=as_of)
    (by_directive,) = clarity_by_directive(Task.objects.all(), as_of=as_of)
    body = api.clients["monitor"].get(f"{URL}?as_of={as_of}").json()
    for key in ("tasks", "complete", "missing_person", "missing_deadline", "missing_result"):
        assert body["by_agency"][0][key] == row[key]
        assert body["by_directive"][0][key] == by_directive[key]


def test_filters_visibility_and_unknown_parameters(api, standing):
    # A focal point of an agency that leads nothing sees no rows; an unknown parameter is a 400.
    assert api.clients["other_focal"].get(URL).json()["by_agency"] == []
    assert api.clients["monitor"].get(f"{URL}?lead_agency=MOJ").json()["by_directive"] == []
    assert api.clients["monitor"].get(f"{URL}?timeliness=completed_late").status_code == 400
    assert api.clients["monitor"].get(f"{URL}?sort=tasks").status_code == 400
    assert api.clients["anonymous"].get(URL).status_code in (401, 403)
