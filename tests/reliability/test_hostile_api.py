"""Hostile input through the API: Vietnamese in every text field comes back exactly as sent,
markup is returned as JSON data (never HTML), oversized bodies and uploads and disguised files
are refused with nothing half-saved, and extreme dates get an answer, not a crash."""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tasks.models import TEXT_LIMIT, EvidenceFile, ExtensionRequest, ProgressReport, Task
from tests.api.conftest import token_for
from tests.reliability.test_hostile_web import DISGUISED, PDF, SCRIPT, VIETNAMESE

pytestmark = [pytest.mark.usefixtures("postgres")]


def api_client(user) -> Client:
    token = token_for(user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")


def test_vietnamese_in_every_api_text_field_round_trips_unchanged(world, record):
    monitor, focal = api_client(world.monitor), api_client(world.mps_focal)
    nfd = unicodedata.normalize("NFD", "Rà soát văn bản quy phạm pháp luật ở Đắk Lắk")
    sent = {
        "directive": {
            "number": "56/TB-VPCP-Đặc-biệt",
            "kind": world.directive.kind,
            "title": VIETNAMESE[:500],
            "issued_on": "2025-02-23",
            "issuing_agency": "GO",
            "signer": "Phó Thủ tướng Nguyễn Hòa Bình",
            "full_text": VIETNAMESE * 3,
        },
    }
    response = monitor.post("/api/v1/directives/", sent["directive"], content_type="application/json")
    assert response.status_code == 201, response.content
    directive = response.json()
    got = monitor.get(f"/api/v1/directives/{directive['id']}/").json()
    for name in ("number", "title", "signer", "full_text"):
        assert got[name] == sent["directive"][name], name
    task_fields = {
        "directive": directive["id"],
        "code": "NV-Đắk-Lắk-01",
        "title": nfd,
        "description": VIETNAMESE,
        "lead_agency": "MPS",
        "responsible_official": "t.mps.focal",
        "accountable_leader": "t.mps.leader",
        "deadline": "2031-05-31",
        "deadline_phrase": "trước Kỳ họp thứ 9 (tháng 5/2031)",
        "result_kind": "indicator",
        "expected_result": "80% hồ sơ được xử lý trực tuyến toàn trình",
        "target_value": "80.00",
        "target_unit": "% hồ sơ",
    }
    response = monitor.post("/api/v1/tasks/", task_fields, content_type="application/json")
    assert response.status_code == 201, response.content
    task = response.json()
    for name in ("code", "title", "description", "deadline_phrase", "expected_result", "target_unit"):
        assert task[name] == task_fields[name], name
    assert unicodedata.is_normalized("NFD", task["title"])  # not normalised behind the caller's back
    pk = task["id"]
    etag = lambda: monitor.get(f"/api/v1/tasks/{pk}/")["ETag"]  # noqa: E731
    assert (
        monitor.post(f"/api/v1/tasks/{pk}/assign/", {}, "application/json", HTTP_IF_MATCH=etag()).status_code
        == 200
    )
    note = "Đã hoàn thành 60%: " + VIETNAMESE
    response = focal.post(
        f"/api/v1/tasks/{pk}/progress-reports/",
        {"note": note, "indicator_value": "48.50"},
        "application/json",
        HTTP_IF_MATCH=etag(),
    )
    assert response.status_code == 201 and response.json()["note"] == note
    assert focal.get(f"/api/v1/tasks/{pk}/progress-reports/").json()["results"][0]["note"] == note
    reason = "Chờ ý kiến thẩm định của Bộ Tư pháp — " + VIETNAMESE
    response = focal.post(
        f"/api/v1/tasks/{pk}/extension-requests/",
        {"proposed_deadline": "2031-08-31", "reason": reason},
        "application/json",
        HTTP_IF_MATCH=etag(),
    )
    assert response.status_code == 201 and response.json()["reason"] == reason
    extension = response.json()["id"]
    decision = "Đồng ý gia hạn đến 31/8/2031, đề nghị khẩn trương"
    response = monitor.post(
        f"/api/v1/extension-requests/{extension}/approve/", {"note": decision}, "application/json"
    )
    assert response.status_code == 200 and response.json()["decision_note"] == decision
    summary = "Đã trình Quốc hội: " + VIETNAMESE
    response = focal.post(
        f"/api/v1/tasks/{pk}/submit/", {"result_summary": summary}, "application/json", HTTP_IF_MATCH=etag()
    )
    assert response.status_code == 200 and response.json()["result_summary"] == summary
    why = "Thiếu báo cáo đánh giá tác động — " + VIETNAMESE
    response = monitor.post(
        f"/api/v1/tasks/{pk}/return/", {"reason": why}, "application/json", HTTP_IF_MATCH=etag()
    )
    assert response.status_code == 200 and response.json()["status_reason"] == why
    # and the stored values are the same bytes
    stored = Task.objects.get(pk=pk)
    assert stored.title == nfd and stored.description == VIETNAMESE and stored.result_summary == summary
    assert ExtensionRequest.objects.get(pk=extension).decision_note == decision
    record(hostile="Vietnamese through every API text field", fields=15, changed=0)


def test_markup_comes_back_as_json_data_never_as_html(world):
    monitor = api_client(world.monitor)
    response = monitor.patch(
        f"/api/v1/directives/{world.directive.pk}/", {"title": SCRIPT}, content_type="application/json"
    )
    assert response.status_code in (403, 405)  # directives are not edited through the API
    task = monitor.post(
        "/api/v1/tasks/",
        {"directive": world.directive.pk, "title": SCRIPT, "description": SCRIPT},
        content_type="application/json",
    )
    assert task.status_code == 201
    response = monitor.get(f"/api/v1/tasks/{task.json()['id']}/")
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.json()["title"] == SCRIPT


def test_oversized_and_disguised_uploads_through_the_api_are_refused(world, settings):
    from tests.notifications.conftest import make_task

    task = make_task(world, code="API-UP", deadline=dt.date(2031, 5, 31))
    focal = api_client(world.mps_focal)
    path = f"/api/v1/tasks/{task.pk}/progress-reports/"
    answers = []
    answers.append(focal.post(path, {"note": "x" * (TEXT_LIMIT + 1)}, "application/json").status_code)
    body = '{"note": "' + "y" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'
    answers.append(focal.post(path, body, "application/json").status_code)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (settings.EVIDENCE_MAX_BYTES - len(PDF) + 1))
    answers.append(focal.post(path, {"note": "big", "evidence": [big]}).status_code)
    for name, content in DISGUISED:
        upload = SimpleUploadedFile(name, content, content_type="application/pdf")
        answers.append(focal.post(path, {"note": name, "evidence": [upload]}).status_code)
    assert set(answers) == {400}, answers
    assert ProgressReport.objects.filter(task=task).count() == 0 and EvidenceFile.objects.count() == 0
    task.refresh_from_db()
    assert task.version == 2  # created, assigned: nothing moved it
    ok = focal.post(path, {"note": "real", "evidence": [SimpleUploadedFile("real.pdf", PDF)]})
    assert ok.status_code == 201 and EvidenceFile.objects.count() == 1


@pytest.mark.parametrize(
    "value", ["0001-01-01", "9999-12-31", "2025-02-30", "99999-01-01", "2025-13-01", "x"]
)
def test_extreme_dates_through_the_api_get_an_answer(world, value):
    from tests.notifications.conftest import make_task

    task = make_task(world, code=f"API-D-{value[:6]}", deadline=dt.date(2031, 5, 31))
    focal, monitor = api_client(world.mps_focal), api_client(world.monitor)
    response = focal.post(
        f"/api/v1/tasks/{task.pk}/extension-requests/",
        {"proposed_deadline": value, "reason": "Lý do"},
        "application/json",
    )
    assert response.status_code in (201, 400), response.content
    for path in ("/api/v1/reports/backlog/", "/api/v1/tasks/", f"/api/v1/tasks/{task.pk}/"):
        response = monitor.get(path, {"as_of": value})
        assert response.status_code in (200, 400), (path, response.status_code)


@pytest.mark.parametrize("depth", [100_000, 5_000, 200])
@pytest.mark.parametrize("who", ["anonymous", "focal point"])
def test_deeply_nested_json_is_a_json_400_without_a_traceback(world, caplog, depth, who):
    """Nesting past the interpreter's recursion limit raised RecursionError: an HTML 500 and a
    traceback in the log, even before any login. Any depth the API has no use for is refused."""
    from tests.notifications.conftest import make_task

    task = make_task(world, code=f"NEST-{depth}-{who[:4]}", deadline=dt.date(2031, 5, 31))
    client = Client(HTTP_ACCEPT_LANGUAGE="en") if who == "anonymous" else api_client(world.mps_focal)
    client.raise_request_exception = False
    body = '{"username": ' + "[" * depth + "]" * depth + ', "password": "x"}'
    paths = ["/api/v1/auth/token/", f"/api/v1/tasks/{task.pk}/progress-reports/", "/api/v1/directives/"]
    with caplog.at_level("INFO"):
        answers = [client.post(path, body, "application/json") for path in paths]
    for path, response in zip(paths, answers, strict=True):
        # an anonymous caller's body is read only by the token endpoint; the rest is a 401
        expected = 400 if who != "anonymous" or "auth" in path else 401
        assert response.status_code == expected, response.content[:300]
        assert response["Content-Type"].startswith("application/json")
        assert "detail" in response.json()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text
