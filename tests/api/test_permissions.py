"""The permission matrix: role × action on a task of MPS that MIC coordinates.

Roles: a Government Office monitor; the focal point of the lead agency (MPS); the focal
point of the coordinating agency (MIC); a focal point of another agency (MOJ), to whom the
task does not exist; the MPS leader. A refusal changes nothing: the task's version stays.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tasks import services
from tasks.choices import ExtensionStatus, TaskStatus
from tasks.models import ExtensionRequest, Task
from tests.api.conftest import make_task

ROLES = ("monitor", "lead_focal", "coordinating_focal", "other_focal", "leader")


def _submitted(world):
    task = make_task(world)
    return services.task_submit(actor=world.mps_focal, task=task, result_summary="Draft Law submitted.")


def _with_extension(world):
    task = make_task(world, deadline=dt.date(2026, 5, 31))
    services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2026, 7, 31), reason="The Assembly moved."
    )
    return Task.objects.get(pk=task.pk)


#: action -> (state of the task, method, path under the task or "ext:" for the extension, body)
ACTIONS = {
    "read": (make_task, "get", "", None),
    "patch": (make_task, "patch", "", {"description": "Submit it at the 9th Session."}),
    "assign": (lambda w: make_task(w, assign=False), "post", "assign/", {}),
    "start": (make_task, "post", "start/", {}),
    "submit": (make_task, "post", "submit/", {"result_summary": "Draft Law submitted."}),
    "confirm": (_submitted, "post", "confirm/", {}),
    "return": (_submitted, "post", "return/", {"reason": "The report lacks the appraisal."}),
    "cancel": (make_task, "post", "cancel/", {"reason": "Merged into another task."}),
    "report_progress": (make_task, "post", "progress-reports/", {"percent": 40, "note": "Draft appraised."}),
    "list_reports": (make_task, "get", "progress-reports/", None),
    "request_extension": (
        make_task,
        "post",
        "extension-requests/",
        {"proposed_deadline": "2025-07-31", "reason": "The Assembly moved the session."},
    ),
    "approve_extension": (_with_extension, "post", "ext:approve/", {"note": "Agreed."}),
    "reject_extension": (_with_extension, "post", "ext:reject/", {"note": "Keep the session date."}),
}

#: The expected status for each role, in the order of ROLES.
MATRIX = {
    "read": (200, 200, 200, 404, 200),
    "patch": (200, 200, 403, 404, 403),
    "assign": (200, 403, 403, 404, 403),
    "start": (200, 200, 403, 404, 403),
    "submit": (403, 200, 403, 404, 403),
    "confirm": (200, 403, 403, 404, 403),
    "return": (200, 403, 403, 404, 403),
    "cancel": (200, 403, 403, 404, 403),
    "report_progress": (403, 201, 201, 404, 403),
    "list_reports": (200, 200, 200, 404, 200),
    "request_extension": (403, 201, 403, 404, 403),
    "approve_extension": (200, 403, 403, 404, 403),
    "reject_extension": (200, 403, 403, 404, 403),
}

CASES = [(action, role, MATRIX[action][i]) for action in MATRIX for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("action", "role", "expected"), CASES, ids=[f"{a}-{r}" for a, r, _ in CASES])
def test_permission_matrix(api, action, role, expected):
    # given a task in the state the action needs
    setup, method, path, body = ACTIONS[action]
    task = setup(api.world)
    before = Task.objects.get(pk=task.pk)
    if path.startswith("ext:"):
        extension = ExtensionRequest.objects.get(task=task)
        url = f"/api/v1/extension-requests/{extension.pk}/{path[4:]}"
    else:
        url = f"/api/v1/tasks/{task.pk}/{path}"
    # when the role tries it
    client = api.clients[role]
    response = getattr(client, method)(url, body, format="json") if body is not None else client.get(url)
    # then the matrix holds, and a refusal changed nothing
    assert response.status_code == expected, response.content
    after = Task.objects.get(pk=task.pk)
    if expected >= 400:
        assert after.version == before.version
        assert after.status == before.status
        body = response.json()
        assert body["code"] in {"action_not_allowed", "not_found"}
    elif method != "get":
        assert after.version > before.version or action.endswith("_extension") or action == "report_progress"


def test_list_shows_only_visible_tasks(api):
    task = make_task(api.world)
    moj_task = make_task(
        api.world,
        lead_agency=api.world.moj,
        responsible_official=api.world.moj_focal,
        accountable_leader=None,
        coordinating=[],
        assign=False,
    )
    seen = {}
    for role in ROLES:
        response = api.clients[role].get("/api/v1/tasks/")
        assert response.status_code == 200
        seen[role] = {row["id"] for row in response.json()["results"]}
    assert seen["monitor"] == {task.pk, moj_task.pk}
    assert seen["lead_focal"] == seen["coordinating_focal"] == seen["leader"] == {task.pk}
    assert seen["other_focal"] == {moj_task.pk}


def test_only_monitors_create_tasks_and_directives(api):
    body = {
        "directive": api.world.directive.pk,
        "title": "Hold monthly meetings on Project 06",
        "lead_agency": "MPS",
    }
    directive = {
        "number": "57/TB-VPCP",
        "kind": "notice",
        "title": "Conclusion of the Prime Minister",
        "issued_on": "2025-03-01",
        "issuing_agency": "GO",
    }
    for role in ROLES:
        expected = 201 if role == "monitor" else 403
        assert api.clients[role].post("/api/v1/tasks/", body, format="json").status_code == expected
        response = api.clients[role].post("/api/v1/directives/", directive, format="json")
        assert response.status_code == expected, response.content
    assert Task.objects.filter(title=body["title"]).count() == 1


def test_focal_point_may_not_change_government_office_fields(api):
    task = make_task(api.world)
    response = api.clients["lead_focal"].patch(
        f"/api/v1/tasks/{task.pk}/", {"title": "Something else"}, format="json"
    )
    assert response.status_code == 403
    assert "title" in response.json()["detail"]
    assert Task.objects.get(pk=task.pk).title == task.title


def test_nobody_decides_their_own_extension(api):
    # given a monitor who is also the task's responsible official and asked for the extension
    world = api.world
    task = make_task(world, deadline=dt.date(2026, 5, 31))
    Task.objects.filter(pk=task.pk).update(responsible_official=world.monitor)
    extension = services.extension_request_create(
        actor=world.monitor, task=task.pk, proposed_deadline=dt.date(2026, 6, 30), reason="Workload."
    )
    # when they approve it
    response = api.clients["monitor"].post(
        f"/api/v1/extension-requests/{extension.pk}/approve/", {}, format="json"
    )
    # then they are refused, and another monitor may
    assert response.status_code == 403
    from tests.api.conftest import client_for

    other = client_for(world.monitor2).post(
        f"/api/v1/extension-requests/{extension.pk}/approve/", {}, format="json"
    )
    assert other.status_code == 200
    assert other.json()["status"] == ExtensionStatus.APPROVED
    assert Task.objects.get(pk=task.pk).deadline == dt.date(2026, 6, 30)


def test_invalid_transition_is_409(api):
    task = make_task(api.world)
    response = api.clients["monitor"].post(f"/api/v1/tasks/{task.pk}/confirm/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.ASSIGNED


def test_unauthenticated_is_401_with_challenge(api):
    response = api.clients["anonymous"].get("/api/v1/tasks/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
