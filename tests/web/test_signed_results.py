"""Signed results seen by people: each verdict on the task page in Vietnamese and English,
the confirm button held back with its reason, the monitor's switch, the export's column,
the API's ``signatures`` on evidence."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from signatures.choices import Verdict
from tasks import services
from tasks.choices import TaskStatus
from tasks.exports import HEADER_ROW
from tasks.models import Task
from tests.api.conftest import client_for
from tests.factories import OfficialFactory, complete_task_fields
from tests.signing import pdf_upload, plain_pdf, trust_test_root

pytestmark = pytest.mark.django_db

#: What a reader sees for each verdict, in both languages (locale/vi/LC_MESSAGES/django.po).
LABELS = {
    "valid": ("Signed and valid", "Đã ký số, chữ ký hợp lệ"),
    "timestamped": ("Signed and valid", "Đã ký số, chữ ký hợp lệ"),
    "self_made": (
        "Signed, but not by a trusted authority",
        "Đã ký số, nhưng chứng thư không thuộc tổ chức được tin cậy",
    ),
    "expired": (
        "Signed, but not by a trusted authority",
        "Đã ký số, nhưng chứng thư không thuộc tổ chức được tin cậy",
    ),
    "modified": ("Modified after signing", "Bị sửa đổi sau khi ký"),
    "broken": ("Signature broken", "Chữ ký bị hỏng"),
    "unsigned": ("Not signed", "Chưa ký số"),
    "malformed": ("Could not be checked", "Không kiểm tra được"),
}
REASONS = {
    "self_made": (
        "the certificate does not lead to a trusted root",
        "chứng thư số không dẫn tới chứng thư gốc",
    ),
    "expired": (
        "the certificate was not valid at that time",
        "chứng thư số không có hiệu lực vào thời điểm đó",
    ),
    "modified": (
        "the content was changed in a later revision",
        "nội dung bị thay đổi trong một lần cập nhật sau",
    ),
    "broken": (
        "the signed content no longer matches the signature",
        "nội dung đã ký không còn khớp với chữ ký",
    ),
    "malformed": ("the file is not a readable PDF", "tệp không phải là PDF đọc được"),
}


@pytest.fixture
def trusted(world):
    admin = OfficialFactory(username="t.admin", role="admin", agency=None, is_staff=True, is_superuser=True)
    return trust_test_root(admin)


def deliverable(world) -> Task:
    fields = complete_task_fields(world)
    fields.pop("requires_signed_result")
    task = services.task_create(actor=world.monitor, directive=world.directive, **fields)
    return services.task_assign(actor=world.monitor, task=task)


def upload_for(kind: str):
    if kind == "unsigned":
        return SimpleUploadedFile("ban-nhap.pdf", plain_pdf(), content_type="application/pdf")
    if kind == "malformed":
        return SimpleUploadedFile("hong.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    return pdf_upload(kind)


def page(user, task, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(f"/tasks/{task.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def evidence_item(html: str) -> str:
    match = re.search(r'<li data-evidence="\d+">(.*?)</li>\s*</ul>', html, re.S)
    assert match, "no evidence on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


@pytest.mark.parametrize("kind", list(LABELS))
def test_each_verdict_is_shown_in_both_languages(world, trusted, kind):
    task = deliverable(world)
    services.progress_report_submit(
        actor=world.mps_focal, task=task, note="Kết quả", evidence=[upload_for(kind)]
    )
    for language, index in (("en", 0), ("vi", 1)):
        text = evidence_item(page(world.monitor, task, language))
        assert LABELS[kind][index] in text, (language, text)
        if kind in REASONS:
            assert REASONS[kind][index] in text, (language, text)


def test_a_valid_signature_says_who_signed_and_when(world, trusted):
    task = deliverable(world)
    services.progress_report_submit(
        actor=world.mps_focal, task=task, note="x", evidence=[upload_for("timestamped")]
    )
    text = evidence_item(page(world.mps_focal, task, "vi"))
    assert "Người ký: Nguyễn Văn An (Bộ Công an)" in text
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", text)
    assert "dấu thời gian" in text
    english = evidence_item(page(world.mps_focal, task, "en"))
    assert "Signed by Nguyễn Văn An (Bộ Công an)" in english and "timestamped" in english


def test_the_history_names_the_verdict_in_both_languages(world, trusted):
    task = deliverable(world)
    services.progress_report_submit(
        actor=world.mps_focal, task=task, note="x", evidence=[upload_for("modified")]
    )
    english = page(world.monitor, task, "en")
    assert "signed document attached" in english
    assert "Modified after signing" in re.search(
        r'data-action="signed_result_attached">(.*?)</li>\s*</ul>', english, re.S
    ).group(1)
    vietnamese = page(world.monitor, task, "vi")
    history = re.search(r'data-action="signed_result_attached">(.*?)</li>\s*</ul>', vietnamese, re.S).group(1)
    assert "đã đính kèm văn bản ký số" in history and "Bị sửa đổi sau khi ký" in history


def test_the_confirm_button_is_held_back_with_the_reason_until_a_valid_signature_arrives(world, trusted):
    task = deliverable(world)
    services.progress_report_submit(
        actor=world.mps_focal, task=task, note="x", evidence=[upload_for("self_made")]
    )
    task = services.task_submit(actor=world.mps_focal, task=task, result_summary="Đã trình")
    html = page(world.monitor, task, "vi")
    form = re.search(r'<form[^>]*id="confirm-form".*?</form>', html, re.S).group(0)
    assert 'id="confirm-blocked"' in form and "disabled" in form
    assert "yêu cầu kết quả có chữ ký số" in form
    # posted anyway (an old page, a script): refused with the same reason, nothing changes
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.monitor)
    client.cookies["django_language"] = "en"
    refused = client.post(f"/tasks/{task.pk}/confirm/", {"version": task.version})
    assert refused.status_code == 409
    assert "requires a signed result" in refused.content.decode()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.SUBMITTED
    # the agency's result is returned, it attaches the signed document, submits again
    task = services.task_return(actor=world.monitor, task=task, reason="Thiếu văn bản ký số")
    services.progress_report_submit(
        actor=world.mps_focal, task=task, note="x", evidence=[upload_for("valid")]
    )
    task = services.task_submit(actor=world.mps_focal, task=task, result_summary="Đã trình, có ký số")
    form = re.search(r'<form[^>]*id="confirm-form".*?</form>', page(world.monitor, task, "en"), re.S).group(0)
    assert "disabled" not in form and "confirm-blocked" not in form
    assert client.post(f"/tasks/{task.pk}/confirm/", {"version": task.version}).status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETED


def test_the_monitor_switches_the_requirement_on_the_task_page(world):
    task = deliverable(world)
    client = Client()
    client.force_login(world.monitor)
    response = client.post(f"/tasks/{task.pk}/signed-result/", {"version": task.version})
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).requires_signed_result is False
    focal = Client()
    focal.force_login(world.mps_focal)
    html = focal.get(f"/tasks/{task.pk}/").content.decode()
    assert 'id="signed-form"' not in html
    denied = focal.post(
        f"/tasks/{task.pk}/signed-result/", {"version": task.version + 1, "requires_signed_result": "on"}
    )
    assert denied.status_code == 403
    assert Task.objects.get(pk=task.pk).requires_signed_result is False


def test_the_task_export_has_a_signed_result_column(world, trusted):
    signed, unsigned = deliverable(world), deliverable(world)
    services.progress_report_submit(
        actor=world.mps_focal, task=signed, note="x", evidence=[upload_for("valid")]
    )
    services.progress_report_submit(
        actor=world.mps_focal, task=unsigned, note="x", evidence=[upload_for("unsigned")]
    )
    client = Client()
    client.force_login(world.monitor)
    client.cookies["django_language"] = "en"
    sheet = load_workbook(io.BytesIO(client.get("/tasks/export.xlsx").content)).active
    headers = [c.value for c in sheet[HEADER_ROW]]
    column = headers.index("Signed result")
    values = {row[1].value: row[column].value for row in sheet.iter_rows(min_row=HEADER_ROW + 1)}
    assert values[signed.code] == "Signed and valid"
    assert values[unsigned.code] == "Not signed (a valid signature is required)"
    client.cookies["django_language"] = "vi"
    rows = list(csv.reader(io.StringIO(client.get("/tasks/export.csv").content.decode("utf-8-sig"))))
    column = rows[0].index("Kết quả có chữ ký số")
    by_code = {row[1]: row[column] for row in rows[1:]}
    assert by_code[signed.code] == "Đã ký số, chữ ký hợp lệ"
    assert by_code[unsigned.code] == "Chưa ký số (yêu cầu chữ ký số hợp lệ)"


def test_the_api_shows_the_signatures_of_each_evidence_file(world, trusted):
    task = deliverable(world)
    api = client_for(world.mps_focal, "vi")
    response = api.post(
        f"/api/v1/tasks/{task.pk}/progress-reports/",
        {"note": "Văn bản đã ký", "evidence": [upload_for("timestamped"), upload_for("unsigned")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    signed, unsigned = response.json()["evidence"]
    assert signed["signature_verdict"] == Verdict.VALID
    assert signed["signature_verdict_label"] == "Đã ký số, chữ ký hợp lệ"
    (sig,) = signed["signatures"]
    assert (sig["signer"], sig["organisation"], sig["verdict"]) == ("Nguyễn Văn An", "Bộ Công an", "valid")
    assert sig["signing_time"] and sig["timestamp"] and sig["timestamp_trusted"] is True
    assert sig["issuer"] == "Test Signing CA"
    assert (unsigned["signature_verdict"], unsigned["signatures"]) == ("unsigned", [])
    listed = client_for(world.monitor, "en").get(f"/api/v1/tasks/{task.pk}/progress-reports/").json()
    assert listed["results"][0]["evidence"][0]["signature_verdict_label"] == "Signed and valid"
    detail = client_for(world.monitor).get(f"/api/v1/tasks/{task.pk}/").json()
    assert detail["requires_signed_result"] is True


def test_the_api_sets_the_requirement_and_explains_a_refused_confirmation(world, trusted):
    monitor = client_for(world.monitor, "vi")
    fields = complete_task_fields(world)
    payload = {
        "directive": world.directive.pk,
        "title": fields["title"],
        "description": fields["description"],
        "lead_agency": "MPS",
        "responsible_official": "t.mps.focal",
        "accountable_leader": "t.mps.leader",
        "deadline": "2031-05-31",
        "result_kind": "deliverable",
        "expected_result": fields["expected_result"],
    }
    created = monitor.post("/api/v1/tasks/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["requires_signed_result"] is True
    pk = created.json()["id"]
    services.task_assign(actor=world.monitor, task=pk)
    services.task_submit(actor=world.mps_focal, task=pk, result_summary="Đã trình")
    assert "confirm" not in monitor.get(f"/api/v1/tasks/{pk}/").json()["allowed_actions"]
    refused = monitor.post(f"/api/v1/tasks/{pk}/confirm/", {}, format="json")
    assert refused.status_code == 409
    assert "yêu cầu kết quả có chữ ký số" in refused.json()["detail"]
    version = Task.objects.get(pk=pk).version
    lifted = monitor.patch(
        f"/api/v1/tasks/{pk}/", {"requires_signed_result": False, "version": version}, format="json"
    )
    assert lifted.status_code == 200, lifted.content
    assert lifted.json()["requires_signed_result"] is False
    assert "confirm" in monitor.get(f"/api/v1/tasks/{pk}/").json()["allowed_actions"]
    assert monitor.post(f"/api/v1/tasks/{pk}/confirm/", {}, format="json").status_code == 200
