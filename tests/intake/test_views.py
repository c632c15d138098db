"""The review screen in a real client: read, drop, merge, split, accept; monitors only."""

from __future__ import annotations

import io
import re

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tasks.choices import TaskStatus
from tasks.models import Task

TEXT = (
    "The Ministry of Home Affairs will research and advise on launching a nationwide emulation movement; "
    "strengthen inspection and examination of public service duties.\n"
    "The Ministry of Public Security shall coordinate with relevant agencies to urgently complete the "
    "Personal Data Protection Law for submission to the National Assembly at the 9th Session in May 2025."
)


@pytest.fixture
def monitor_client(client, people):
    client.force_login(people.monitor)
    client.cookies["django_language"] = "en"
    return client


def read(client, people, **extra) -> str:
    response = client.post("/intake/", {"directive": people.directive.pk, **extra})
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


def form_data(html: str) -> dict[str, str]:
    """What the browser would send back: every input, textarea and selected option."""
    data: dict[str, str] = {}
    for name, value in re.findall(
        r'<input type="(?:text|hidden|number)" name="([^"]+)"(?: value="([^"]*)")?', html
    ):
        data[name] = value
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', html):
        data[name] = "on"
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', html, re.S):
        data[name] = body
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = selected.group(1) if selected else ""
    import html as html_lib

    return {k: html_lib.unescape(v) for k, v in data.items()}


def titles(data: dict[str, str]) -> list[str]:
    count = int(data["form-TOTAL_FORMS"])
    return [data[f"form-{i}-title"] for i in range(count)]


def test_only_monitors_see_the_intake(client, people):
    client.force_login(people.focal)
    assert client.get("/intake/").status_code == 403
    assert client.post("/intake/", {"directive": people.directive.pk, "text": TEXT}).status_code == 403


def test_read_drop_merge_split_and_accept(monitor_client, people):
    html = read(monitor_client, people, text=TEXT)
    data = form_data(html)
    assert titles(data) == [
        "Research and advise on launching a nationwide emulation movement",
        "Strengthen inspection and examination of public service duties",
        "Complete the Personal Data Protection Law for submission to the National Assembly "
        "at the 9th Session in May 2025",
    ]
    assert data["form-2-lead_agency"] == "MPS"
    assert data["form-2-deadline"] == "31/05/2025"
    assert "Missing clears:" in html
    # merge the two MOHA drafts into one
    merged = form_data(monitor_client.post("/intake/review/", {**data, "op": "merge-0"}).content.decode())
    assert len(titles(merged)) == 2
    assert "strengthen inspection" in merged["form-0-description"]
    # split it back at its semicolon: two drafts again, both led by MOHA
    split = form_data(monitor_client.post("/intake/review/", {**merged, "op": "split-0"}).content.decode())
    assert len(titles(split)) == 3
    assert split["form-0-lead_agency"] == split["form-1-lead_agency"] == "MOHA"
    # drop the second, edit the first, accept
    dropped = form_data(monitor_client.post("/intake/review/", {**split, "op": "drop-1"}).content.decode())
    assert len(titles(dropped)) == 2
    dropped["form-0-deadline"] = "30/09/2025"
    dropped["form-0-expected_result"] = "Proposal to launch the emulation movement"
    dropped["form-0-result_kind"] = "deliverable"
    response = monitor_client.post("/intake/review/", {**dropped, "op": "accept"})
    assert response.status_code == 302
    tasks = list(Task.objects.order_by("id"))
    assert [t.lead_agency.code for t in tasks] == ["MOHA", "MPS"]
    assert all(t.status == TaskStatus.DRAFT and t.directive_id == people.directive.pk for t in tasks)
    assert str(tasks[0].deadline) == "2025-09-30"
    assert tasks[0].expected_result == "Proposal to launch the emulation movement"
    assert tasks[1].missing_clears == ["person", "responsibility"]


def test_unknown_coordinator_is_shown_on_its_field_and_nothing_is_saved(monitor_client, people):
    data = form_data(read(monitor_client, people, text=TEXT))
    data["form-2-coordinating_agencies"] = "MOJ, NOSUCH"
    response = monitor_client.post("/intake/review/", {**data, "op": "accept"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_form-2-coordinating_agencies_error"><li>Not in the agency register: NOSUCH.' in html
    assert Task.objects.count() == 0


def test_upload_a_docx(monitor_client, people):
    document = docx.Document()
    for paragraph in TEXT.split("\n"):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    upload = SimpleUploadedFile("notice.docx", buffer.getvalue())
    data = form_data(read(monitor_client, people, upload=upload))
    assert data["form-2-lead_agency"] == "MPS"


def _pdf(text: str) -> bytes:
    """A one-page PDF with the text in Helvetica, written by hand (no PDF writer is installed)."""
    lines = " ".join(f"({line}) Tj T*" for line in text.replace("(", "").replace(")", "").split("\n"))
    stream = f"BT /F1 8 Tf 12 TL 20 800 Td {lines} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 2000 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def test_upload_a_pdf(monitor_client, people):
    upload = SimpleUploadedFile("notice.pdf", _pdf(TEXT))
    data = form_data(read(monitor_client, people, upload=upload))
    assert "MPS" in data.values()


def test_page_has_no_inline_script_or_style_under_the_csp(monitor_client, people):
    response = monitor_client.get("/intake/")
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in html and "style=" not in html and "<style" not in html
