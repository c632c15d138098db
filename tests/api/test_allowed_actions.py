"""The task detail's ``allowed_actions``: for each role and case, the actions offered are
those the services accept; lists (cached and shared) do not carry them."""

from __future__ import annotations

import pytest

from tests.api.conftest import client_for
from tests.lifecycle_cases import ACTORS, CASES, accepted_actions, task_in_case


@pytest.mark.parametrize("case", CASES)
def test_allowed_actions_in_the_detail_are_what_the_services_accept(api, case):
    world = api.world
    task = task_in_case(world, case)
    for who, attr in ACTORS.items():
        actor = getattr(world, attr)
        response = client_for(actor).get(f"/api/v1/tasks/{task.pk}/")
        if response.status_code == 404:  # a task the caller may not see offers nothing
            assert accepted_actions(actor, task) == [], (case, who)
            continue
        assert response.status_code == 200
        assert response.json()["allowed_actions"] == accepted_actions(actor, task), (case, who)


def test_an_action_answers_with_what_may_be_done_next(api):
    world = api.world
    task = task_in_case(world, "assigned")
    response = client_for(world.mps_focal).post(f"/api/v1/tasks/{task.pk}/start/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    assert response.json()["allowed_actions"] == ["edit", "report_progress", "request_extension", "submit"]


def test_lists_leave_allowed_actions_out(api):
    task_in_case(api.world, "assigned")
    response = client_for(api.world.monitor).get("/api/v1/tasks/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows and all("allowed_actions" not in row for row in rows)
