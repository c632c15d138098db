"""Signed results (docs/signatures.md): evidence PDFs are checked on upload and stored with
their signatures; a task that requires a signed result is confirmed only with a valid one from
the lead agency; the trusted roots are data, and changing them re-checks the evidence."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from signatures.choices import Problem, Verdict
from tasks import jobs, services
from tasks.choices import ResultKind, TaskStatus
from tasks.errors import ActionNotAllowed, InvalidTransition
from tasks.models import EvidenceFile, EvidenceSignature, Task, TaskEvent, TrustedRoot
from tests.factories import OfficialFactory, complete_task_fields
from tests.signing import pdf_upload, pki, plain_pdf, trust_test_root

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world):
    return OfficialFactory(username="t.admin", role="admin", agency=None, is_staff=True, is_superuser=True)


@pytest.fixture
def trusted(admin):
    return trust_test_root(admin)


def deliverable(world, **overrides) -> Task:
    """A deliverable created as a monitor would: it requires a signed result by default."""
    fields = complete_task_fields(world, **overrides)
    fields.pop("requires_signed_result")
    task = services.task_create(actor=world.monitor, directive=world.directive, **fields)
    return services.task_assign(actor=world.monitor, task=task)


def report_with(world, task, *uploads, actor=None):
    return services.progress_report_submit(
        actor=actor or world.mps_focal, task=task, note="Kết quả đã ký số", evidence=list(uploads)
    )


def submitted(world, task) -> Task:
    return services.task_submit(actor=world.mps_focal, task=task, result_summary="Dự thảo Luật đã trình")


# --- the requirement ------------------------------------------------------------------------------


def test_a_deliverable_requires_a_signed_result_by_default_and_an_indicator_does_not(world):
    assert deliverable(world).requires_signed_result is True
    indicator = deliverable(
        world,
        result_kind=ResultKind.INDICATOR,
        expected_result="80% of dossiers online",
        target_value=80,
        target_unit="%",
    )
    assert indicator.requires_signed_result is False


def test_the_monitor_sets_the_requirement_and_the_history_records_it(world):
    task = deliverable(world)
    task = services.task_update(actor=world.monitor, task=task, requires_signed_result=False)
    assert task.requires_signed_result is False
    event = task.events.latest("id")
    assert event.changes["requires_signed_result"] == {"old": True, "new": False}


def test_a_focal_point_cannot_lift_the_requirement(world):
    task = deliverable(world)
    with pytest.raises(ActionNotAllowed):
        services.task_update(actor=world.mps_focal, task=task, requires_signed_result=False)


def test_changing_a_drafts_kind_of_result_follows_the_default(world):
    fields = complete_task_fields(world, result_kind=ResultKind.INDICATOR, target_value=80, target_unit="%")
    fields.pop("requires_signed_result")
    task = services.task_create(actor=world.monitor, directive=world.directive, **fields)
    assert task.requires_signed_result is False
    task = services.task_update(
        actor=world.monitor, task=task, result_kind=ResultKind.DELIVERABLE, target_value=None, target_unit=""
    )
    assert task.requires_signed_result is True


# --- checked on upload ---------------------------------------------------------------------------


def test_a_valid_signed_pdf_is_stored_with_its_signer_and_recorded_in_the_history(world, trusted):
    task = deliverable(world)
    report_with(world, task, pdf_upload("timestamped"))
    item = EvidenceFile.objects.get()
    assert item.signature_verdict == Verdict.VALID
    assert item.signatures_checked_at is not None
    (sig,) = item.signatures.all()
    assert (sig.signer_name, sig.organisation, sig.verdict) == ("Nguyễn Văn An", "Bộ Công an", Verdict.VALID)
    assert sig.signing_time is not None
    assert sig.timestamp_time is not None and sig.timestamp_trusted
    event = TaskEvent.objects.get(task=task, action="signed_result_attached")
    assert event.actor == world.mps_focal
    assert event.changes["signature_verdict"] == {"old": None, "new": "valid"}
    assert event.changes["evidence"]["new"] == "ket-qua.pdf"
    assert event.note == "Nguyễn Văn An (Bộ Công an)"


@pytest.mark.parametrize(
    ("kind", "verdict"),
    [
        ("expired", Verdict.UNTRUSTED),
        ("self_made", Verdict.UNTRUSTED),
        ("modified", Verdict.MODIFIED),
        ("broken", Verdict.BROKEN),
    ],
)
def test_each_flawed_signature_gets_its_verdict_and_a_history_entry(world, trusted, kind, verdict):
    task = deliverable(world)
    report_with(world, task, pdf_upload(kind))
    assert EvidenceFile.objects.get().signature_verdict == verdict
    event = TaskEvent.objects.get(task=task, action="signed_result_attached")
    assert event.changes["signature_verdict"]["new"] == verdict


def test_an_unsigned_pdf_is_not_signed_and_adds_no_signature_history(world, trusted):
    task = deliverable(world)
    report_with(world, task, SimpleUploadedFile("ban-nhap.pdf", plain_pdf(), content_type="application/pdf"))
    item = EvidenceFile.objects.get()
    assert item.signature_verdict == Verdict.UNSIGNED
    assert not item.signatures.exists()
    assert not TaskEvent.objects.filter(action="signed_result_attached").exists()


def test_a_picture_is_not_checked(world, trusted):
    task = deliverable(world)
    png = SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, content_type="image/png")
    report_with(world, task, png)
    assert EvidenceFile.objects.get().signature_verdict == ""


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", Problem.MALFORMED),
        (None, Problem.ENCRYPTED),
    ],
    ids=["malformed", "password"],
)
def test_a_file_that_cannot_be_checked_is_kept_with_the_reason(world, trusted, data, problem):
    data = plain_pdf(password="mat-khau") if data is None else data
    task = deliverable(world)
    report_with(world, task, SimpleUploadedFile("x.pdf", data, content_type="application/pdf"))
    item = EvidenceFile.objects.get()
    assert (item.signature_verdict, item.signature_problem) == (Verdict.UNREADABLE, problem)


def test_a_check_that_overruns_its_time_is_unreadable_not_an_error(world, trusted, settings):
    settings.SIGNATURE_CHECK_SECONDS = 0.001
    task = deliverable(world)
    report_with(world, task, pdf_upload("valid"))
    item = EvidenceFile.objects.get()
    assert (item.signature_verdict, item.signature_problem) == (Verdict.UNREADABLE, Problem.TIMEOUT)


def test_a_file_over_the_upload_limit_is_refused_before_any_check(world, trusted, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    task = deliverable(world)
    with pytest.raises(ValidationError) as refused:
        report_with(world, task, pdf_upload("valid"))
    assert "evidence" in refused.value.message_dict
    assert not EvidenceFile.objects.exists()


# --- confirming ------------------------------------------------------------------------------------


def test_confirming_without_a_signed_result_is_refused_with_the_reason(world, trusted):
    task = deliverable(world)
    report_with(world, task, SimpleUploadedFile("ban-nhap.pdf", plain_pdf(), content_type="application/pdf"))
    task = submitted(world, task)
    with translation.override("en"), pytest.raises(InvalidTransition) as refused:
        services.task_confirm(actor=world.monitor, task=task)
    assert "requires a signed result" in str(refused.value)
    with translation.override("vi"), pytest.raises(InvalidTransition) as refused:
        services.task_confirm(actor=world.monitor, task=task)
    assert "yêu cầu kết quả có chữ ký số" in str(refused.value)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.SUBMITTED


@pytest.mark.parametrize("kind", ["expired", "self_made", "modified", "broken"])
def test_a_flawed_signature_does_not_satisfy_the_requirement(world, trusted, kind):
    task = deliverable(world)
    report_with(world, task, pdf_upload(kind))
    with pytest.raises(InvalidTransition):
        services.task_confirm(actor=world.monitor, task=submitted(world, task))


def test_a_valid_signed_pdf_from_the_lead_agency_lets_the_task_be_confirmed(world, trusted):
    task = deliverable(world)
    report_with(world, task, pdf_upload("valid"))
    task = services.task_confirm(actor=world.monitor, task=submitted(world, task))
    assert task.status == TaskStatus.COMPLETED


def test_a_coordinating_agencys_signed_pdf_does_not_count(world, trusted):
    task = deliverable(world, coordinating_agencies=[world.mic])
    services.task_update(actor=world.monitor, task=task, coordinating_agencies=[world.mic])
    report_with(world, task, pdf_upload("valid"), actor=world.mic_focal)
    with pytest.raises(InvalidTransition):
        services.task_confirm(actor=world.monitor, task=submitted(world, task))


def test_a_task_without_the_requirement_is_confirmed_without_a_signature(world):
    task = deliverable(world)
    task = services.task_update(actor=world.monitor, task=task, requires_signed_result=False)
    task = services.task_confirm(actor=world.monitor, task=submitted(world, task))
    assert task.status == TaskStatus.COMPLETED


# --- trusted roots ---------------------------------------------------------------------------------


def test_a_root_is_read_from_its_certificate(admin):
    root = trust_test_root(admin)
    assert root.fingerprint_sha256 == pki().root.asn1().sha256.hex()
    assert "Test Root CA" in root.subject
    assert root.valid_from < root.valid_until
    assert root.added_by == admin and root.is_active


def test_the_same_root_twice_and_a_non_certificate_are_refused(admin):
    trust_test_root(admin)
    with pytest.raises(ValidationError):
        trust_test_root(admin)
    with pytest.raises(ValidationError) as refused:
        services.trusted_root_add(actor=admin, name="junk", certificate=b"not a certificate")
    assert "certificate" in refused.value.message_dict
    assert TrustedRoot.objects.count() == 1


def test_only_an_administrator_changes_the_roots(world):
    with pytest.raises(ActionNotAllowed):
        services.trusted_root_add(actor=world.monitor, name="x", certificate=pki().root.pem)


def test_changing_the_roots_asks_for_a_recheck_after_commit(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        trust_test_root(admin)
    assert len(callbacks) == 1


def test_rechecking_after_a_root_is_trusted_turns_untrusted_into_valid(world, admin):
    task = deliverable(world)
    report_with(world, task, pdf_upload("valid"))
    item = EvidenceFile.objects.get()
    assert item.signature_verdict == Verdict.UNTRUSTED
    root = trust_test_root(admin)
    counts = jobs.evidence_signatures_recheck_all()
    assert counts == {"valid": 1}
    item.refresh_from_db()
    assert item.signature_verdict == Verdict.VALID
    event = TaskEvent.objects.get(task=task, action="signature_rechecked")
    assert event.changes["signature_verdict"] == {"old": "untrusted", "new": "valid"}
    # a second run changes nothing and records nothing
    assert services.evidence_signatures_recheck_all() == {"valid": 1}
    assert TaskEvent.objects.filter(action="signature_rechecked").count() == 1
    assert EvidenceSignature.objects.count() == 1
    # distrusting the root turns it back
    services.trusted_root_set_active(actor=admin, root=root, active=False)
    services.evidence_signatures_recheck_all()
    item.refresh_from_db()
    assert item.signature_verdict == Verdict.UNTRUSTED


# --- the admin ---------------------------------------------------------------------------------------


def test_an_administrator_uploads_a_root_in_the_admin_and_stops_trusting_it(client, admin, world):
    from django.urls import reverse

    client.force_login(admin)
    client.cookies["django_language"] = "en"
    assert client.get(reverse("admin:tasks_trustedroot_add")).status_code == 200
    upload = SimpleUploadedFile("root.pem", pki().root.pem, content_type="application/x-pem-file")
    response = client.post(
        reverse("admin:tasks_trustedroot_add"), {"name": "Test Government CA", "certificate_file": upload}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    root = TrustedRoot.objects.get()
    assert (root.name, root.added_by, root.is_active) == ("Test Government CA", admin, True)
    junk = SimpleUploadedFile("root.pem", b"not a certificate")
    refused = client.post(
        reverse("admin:tasks_trustedroot_add"), {"name": "junk", "certificate_file": junk}, follow=True
    )
    assert "not an X.509 certificate" in refused.content.decode()
    assert TrustedRoot.objects.count() == 1
    client.post(
        reverse("admin:tasks_trustedroot_changelist"),
        {"action": "stop_trusting", "_selected_action": [root.pk]},
    )
    root.refresh_from_db()
    assert root.is_active is False
    listed = client.get(reverse("admin:tasks_evidencefile_changelist") + "?signature_verdict=valid")
    assert listed.status_code == 200


def test_the_reports_files_share_one_time_budget(world, trusted, settings):
    # Given a budget of half a second for the report, and a first PDF that needs seconds
    from tests.signatures.test_validation import many_objects

    settings.SIGNATURE_CHECK_SECONDS = 0.5
    task = deliverable(world)
    crowded = SimpleUploadedFile("crowded.pdf", many_objects(120_000), content_type="application/pdf")
    # When it comes first in a report with a valid signed PDF
    report_with(world, task, crowded, pdf_upload("valid"))
    # Then the first spends the budget, and the second is not checked past it
    verdicts = dict(EvidenceFile.objects.values_list("original_name", "signature_problem"))
    assert verdicts == {"crowded.pdf": Problem.TIMEOUT, "ket-qua.pdf": Problem.TIMEOUT}
