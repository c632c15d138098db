"""Writes: ETag and If-Match (412 on a stale version, nothing changed), field-level 400s in
the caller's language, never a 500 for bad input, and evidence uploads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.formats import date_format

from tasks.choices import TaskStatus
from tasks.models import TEXT_LIMIT, EvidenceFile, ProgressReport, Task, TaskEvent
from tests.api.conftest import client_for, make_task

# --- concurrency ------------------------------------------------------------------------------


def test_detail_and_actions_carry_the_version_as_etag(api):
    task = make_task(api.world)
    monitor = api.clients["monitor"]
    detail = monitor.get(f"/api/v1/tasks/{task.pk}/")
    assert detail["ETag"] == f'"{task.version}"'
    started = api.clients["lead_focal"].post(
        f"/api/v1/tasks/{task.pk}/start/", {}, format="json", HTTP_IF_MATCH=detail["ETag"]
    )
    assert started.status_code == 200
    assert started["ETag"] == f'"{task.version + 1}"' == f'"{started.json()["version"]}"'


@pytest.mark.parametrize("how", ["if-match", "version", "weak-if-match"])
def test_stale_write_is_412_and_changes_nothing(api, how):
    # given two callers who read version v, and one who already saved v+1
    task = make_task(api.world)
    stale = task.version
    first = api.clients["monitor"].patch(
        f"/api/v1/tasks/{task.pk}/", {"description": "First edit.", "version": stale}, format="json"
    )
    assert first.status_code == 200
    events = TaskEvent.objects.filter(task=task).count()
    # when the second sends its edit based on v
    body = {"description": "Second edit, from an old copy."}
    headers = {}
    if how == "version":
        body["version"] = stale
    else:
        headers["HTTP_IF_MATCH"] = f'W/"{stale}"' if how == "weak-if-match" else f'"{stale}"'
    second = api.clients["lead_focal"].patch(f"/api/v1/tasks/{task.pk}/", body, format="json", **headers)
    # then 412, and the first edit stands
    assert second.status_code == 412, second.content
    assert second.json()["code"] == "stale_version"
    stored = Task.objects.get(pk=task.pk)
    assert stored.description == "First edit."
    assert stored.version == stale + 1
    assert TaskEvent.objects.filter(task=task).count() == events


@pytest.mark.parametrize("how", ["if-match", "version"])
def test_stale_action_is_412(api, how):
    task = make_task(api.world)
    services_version = task.version
    api.clients["lead_focal"].post(f"/api/v1/tasks/{task.pk}/start/", {}, format="json")
    body = {"result_summary": "Done."}
    headers = {}
    if how == "version":
        body["version"] = services_version
    else:
        headers["HTTP_IF_MATCH"] = f'"{services_version}"'
    response = api.clients["lead_focal"].post(
        f"/api/v1/tasks/{task.pk}/submit/", body, format="json", **headers
    )
    assert response.status_code == 412
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS


def test_stale_progress_report_is_412_and_saves_no_report(api):
    task = make_task(api.world)
    response = api.clients["lead_focal"].post(
        f"/api/v1/tasks/{task.pk}/progress-reports/",
        {"percent": 30, "version": task.version - 1},
        format="json",
    )
    assert response.status_code == 412
    assert not ProgressReport.objects.filter(task=task).exists()


@pytest.mark.parametrize(
    "header",
    ["yesterday", '"abc"', '""', ",", '"99999999999"', "W/{current}", '"1", "0"', "{current}x", "\u0111"],
)
def test_an_if_match_that_is_not_the_current_etag_is_412_whatever_its_form(api, header):
    """RFC 9110 13.1.1: If-Match compares entity tags strongly; any list without the current
    one fails the precondition (412), malformed or weak tags included, and nothing changes."""
    task = make_task(api.world)
    current = f'"{task.version}"'
    response = api.clients["monitor"].patch(
        f"/api/v1/tasks/{task.pk}/",
        {"description": "Newer."},
        format="json",
        HTTP_IF_MATCH=header.replace("{current}", current),
    )
    assert response.status_code == 412, response.content
    assert response.json()["code"] == "stale_version"
    assert Task.objects.get(pk=task.pk).version == task.version


@pytest.mark.parametrize("header", ["{current}", '"0", {current}', "*", " {current} "])
def test_an_if_match_holding_the_current_etag_succeeds(api, header):
    task = make_task(api.world)
    response = api.clients["monitor"].patch(
        f"/api/v1/tasks/{task.pk}/",
        {"description": "New."},
        format="json",
        HTTP_IF_MATCH=header.replace("{current}", f'"{task.version}"'),
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{task.version + 1}"'


# --- validation --------------------------------------------------------------------------------


def _create(api, **fields):
    body = {"directive": api.world.directive.pk, "title": "Complete the draft Law", **fields}
    return api.clients["monitor"].post("/api/v1/tasks/", body, format="json")


def test_deadline_before_the_directive_is_400(api):
    response = _create(api, deadline="2025-01-15")
    assert response.status_code == 400
    # the directive's date as the answer's language writes it (English here: config/formats)
    with translation.override("en"):
        issued = date_format(dt.date(2025, 2, 23))
    assert issued == "23 Feb 2025"
    assert issued in response.json()["deadline"][0]
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "x" * 501),
        ("description", "x" * (TEXT_LIMIT + 1)),
        ("expected_result", "x" * 1001),
        ("deadline_phrase", "x" * 256),
    ],
)
def test_oversized_text_is_400(api, field, value):
    response = _create(api, **{field: value})
    assert response.status_code == 400
    assert field in response.json()
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"deadline": "31/05/2025"}, "deadline"),
        ({"deadline": 20250531}, "deadline"),
        ({"lead_agency": "NOPE"}, "lead_agency"),
        ({"lead_agency": ["MPS"]}, "lead_agency"),
        ({"coordinating_agencies": "MIC"}, "coordinating_agencies"),
        ({"coordinating_agencies": ["MIC", "NOPE"]}, "coordinating_agencies"),
        ({"responsible_official": {"id": 1}}, "responsible_official"),
        ({"target_value": "lots"}, "target_value"),
        ({"target_value": "1e400"}, "target_value"),
        ({"field": "astrology"}, "field"),
        ({"directive": 10**30}, "directive"),
        ({"directive": "56/TB-VPCP"}, "directive"),
        ({"title": "nul\x00byte"}, "title"),
        ({"titel": "misspelt"}, "titel"),
    ],
)
def test_wrong_types_are_400_naming_the_field(api, body, field):
    response = _create(api, **body)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_malformed_json_is_400(api):
    response = api.clients["monitor"].generic(
        "POST", "/api/v1/tasks/", b'{"title": "unterminated', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    not_an_object = api.clients["monitor"].post("/api/v1/tasks/", [1, 2], format="json")
    assert not_an_object.status_code == 400


def test_errors_speak_the_callers_language(api):
    vietnamese = client_for(api.world.monitor, language="vi")
    english = client_for(api.world.monitor, language="en")
    body = {"title": "Complete the draft Law"}
    en = english.post("/api/v1/tasks/", body, format="json").json()["directive"][0]
    vi = vietnamese.post("/api/v1/tasks/", body, format="json").json()["directive"][0]
    assert en == "This field is required."
    assert vi != en and vi  # DRF's own Vietnamese catalogue
    task = make_task(api.world)
    refusal = vietnamese.post(f"/api/v1/tasks/{task.pk}/confirm/", {}, format="json").json()["detail"]
    refusal_en = english.post(f"/api/v1/tasks/{task.pk}/confirm/", {}, format="json").json()["detail"]
    assert refusal_en.startswith("Cannot confirm")
    assert refusal != refusal_en


def test_service_errors_are_field_level_and_nothing_is_half_saved(api):
    # an assigned task must keep its five clears: removing the leader is refused whole
    task = make_task(api.world)
    response = api.clients["monitor"].patch(
        f"/api/v1/tasks/{task.pk}/",
        {"accountable_leader": None, "description": "Changed too."},
        format="json",
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    stored = Task.objects.get(pk=task.pk)
    assert stored.accountable_leader_id == api.world.mps_leader.pk
    assert stored.description == task.description


def test_assign_lists_missing_clears(api):
    created = _create(api)
    assert created.status_code == 201
    assert created.json()["missing_clears"] == ["person", "task", "deadline", "result", "responsibility"]
    assert created["Location"].endswith(f"/api/v1/tasks/{created.json()['id']}/")
    response = api.clients["monitor"].post(f"/api/v1/tasks/{created.json()['id']}/assign/", {}, format="json")
    assert response.status_code == 400
    assert "missing: person, task" in response.json()["non_field_errors"][0]


def test_full_task_round_trip(api):
    world = api.world
    created = _create(
        api,
        description="Submit it to the National Assembly.",
        lead_agency="MPS",
        coordinating_agencies=["MIC", "MOJ"],
        responsible_official="t.mps.focal",
        accountable_leader="t.mps.leader",
        deadline="2025-05-31",
        result_kind="indicator",
        expected_result="80% of dossiers processed online",
        target_value="80.00",
        target_unit="%",
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["coordinating_agencies"] == ["MIC", "MOJ"]
    assert data["missing_clears"] == []
    assert data["status"] == TaskStatus.DRAFT
    assert data["target_value"] == "80.00"
    monitor = client_for(world.monitor)
    pk = data["id"]
    assert monitor.post(f"/api/v1/tasks/{pk}/assign/", {}, format="json").json()["status"] == "assigned"
    report = api.clients["lead_focal"].post(
        f"/api/v1/tasks/{pk}/progress-reports/", {"percent": 50, "indicator_value": "41.5"}, format="json"
    )
    assert report.status_code == 201
    assert monitor.get(f"/api/v1/tasks/{pk}/").json()["current_value"] == "41.50"
    ext = api.clients["lead_focal"].post(
        f"/api/v1/tasks/{pk}/extension-requests/",
        {"proposed_deadline": "2025-04-30", "reason": "Earlier?"},
        format="json",
    )
    assert ext.status_code == 400
    assert "proposed_deadline" in ext.json()


# --- evidence -------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_progress_report_with_evidence(api):
    task = make_task(api.world)
    response = api.clients["lead_focal"].post(
        f"/api/v1/tasks/{task.pk}/progress-reports/",
        {
            "note": "Minutes of the appraisal meeting attached.",
            "percent": "60",
            "evidence": [SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    evidence = response.json()["evidence"]
    assert [e["original_name"] for e in evidence] == ["minutes.pdf"]
    assert evidence[0]["size"] == len(PDF)
    stored = EvidenceFile.objects.get()
    assert stored.file.read() == PDF
    assert Task.objects.get(pk=task.pk).progress == 60
    listed = api.clients["coordinating_focal"].get(f"/api/v1/tasks/{task.pk}/progress-reports/").json()
    assert listed["results"][0]["evidence"][0]["url"] == evidence[0]["url"]


def test_fake_evidence_is_400_and_no_report_is_kept(api):
    task = make_task(api.world)
    response = api.clients["lead_focal"].post(
        f"/api/v1/tasks/{task.pk}/progress-reports/",
        {"note": "See attachment.", "evidence": [SimpleUploadedFile("law.pdf", b"MZ\x90\x00 not a pdf")]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "evidence" in response.json()
    assert not ProgressReport.objects.exists()
    assert not EvidenceFile.objects.exists()


def test_token_endpoint(api):
    anonymous = client_for(None)
    ok = anonymous.post(
        "/api/v1/auth/token/", {"username": "t.mps.focal", "password": "pw-for-tests"}, format="json"
    )
    assert ok.status_code == 200
    token = ok.json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/v1/me/tasks/").status_code == 200
    wrong = client_for(None).post(
        "/api/v1/auth/token/", {"username": "t.mps.focal", "password": "wrong"}, format="json"
    )
    assert wrong.status_code == 400
    assert "non_field_errors" in wrong.json()


def test_token_endpoint_takes_a_form_body_too(api):
    # curl -d username=... -d password=... sends a form, not JSON
    response = client_for(None).post(
        "/api/v1/auth/token/",
        "username=t.mps.focal&password=pw-for-tests",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert len(response.json()["token"]) == 64  # a knox token (hex, 256 bits)


def test_session_authentication_needs_csrf(api):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(api.world.monitor)
    assert browser.get("/api/v1/tasks/").status_code == 200
    task = make_task(api.world)
    refused = browser.post(f"/api/v1/tasks/{task.pk}/cancel/", {"reason": "Merged."}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.ASSIGNED


def test_deadline_of_an_assigned_task_moves_only_by_extension(api):
    task = make_task(api.world)
    response = api.clients["monitor"].patch(
        f"/api/v1/tasks/{task.pk}/",
        {"deadline": (task.deadline + dt.timedelta(days=30)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "deadline" in response.json()
