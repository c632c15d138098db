"""Spreadsheet import: every row problem named, nothing imported before the confirmation, tasks
through the services (drafts where a clear is missing), and the same file twice creates nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook
from rest_framework.test import APIClient

from common.errors import Forbidden
from imports import services
from imports.models import ImportStatus
from tasks.choices import TaskStatus
from tasks.models import Task, TaskEvent
from tests.factories import DirectiveFactory, OfficialFactory
from tests.notifications.conftest import wait_for

HEADERS_EN = [
    "Code",
    "Task",
    "Directive",
    "Lead agency",
    "Responsible official",
    "Deadline",
    "Description",
    "Coordinating agencies",
    "Accountable leader",
    "Deadline as written",
    "Recurrence",
    "Kind of result",
    "Expected result",
    "Target value",
    "Target unit",
    "Field",
]


def complete_row(world, code="IMP-1", **overrides):
    row = {
        "Code": code,
        "Task": "Complete the draft Personal Data Protection Law",
        "Directive": world.directive.number,
        "Lead agency": "MPS",
        "Responsible official": world.mps_focal.username,
        "Deadline": "31/05/2025",
        "Description": "Submit it to the National Assembly at the 9th Session.",
        "Coordinating agencies": "MOJ, MIC",
        "Accountable leader": world.mps_leader.username,
        "Deadline as written": "at the 9th Session in May 2025",
        "Recurrence": "",
        "Kind of result": "Deliverable",
        "Expected result": "Draft Law submitted to the National Assembly",
        "Target value": "",
        "Target unit": "",
        "Field": "Legislation",
    }
    row.update(overrides)
    return row


def as_csv(rows, headers=HEADERS_EN, delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(rows, headers=HEADERS_EN, title_rows=0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for _ in range(title_rows):
        sheet.append(["Danh sách nhiệm vụ"])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def preview(world, content, name="tasks.csv"):
    return services.import_preview(
        actor=world.monitor, directive=world.directive, file_name=name, content=content
    )


def by_row(task_import):
    return {r["row"]: r for r in task_import.rows}


def test_a_complete_row_becomes_an_assigned_task_only_after_confirmation(world):
    task_import = preview(world, as_csv([complete_row(world)]))
    assert task_import.counts == {"ready": 1, "draft": 0, "skipped": 0, "refused": 0}
    assert not Task.objects.filter(code="IMP-1").exists()  # nothing before the confirmation

    services.import_request_confirm(actor=world.monitor, task_import=task_import)

    task = Task.objects.get(code="IMP-1")
    assert task.status == TaskStatus.ASSIGNED
    assert {a.code for a in task.coordinating_agencies.all()} == {"MOJ", "MIC"}
    assert str(task.deadline) == "2025-05-31" and task.responsible_official == world.mps_focal
    assert list(TaskEvent.objects.filter(task=task).values_list("action", flat=True)) == [
        "created",
        "assigned",
    ]


def test_every_row_problem_is_named(world):
    DirectiveFactory(number="99/TB-VPCP", issuing_agency=world.go)
    rows = [
        complete_row(world, code="P-1", **{"Lead agency": "Bộ Không Tồn Tại"}),  # unknown agency
        complete_row(world, code="P-2", **{"Coordinating agencies": "MOJ, XYZ"}),  # unknown coordinator
        complete_row(world, code="P-3", Deadline="31/02/2025"),  # bad date
        complete_row(world, code="P-4", **{"Responsible official": "nobody.here"}),  # unknown official
        complete_row(world, code="P-5", **{"Responsible official": world.moj_focal.username}),  # wrong agency
        complete_row(
            world, code="P-6", **{"Target value": "eighty", "Kind of result": "Indicator with a target"}
        ),
        complete_row(world, code="P-7", Recurrence="fortnightly"),  # unknown choice
        complete_row(world, code="P-8", Description=""),  # missing clear: a draft
        complete_row(world, code="P-8", Task="The same code again"),  # duplicate code in the file
        complete_row(world, code="P-9", Directive="99/TB-VPCP"),  # another directive
        complete_row(world, code="P-10", Task=""),  # no title
    ]
    with translation.override("en"):
        task_import = preview(world, as_csv(rows))
    found = by_row(task_import)

    def problems(row):
        return " ".join(found[row]["problems"])

    assert "Unknown agency “Bộ Không Tồn Tại”" in problems(2)
    assert "Unknown agency “XYZ”" in problems(3)
    assert "“31/02/2025” is not a date" in problems(4)
    assert "Unknown official “nobody.here”" in problems(5)
    assert "does not work at the lead agency" in problems(6)
    assert "“eighty” is not a number" in problems(7)
    assert "“fortnightly” is not a known" in problems(8)
    assert found[9]["outcome"] == "draft" and "clear task" in found[9]["note"]
    assert "Duplicate code P-8 (also row 9)" in problems(10)
    assert "belongs to 99/TB-VPCP" in problems(11)
    assert "no title" in problems(12)
    assert task_import.counts == {"ready": 0, "draft": 1, "skipped": 0, "refused": 10}


def test_importing_the_same_file_twice_creates_nothing_new(world):
    content = as_xlsx(
        [complete_row(world, code="R-1"), complete_row(world, code="", Task="Digitise civil status")]
    )
    first = preview(world, content, "tasks.xlsx")
    services.import_request_confirm(actor=world.monitor, task_import=first)
    assert first.__class__.objects.get(pk=first.pk).result["created"] == 2
    count = Task.objects.count()

    again = preview(world, content, "tasks.xlsx")
    assert again.counts["skipped"] == 2 and again.counts["ready"] == 0
    services.import_request_confirm(actor=world.monitor, task_import=again)
    # and confirming the first preview a second time
    services.import_request_confirm(actor=world.monitor, task_import=first)
    assert Task.objects.count() == count


def test_missing_clears_make_drafts_named_in_the_users_language(world):
    row = complete_row(world, code="D-1", **{"Responsible official": "", "Expected result": ""})
    with translation.override("vi"):
        task_import = preview(world, as_csv([row]))
    note = task_import.rows[0]["note"]
    assert task_import.rows[0]["outcome"] == "draft"
    assert note.startswith("Sẽ là bản nháp") and "rõ người" in note and "rõ kết quả/sản phẩm" in note
    services.import_request_confirm(actor=world.monitor, task_import=task_import)
    assert Task.objects.get(code="D-1").status == TaskStatus.DRAFT


def test_vietnamese_headers_without_accents_a_title_row_and_semicolons(world):
    with translation.override("vi"):
        headers_vi = [services.fold(column.header) for column in services.COLUMNS]
    assert headers_vi[:2] == ["ma", "nhiem vu"]  # the Vietnamese headers, typed without accents
    row = complete_row(world, code="VI-1")
    values = [row[h] for h in HEADERS_EN]
    content = as_csv([dict(zip(headers_vi, values, strict=True))], headers=headers_vi, delimiter=";")
    task_import = preview(world, content)
    assert task_import.counts["ready"] == 1, task_import.rows
    assert preview(world, as_xlsx([row], title_rows=2), "t.xlsx").counts["ready"] == 1


def test_only_monitors_import_and_bad_files_are_refused(world):
    with pytest.raises(Forbidden):
        services.import_preview(
            actor=world.mps_focal, directive=world.directive, file_name="t.csv", content=as_csv([])
        )
    with translation.override("en"):  # the messages in a known language, whatever ran before
        with pytest.raises(ValidationError, match="No header row"):
            preview(world, b"just,some,cells\n1,2,3\n")
        with pytest.raises(ValidationError, match=r"readable \.xlsx"):
            preview(world, b"PK\x03\x04 not really a zip", "t.xlsx")
        with pytest.raises(ValidationError, match="UTF-8"):
            preview(world, "Task\nBảo vệ".encode("cp1258", errors="replace") + b"\xff\xfe")


def test_the_api_previews_then_confirms(world):
    client = APIClient()
    client.force_authenticate(world.monitor)
    upload = io.BytesIO(as_csv([complete_row(world, code="API-1")]))
    upload.name = "tasks.csv"
    answer = client.post(
        "/api/v1/imports/", {"directive": world.directive.pk, "file": upload}, format="multipart"
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "preview" and body["counts"]["ready"] == 1
    confirmed = client.post(f"/api/v1/imports/{body['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["result"]["created"] == 1
    assert client.get(f"/api/v1/imports/{body['id']}/").json()["status"] == ImportStatus.IMPORTED
    client.force_authenticate(world.mps_focal)
    assert client.get(f"/api/v1/imports/{body['id']}/").status_code == 403


def test_the_web_pages_preview_and_confirm(world, client):
    client.force_login(world.monitor)
    assert client.get("/imports/template.xlsx").status_code == 200
    upload = io.BytesIO(as_csv([complete_row(world, code="WEB-1")]))
    upload.name = "tasks.csv"
    answer = client.post("/imports/", {"directive": world.directive.pk, "file": upload})
    assert answer.status_code == 302
    page = client.get(answer["Location"])
    assert b"WEB-1" in page.content
    client.post(answer["Location"] + "confirm/")
    assert Task.objects.filter(code="WEB-1", status=TaskStatus.ASSIGNED).exists()
    client.force_login(world.mps_focal)
    assert client.get("/imports/").status_code == 403


def test_the_template_reads_back(world):
    with translation.override("vi"):
        content = services.template_xlsx()
    task_import = preview(world, content, "template.xlsx")
    assert len(task_import.rows) == 1
    assert task_import.rows[0]["fields"]["title"] == "Hoàn thiện dự thảo Luật Bảo vệ dữ liệu cá nhân"


def test_a_row_the_services_refuse_at_confirmation_is_reported_and_the_others_go_in(world):
    # given a preview of three complete rows
    mover = OfficialFactory(username="t.mps.mover", agency=world.mps)
    rows = [
        complete_row(world, code="IMP-1"),
        complete_row(world, code="IMP-2", **{"Responsible official": mover.username}),
        complete_row(world, code="IMP-3"),
    ]
    task_import = preview(world, as_csv(rows))
    assert task_import.counts["ready"] == 3
    # when, before the confirmation, the second row's official moves to another agency and
    # someone creates the third row's code
    mover.agency = world.moj
    mover.save(update_fields=["agency"])
    other = services.import_preview(
        actor=world.monitor, directive=world.directive, file_name="one.csv", content=as_csv(rows[2:])
    )
    assert services.import_request_confirm(actor=world.monitor, task_import=other).result["created"] == 1
    task_import = services.import_request_confirm(actor=world.monitor, task_import=task_import)
    # then the first is created and assigned, the second reported with the reason, the third skipped
    assert Task.objects.get(code="IMP-1").status == TaskStatus.ASSIGNED
    assert not Task.objects.filter(code="IMP-2").exists()
    assert task_import.result["created"] == 1 and task_import.result["skipped"] == 1
    assert [f["row"] for f in task_import.result["failed"]] == [3]
    assert task_import.result["failed"][0]["problems"]


def distinct_rows(world, count):
    return [complete_row(world, code=f"IMP-{n}", Task=f"Complete the draft law {n}") for n in range(count)]


def imported(task_import):
    task_import.refresh_from_db()
    return task_import.status == ImportStatus.IMPORTED


@pytest.mark.celery
def test_a_file_over_the_inline_rows_goes_to_the_worker(start_worker, world, monkeypatch):
    # given a bound of two rows a request may import, and a file of three
    monkeypatch.setattr(services, "INLINE_ROWS", 2)
    task_import = preview(world, as_csv(distinct_rows(world, 3)))
    # when the user confirms it, nothing is imported in the request: the file waits for the worker
    task_import = services.import_request_confirm(actor=world.monitor, task_import=task_import)
    assert task_import.status == ImportStatus.IMPORTING
    assert not Task.objects.filter(directive=world.directive).exists()
    # then the worker imports the three rows
    start_worker()
    wait_for(lambda: imported(task_import), timeout=60, what="the worker to import the file")
    assert task_import.result["created"] == 3
    assert set(Task.objects.filter(directive=world.directive).values_list("status", flat=True)) == {
        TaskStatus.ASSIGNED
    }


@pytest.mark.celery
def test_an_inline_import_that_runs_out_of_time_is_rolled_back_and_goes_to_the_worker(
    start_worker, world, monkeypatch
):
    # given no time at all for an import in the request
    monkeypatch.setattr(services, "INLINE_SECONDS", 0.0)
    task_import = preview(world, as_csv(distinct_rows(world, 2)))
    # when the user confirms a small file, what the request began is rolled back
    task_import = services.import_request_confirm(actor=world.monitor, task_import=task_import)
    assert task_import.status == ImportStatus.IMPORTING
    assert not Task.objects.filter(directive=world.directive).exists()
    assert not TaskEvent.objects.exists()
    # then the worker imports it
    start_worker()
    wait_for(lambda: imported(task_import), timeout=60, what="the worker to import the file")
    assert task_import.result["created"] == 2
    assert Task.objects.filter(directive=world.directive, status=TaskStatus.ASSIGNED).count() == 2
