"""One mapping from a refused service call to an HTTP answer (common.errors.refusal_for):
the web page and the API answer the same refusal with the same status and message."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from common.errors import Conflict, Forbidden, PreconditionFailed, refusal_for
from tasks.errors import ActionNotAllowed, InvalidTransition, StaleVersion
from tasks.models import Task
from tests.api.conftest import client_for
from tests.lifecycle_cases import task_in_case


def test_each_refusal_has_one_status():
    assert [refusal_for(e).status for e in (Forbidden("x"), Conflict("x"), PreconditionFailed("x"))] == [
        403,
        409,
        412,
    ]
    assert (refusal_for(ActionNotAllowed("x")).status, refusal_for(ActionNotAllowed("x")).code) == (
        403,
        "action_not_allowed",
    )
    assert refusal_for(InvalidTransition("x")).status == 409
    assert refusal_for(StaleVersion("x")).status == 412
    invalid = refusal_for(ValidationError({"reason": ["Give a reason."]}))
    assert (invalid.status, invalid.errors) == (400, {"reason": ["Give a reason."]})
    assert refusal_for(Task.DoesNotExist()).status == 404
    assert refusal_for(RuntimeError("a bug")) is None  # not a refusal: it stays an error


#: (who acts, the case of the task, the version sent relative to the task's, the status)
REFUSALS = [
    ("leader", "assigned", 0, 403),  # a leader may not start the task
    ("lead_focal", "in_progress", 0, 409),  # it has started already
    ("lead_focal", "assigned", -1, 412),  # someone changed it since
]


@pytest.mark.parametrize(("who", "case", "offset", "status"), REFUSALS)
def test_the_web_page_and_the_api_answer_a_refusal_alike(api, who, case, offset, status):
    world = api.world
    actor = {"leader": world.mps_leader, "lead_focal": world.mps_focal}[who]
    task = task_in_case(world, case)
    if offset:
        task.version += offset
    # when the same person starts the task on the web page and through the API
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    web.force_login(actor)
    page = web.post(f"/tasks/{task.pk}/start/", {"version": task.version})
    answer = client_for(actor).post(
        f"/api/v1/tasks/{task.pk}/start/", {"version": task.version}, format="json"
    )
    # then both answer with the refusal's status, and the page shows the API's message
    assert (page.status_code, answer.status_code) == (status, status)
    assert answer.json()["detail"].replace("'", "&#x27;") in page.content.decode()
    assert Task.objects.get(pk=task.pk).status == case


def test_an_api_path_matching_no_route_is_a_json_404(client):
    # a non-numeric id never reaches DRF: Django's handler answers, in the API's shape
    response = client.post("/api/v1/imports/not-a-number/confirm/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    # and so does a token client whose "../" in an id took it out of /api/
    outside = client.get("/no-such-page/", HTTP_AUTHORIZATION="Token abc")
    assert outside.status_code == 404 and outside["Content-Type"].startswith("application/json")
    # while a person gets the app's own page
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_line_break_in_an_api_id_is_still_a_json_404_and_any_non_browser_gets_json(client):
    """The fuzz found ids holding %0A: ``.`` of the /api/ catch-all did not match the line
    break, so Django's handler answered. Every API path is JSON now, and so is any 404 for a
    client that does not ask for pages (``*/*``, as HTTP libraries send)."""
    for path in (
        "/api/v1/imports/j%0A/confirm/",
        "/api/v1/webhooks/1/deliveries/%0Ax/redeliver/",
        "/api/x%0Ay",
    ):
        response = client.post(path, HTTP_ACCEPT="*/*")
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json"), path
    library = client.get("/no-such-page%0A/", HTTP_ACCEPT="*/*")
    assert library.status_code == 404 and library["Content-Type"].startswith("application/json")
    browser = client.get("/no-such-page/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert browser.status_code == 404 and browser["Content-Type"].startswith("text/html")
    assert "Page not found" in browser.content.decode() or "không tồn tại" in browser.content.decode()
