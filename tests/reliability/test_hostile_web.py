"""Hostile input through the web app and the emails: markup and script in every text field,
SQL-shaped strings, oversized bodies and uploads, files disguised by their extension,
impossible and extreme dates, and Vietnamese text that must come back exactly as typed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from notifications.models import Reminder
from notifications.services import reminders_send_pending, reminders_sweep
from tasks import services
from tasks.models import EvidenceFile, ExtensionRequest, ProgressReport, Task
from tests.notifications.conftest import at
from tests.web.conftest import build_backlog

pytestmark = [pytest.mark.usefixtures("postgres")]

SCRIPT = '<script>alert("xss")</script>'
IMG = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{ 7|add:7 }}{% now 'Y' %}"
SQL = "'; DROP TABLE tasks_task; -- ' OR '1'='1"
HOSTILE = f"{SCRIPT} {IMG} {TEMPLATE} {SQL}"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VIETNAMESE = (
    "Hoàn thiện dự thảo Luật Bảo vệ dữ liệu cá nhân; trình Quốc hội tại Kỳ họp thứ 9 — "
    "ưu tiên, khẩn: Đắk Lắk, Thừa Thiên Huế, Bà Rịa – Vũng Tàu, “Đề án 06”, ỹ ỷ ẵ ậ ữ"
)


@pytest.fixture
def backlog(world, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return build_backlog(world)


@pytest.fixture
def hostile_task(backlog):
    """A task whose every text field, and whose reports, extension and people, carry the payloads."""
    world = backlog.world
    world.mps_focal.first_name = SCRIPT
    world.mps_focal.last_name = IMG
    world.mps_focal.save()
    world.mps.name_en = f"Ministry {SCRIPT}"
    world.mps.name_vi = f"Bộ {IMG}"
    world.mps.save()
    directive = services.directive_create(
        actor=world.monitor,
        number="99/TB-VPCP",
        kind=world.directive.kind,
        title=HOSTILE,
        issued_on=dt.date(2025, 2, 23),
        issuing_agency=world.go,
        signer=SCRIPT,
    )
    task = services.task_create(
        actor=world.monitor,
        directive=directive,
        title=HOSTILE[:500],
        description=HOSTILE,
        lead_agency=world.mps,
        responsible_official=world.mps_focal,
        accountable_leader=world.mps_leader,
        deadline=dt.date(2025, 5, 30),
        deadline_phrase=SCRIPT,
        result_kind="indicator",
        expected_result=HOSTILE,
        target_value=80,
        target_unit="<b>%</b>",
    )
    task = services.task_assign(actor=world.monitor, task=task)
    services.progress_report_submit(actor=world.mps_focal, task=task, note=HOSTILE, percent=10)
    services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(2025, 6, 30), reason=HOSTILE
    )
    return Task.objects.get(pk=task.pk)


def test_markup_in_every_text_field_is_escaped_on_every_page(hostile_task, client, record):
    world_pages = [
        f"/tasks/{hostile_task.pk}/",
        "/tasks/",
        f"/tasks/?search={SCRIPT}",
        "/dashboard/",
        "/clarity/",
        f"/agency/?agency={hostile_task.lead_agency_id}",
        "/agency/",
    ]
    from agencies.models import Official

    checked = 0
    for username in ("t.monitor", "t.mps.focal"):
        client.force_login(Official.objects.get(username=username))
        for path in world_pages:
            response = client.get(path)
            assert response.status_code == 200, path
            html = response.content.decode()
            assert "<script>alert(" not in html and "<img src=x" not in html, (username, path)
            checked += 1
    page = client.get(f"/tasks/{hostile_task.pk}/").content.decode()
    assert "&lt;script&gt;alert(" in page and "{{ 7|add:7 }}" in page
    record(hostile="markup in every text field", pages_checked=checked, unescaped=0)


def test_markup_is_escaped_in_the_reminder_emails(hostile_task, ladder, settings):
    # Given the hostile task swept on a reminder day
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reminders_sweep(as_of=at("2025-05-23"))
    assert Reminder.objects.filter(task=hostile_task).exists()
    # When the reminder is sent
    reminders_send_pending(now=at("2025-05-23"))
    # Then the HTML part shows the payloads as text; the plain part is plain text
    messages = [m for m in mail.outbox if hostile_task.code in m.subject]
    assert messages
    for message in messages:
        html = next(body for body, kind in message.alternatives if kind == "text/html")
        assert "<script>alert(" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html
        assert "\n" not in message.subject and "\r" not in message.subject


def test_exports_do_not_turn_text_into_formulas(hostile_task, client, world):
    # Given a task whose title starts like a spreadsheet formula
    services.task_update(
        actor=world.monitor, task=hostile_task, title='=HYPERLINK("http://evil.example","x")'
    )
    client.force_login(world.monitor)
    # Then the CSV cell is neutralised and the XLSX cell is a string, not a formula
    rows = list(csv.reader(io.StringIO(client.get("/tasks/export.csv").content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert cells and all(not cell.startswith("=") for cell in cells)
    with zipfile.ZipFile(io.BytesIO(client.get("/tasks/export.xlsx").content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "HYPERLINK" in sheet and "<f>" not in sheet  # an inline string, never a formula cell


SQL_STRINGS = [
    SQL,
    "1; SELECT pg_sleep(5)--",
    "1' UNION SELECT username, password FROM agencies_official--",
    "%' OR 1=1 --",
    "\\'; TRUNCATE tasks_task CASCADE; --",
    "\x00",
]


def test_sql_shaped_strings_are_data(backlog, client, record):
    world = backlog.world
    client.force_login(world.moj_focal)
    tried = 0
    for value in SQL_STRINGS:
        for param in ("search", "as_of", "lead_agency", "directive", "status", "timeliness", "sort", "page"):
            response = client.get("/tasks/", {param: value})
            tried += 1
            assert response.status_code in (200, 400), (param, value, response.status_code)
            # a moj focal point still sees only MOJ's tasks, whatever the filter says
            assert "Complete the draft Personal Data Protection Law" not in response.content.decode()
        response = client.get("/dashboard/", {"as_of": value, "sort": value})
        tried += 1
        assert response.status_code in (200, 400)
    # a note made of SQL is stored and shown as written
    client.force_login(world.mps_focal)
    task = Task.objects.get(pk=backlog.overdue.pk)
    note = SQL_STRINGS[0] + " " + SQL_STRINGS[2]
    response = client.post(f"/tasks/{task.pk}/progress/", {"version": task.version, "note": note})
    assert response.status_code == 302
    assert ProgressReport.objects.filter(task=task).first().note == note
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tasks_task")
        assert cursor.fetchone()[0] == Task.objects.count() > 0
    record(hostile="SQL-shaped strings in filters and fields", requests=tried + 1, server_errors=0)


def test_oversized_bodies_and_uploads_are_refused_and_nothing_is_half_saved(backlog, client, settings):
    world = backlog.world
    client.force_login(world.mps_focal)
    task = Task.objects.get(pk=backlog.overdue.pk)
    reports = ProgressReport.objects.count()
    # a note one character over the limit
    from tasks.models import TEXT_LIMIT

    response = client.post(
        f"/tasks/{task.pk}/progress/", {"version": task.version, "note": "x" * (TEXT_LIMIT + 1)}
    )
    assert response.status_code == 400 and "At most" in response.content.decode()
    # a body bigger than Django accepts at all
    response = client.post(
        f"/tasks/{task.pk}/progress/",
        {"version": task.version, "note": "y" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)},
    )
    assert response.status_code == 400
    # an evidence file one byte over the limit, with a valid report beside it
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (settings.EVIDENCE_MAX_BYTES - len(PDF) + 1))
    response = client.post(
        f"/tasks/{task.pk}/progress/",
        {"version": task.version, "percent": 90, "note": "ok", "evidence": [big]},
    )
    assert response.status_code == 400 and "big.pdf" in response.content.decode()
    # too many form fields
    response = client.post(
        f"/tasks/{task.pk}/progress/", {"version": task.version, **{f"f{n}": "1" for n in range(1100)}}
    )
    assert response.status_code == 400
    task.refresh_from_db()
    assert ProgressReport.objects.count() == reports and task.progress == 60
    assert EvidenceFile.objects.count() == 0


DISGUISED = [
    ("minutes.pdf", b"<html><script>alert(1)</script></html>"),
    ("photo.png", PDF),
    ("scan.jpg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("law.docx", b"MZ\x90\x00\x03\x00\x00\x00 this is a Windows program"),
    ("table.xlsx", b"#!/bin/sh\nrm -rf /\n"),
    ("report.pdf.exe", b"MZ\x90\x00"),
    ("report.html", b"<html></html>"),
    ("report.svg", b"<svg/>"),
    ("noextension", PDF),
]


def test_files_disguised_by_their_extension_are_refused(backlog, client, record):
    world = backlog.world
    client.force_login(world.mps_focal)
    task = Task.objects.get(pk=backlog.overdue.pk)
    for name, content in DISGUISED:
        upload = SimpleUploadedFile(name, content, content_type="application/pdf")
        response = client.post(
            f"/tasks/{task.pk}/progress/", {"version": task.version, "note": "x", "evidence": [upload]}
        )
        assert response.status_code == 400, name
    assert EvidenceFile.objects.count() == 0
    # a real PDF whose name climbs out of the folder is stored inside it
    name = "../../../etc/Biên bản họp.pdf"
    response = client.post(
        f"/tasks/{task.pk}/progress/",
        {"version": task.version, "note": "x", "evidence": [SimpleUploadedFile(name, PDF)]},
    )
    assert response.status_code == 302, re.findall(
        r'class="errorlist[^>]*>(.*?)</ul>', response.content.decode()
    )
    evidence = EvidenceFile.objects.get()
    assert ".." not in evidence.file.name and evidence.file.name.startswith(f"evidence/{task.pk}/")
    download = client.get(f"/evidence/{evidence.pk}/")
    assert download.status_code == 200
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;") and "/" not in disposition and "Bi%C3%AAn" in disposition
    assert download["Content-Type"] == "application/pdf" and download["X-Content-Type-Options"] == "nosniff"
    record(hostile="files disguised by extension", uploads=len(DISGUISED) + 1, accepted_disguised=0)


BAD_DATES = ["31/02/2025", "2025-13-45", "00/00/0000", "abc", "-1", "1/1/1", "99999-01-01", "31/12/99999"]
EXTREME_DATES = ["01/01/0001", "0001-01-01", "31/12/9999", "9999-12-31", "01/01/1900"]


def test_invalid_and_extreme_dates_get_an_answer_not_a_crash(backlog, client, record):
    world = backlog.world
    tried = 0
    client.force_login(world.monitor)
    for value in BAD_DATES + EXTREME_DATES:
        for path in ("/dashboard/", "/tasks/", "/clarity/", "/dashboard/export.csv", "/tasks/export.xlsx"):
            response = client.get(path, {"as_of": value})
            tried += 1
            assert response.status_code in (200, 400), (path, value, response.status_code)
    client.force_login(world.mps_focal)
    task = Task.objects.get(pk=backlog.within.pk)
    for value in BAD_DATES + EXTREME_DATES[:2]:
        response = client.post(
            f"/tasks/{task.pk}/extension/",
            {"version": task.version, "proposed_deadline": value, "reason": "Cần thêm thời gian"},
        )
        tried += 1
        assert response.status_code == 400, value
    assert not ExtensionRequest.objects.filter(task=task).exists()
    record(hostile="invalid, far-past and far-future dates", requests=tried, server_errors=0)


def test_a_far_future_deadline_breaks_neither_pages_feeds_nor_the_sweep(backlog, client, ladder):
    # Given an extension to the last day the calendar knows, approved
    world = backlog.world
    task = Task.objects.get(pk=backlog.within.pk)
    extension = services.extension_request_create(
        actor=world.mps_focal, task=task, proposed_deadline=dt.date(9999, 12, 31), reason="Dài hạn"
    )
    try:
        services.extension_request_decide(actor=world.monitor, extension=extension, approve=True)
    except Exception as exc:  # a clear refusal is an acceptable answer too
        from django.core.exceptions import ValidationError

        assert isinstance(exc, ValidationError), repr(exc)
    # Then the pages, the exports, the deadline feed and the sweep still work
    client.force_login(world.mps_focal)
    for path in (f"/tasks/{task.pk}/", "/tasks/", "/agency/", "/tasks/export.xlsx", "/tasks/export.csv"):
        assert client.get(path).status_code == 200, path
    from agencies.services import official_calendar_token_reset

    token = official_calendar_token_reset(official=world.mps_focal)
    for scope in ("mine", "agency"):
        assert client.get(f"/calendar/{token}/{scope}.ics").status_code == 200, scope
    reminders_sweep(as_of=at("2025-06-02"))


def test_vietnamese_text_comes_back_exactly_as_typed(backlog, client):
    world = backlog.world
    decomposed = unicodedata.normalize("NFD", "Đã hoàn thành ở Đắk Lắk")
    client.force_login(world.mps_focal)
    task = Task.objects.get(pk=backlog.overdue.pk)
    # progress note (composed and decomposed forms), result, extension reason
    for note in (VIETNAMESE, decomposed):
        task.refresh_from_db()
        response = client.post(f"/tasks/{task.pk}/progress/", {"version": task.version, "note": note})
        assert response.status_code == 302
        assert ProgressReport.objects.filter(task=task).first().note == note
        assert note in client.get(f"/tasks/{task.pk}/").content.decode()
    task.refresh_from_db()
    response = client.post(
        f"/tasks/{task.pk}/extension/",
        {"version": task.version, "proposed_deadline": "30/06/2025", "reason": VIETNAMESE},
    )
    assert response.status_code == 302
    assert ExtensionRequest.objects.get(task=task).reason == VIETNAMESE
    task.refresh_from_db()
    response = client.post(
        f"/tasks/{task.pk}/submit/", {"version": task.version, "result_summary": VIETNAMESE}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.result_summary == VIETNAMESE
    client.force_login(world.monitor)
    response = client.post(f"/tasks/{task.pk}/return/", {"version": task.version, "reason": VIETNAMESE})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status_reason == VIETNAMESE
    history = client.get(f"/tasks/{task.pk}/").content.decode()
    assert VIETNAMESE in history
