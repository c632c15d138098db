"""The leader's reassignment through the API's door: the same service, rule and history as
the web page (``tasks.services.task_reassign``)."""

from __future__ import annotations

import pytest

from agencies.choices import Role
from tasks import services
from tasks.models import Task, TaskEvent
from tests.api.conftest import client_for
from tests.factories import OfficialFactory, complete_task_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(world):
    made = services.task_create(actor=world.monitor, directive=world.directive, **complete_task_fields(world))
    return services.task_assign(actor=world.monitor, task=made)


def test_leader_reassigns_by_api(world, task):
    OfficialFactory(username="t.mps.deputy", agency=world.mps, role=Role.FOCAL_POINT)
    response = client_for(world.mps_leader).post(
        f"/api/v1/tasks/{task.pk}/reassign/",
        {"official": "t.mps.deputy", "note": "On leave", "version": task.version},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["responsible_official"] == "t.mps.deputy"
    event = TaskEvent.objects.filter(task=task).latest("id")
    assert (event.actor, event.note) == (world.mps_leader, "On leave")


@pytest.mark.parametrize(
    ("who", "official", "status"),
    [
        ("mps_focal", "t.mps.leader", 403),  # a focal point is not the leader
        ("mic_leader", "t.mic.focal", 404),  # another agency's task is not theirs to see
        ("mps_leader", "t.mic.focal", 400),  # not an official of the lead agency
        ("mps_leader", "nobody", 400),
    ],
)
def test_reassign_refusals_change_nothing(world, task, who, official, status):
    response = client_for(getattr(world, who)).post(
        f"/api/v1/tasks/{task.pk}/reassign/", {"official": official}, format="json"
    )
    assert response.status_code == status
    assert Task.objects.get(pk=task.pk).responsible_official == world.mps_focal
