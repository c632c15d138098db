"""Evidence files: nothing reaches storage unless its row commits, one limit on the number of
files for the web form and the API, and a command that finds files no row points to."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test import Client

from tasks import services
from tasks.models import EvidenceFile, ProgressReport
from tests.api.conftest import client_for
from tests.notifications.conftest import make_task
from tests.reliability.test_hostile_web import DISGUISED, PDF


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def pdfs(count: int) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"minutes-{n}.pdf", PDF) for n in range(count)]


def post_progress(door: str, world, task, evidence: list) -> int:
    """Send a progress report with ``evidence`` through the API or the web form."""
    if door == "api":
        path = f"/api/v1/tasks/{task.pk}/progress-reports/"
        return client_for(world.mps_focal).post(path, {"note": "n", "evidence": evidence}).status_code
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.mps_focal)
    task.refresh_from_db()
    data = {"version": task.version, "note": "n", "evidence": evidence}
    return client.post(f"/tasks/{task.pk}/progress/", data).status_code


@pytest.mark.parametrize("door", ["api", "web"])
def test_a_partly_refused_upload_writes_no_file(postgres, world, door):
    # given nine real PDFs and, last, one disguised file
    task = make_task(world, code="EV-1", deadline=dt.date(2031, 5, 31))
    name, content = DISGUISED[0]
    evidence = [*pdfs(settings.EVIDENCE_MAX_FILES - 1), SimpleUploadedFile(name, content)]
    # when they are sent together
    status = post_progress(door, world, task, evidence)
    # then the report is refused and nothing is on disk
    assert status == 400
    assert ProgressReport.objects.count() == 0 and EvidenceFile.objects.count() == 0
    assert stored_files() == []


@pytest.mark.parametrize("door", ["api", "web"])
def test_one_limit_on_the_number_of_files_for_both_doors(postgres, world, door):
    task = make_task(world, code="EV-2", deadline=dt.date(2031, 5, 31))
    assert post_progress(door, world, task, pdfs(settings.EVIDENCE_MAX_FILES + 1)) == 400
    assert stored_files() == [] and EvidenceFile.objects.count() == 0
    assert post_progress(door, world, task, pdfs(settings.EVIDENCE_MAX_FILES)) in (201, 302)
    assert EvidenceFile.objects.count() == len(stored_files()) == settings.EVIDENCE_MAX_FILES


def test_the_service_counts_the_files_itself(postgres, world):
    task = make_task(world, code="EV-3", deadline=dt.date(2031, 5, 31))
    with pytest.raises(services.ValidationError) as refused:
        services.progress_report_submit(
            actor=world.mps_focal, task=task, note="n", evidence=pdfs(settings.EVIDENCE_MAX_FILES + 1)
        )
    assert "evidence" in refused.value.message_dict
    assert stored_files() == []


REFUSE_AT_COMMIT = """
CREATE FUNCTION fc_test_refuse_evidence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'refused at commit' USING ERRCODE = '23514'; END $$;
CREATE CONSTRAINT TRIGGER fc_test_refuse_evidence AFTER INSERT ON tasks_evidencefile
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fc_test_refuse_evidence();
"""


def test_files_written_are_removed_when_the_commit_fails(postgres_tx, world):
    """The database refuses the transaction at COMMIT, after the files were written (a
    deferred constraint trigger): the rows are gone, and so are the files."""
    task = make_task(world, code="EV-4", deadline=dt.date(2031, 5, 31))
    with connection.cursor() as cursor:
        cursor.execute(REFUSE_AT_COMMIT)
    try:
        with pytest.raises(IntegrityError, match="refused at commit"):
            services.progress_report_submit(actor=world.mps_focal, task=task, note="n", evidence=pdfs(3))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER fc_test_refuse_evidence ON tasks_evidencefile")
            cursor.execute("DROP FUNCTION fc_test_refuse_evidence()")
    assert ProgressReport.objects.count() == 0
    assert stored_files() == []


def test_orphan_files_are_listed_then_removed_with_delete(postgres, world):
    # given a report with its file, and two files no row points to (left by a crash), one of
    # them written a moment ago (perhaps by a transaction that has not committed yet)
    task = make_task(world, code="EV-5", deadline=dt.date(2031, 5, 31))
    services.progress_report_submit(actor=world.mps_focal, task=task, note="n", evidence=pdfs(1))
    kept = stored_files()
    folder = Path(settings.MEDIA_ROOT) / "evidence" / str(task.pk) / "999"
    folder.mkdir(parents=True)
    old, new = folder / "old.pdf", folder / "new.pdf"
    old.write_bytes(PDF)
    new.write_bytes(PDF)
    an_hour_ago = time.time() - 2 * 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    # when the command runs without --delete, it only lists
    out = io.StringIO()
    call_command("evidence_orphans", stdout=out)
    assert "evidence/" + f"{task.pk}/999/old.pdf" in out.getvalue()
    assert "new.pdf" not in out.getvalue()
    assert "dry run" in out.getvalue().lower()
    assert old.exists()

    # when it runs with --delete, the old orphan goes; the row's file and the recent one stay
    call_command("evidence_orphans", "--delete", stdout=io.StringIO())
    assert not old.exists()
    assert new.exists()
    assert all(path.exists() for path in kept)
    call_command("evidence_orphans", "--delete", "--older-than", "0", stdout=io.StringIO())
    assert not new.exists() and all(path.exists() for path in kept)
