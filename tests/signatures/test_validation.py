"""The signature checker on PDFs these tests sign themselves (tests/signing.py): each verdict,
what it reads from the certificate, and the hostile files that must end in a verdict, never
an exception or a hang."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from signatures.choices import Problem, Verdict
from signatures.validation import check_pdf, check_pdf_bounded
from tests.signing import pki, plain_pdf, sign, signed_pdf


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check(data: bytes, *, roots=None):
    roots = [pki().root.der] if roots is None else roots
    return check_pdf(data, trust_roots=roots, moment=now())


def test_signed_by_a_leaf_under_a_trusted_root_is_valid_and_names_the_signer():
    result = check(signed_pdf("valid"))
    assert result.verdict == Verdict.VALID
    (sig,) = result.signatures
    assert (sig.signer_name, sig.organisation) == ("Nguyễn Văn An", "Bộ Công an")
    assert sig.issuer == "Test Signing CA"
    assert sig.certificate_sha256 == pki().leaf.asn1().sha256.hex()
    assert abs(sig.signing_time - now()) < dt.timedelta(minutes=5)
    assert sig.timestamp_time is None
    assert sig.coverage == "ENTIRE_FILE"


def test_the_same_file_is_untrusted_when_its_root_is_not_trusted():
    result = check(signed_pdf("valid"), roots=[])
    assert result.verdict == Verdict.UNTRUSTED
    assert result.signatures[0].problem == "NO_CERTIFICATE_CHAIN_FOUND"


def test_a_timestamp_token_is_read_and_trusted_through_the_same_roots():
    (sig,) = check(signed_pdf("timestamped")).signatures
    assert sig.verdict == Verdict.VALID
    assert sig.timestamp_trusted
    assert abs(sig.timestamp_time - now()) < dt.timedelta(minutes=5)


def test_a_later_signature_is_a_harmless_update_for_the_first():
    result = check(signed_pdf("two_signers"))
    assert result.verdict == Verdict.VALID
    first, second = result.signatures
    assert (first.signer_name, second.signer_name) == ("Nguyễn Văn An", "Trần Thị Bình")
    assert first.coverage == "ENTIRE_REVISION"
    assert first.modification == "FORM_FILLING"
    assert second.coverage == "ENTIRE_FILE"


def test_content_changed_in_an_update_after_signing_is_modified():
    result = check(signed_pdf("modified"))
    assert result.verdict == Verdict.MODIFIED
    assert result.signatures[0].modification == "OTHER"
    assert result.signatures[0].signer_name == "Nguyễn Văn An"


def test_a_byte_changed_inside_the_signed_range_breaks_the_signature():
    result = check(signed_pdf("broken"))
    assert result.verdict == Verdict.BROKEN
    assert result.signatures[0].problem == "digest"


def test_an_expired_certificate_is_not_trusted_and_says_why():
    (sig,) = check(signed_pdf("expired")).signatures
    assert sig.verdict == Verdict.UNTRUSTED
    assert sig.signer_name == "Lê Văn Cũ"
    assert sig.problem in {"EXPIRED", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED"}


def test_a_certificate_is_judged_at_the_moment_given():
    # The moment is the file's upload: a file received while its certificate was valid stays
    # valid when re-checked after the certificate expired.
    p = pki()
    result = check_pdf(signed_pdf("expired"), trust_roots=[p.root.der], moment=now() - dt.timedelta(days=100))
    assert result.verdict == Verdict.VALID


def test_a_self_made_certificate_is_not_trusted():
    (sig,) = check(signed_pdf("self_made")).signatures
    assert sig.verdict == Verdict.UNTRUSTED
    assert sig.organisation == "Công ty Không Tên"
    assert sig.problem == "NO_CERTIFICATE_CHAIN_FOUND"


def test_trusting_the_self_made_root_makes_it_valid():
    p = pki()
    assert check(signed_pdf("self_made"), roots=[p.root.der, p.stranger_root.der]).verdict == Verdict.VALID


def test_the_worst_signature_decides_the_file():
    p = pki()
    mixed = sign(signed_pdf("valid"), p.stranger_leaf, chain=(p.stranger_root,), field="Signature2")
    result = check(mixed)
    assert [s.verdict for s in result.signatures] == [Verdict.VALID, Verdict.UNTRUSTED]
    assert result.verdict == Verdict.UNTRUSTED


def test_a_pdf_without_signatures_is_not_signed():
    result = check(plain_pdf())
    assert result.verdict == Verdict.UNSIGNED
    assert result.signatures == ()


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        b"%PDF-1.7\n" + b"\x00\xff" * 5000,
        b"%PDF-1.4\nxref\n0 99999999\n0000000000 65535 f \ntrailer<</Size 99999999/Root 1 0 R>>\n"
        b"startxref\n9\n%%EOF\n",
    ],
    ids=["no-xref", "binary-noise", "absurd-xref"],
)
def test_malformed_files_are_unreadable(data):
    result = check(data)
    assert result.verdict == Verdict.UNREADABLE
    assert result.problem == Problem.MALFORMED


def test_a_truncated_signed_file_is_unreadable_or_broken():
    assert check(signed_pdf("valid")[:-300]).verdict in {Verdict.UNREADABLE, Verdict.BROKEN}


def test_a_password_protected_file_is_unreadable_and_says_so():
    result = check(plain_pdf(password="mat-khau"))
    assert (result.verdict, result.problem) == (Verdict.UNREADABLE, Problem.ENCRYPTED)


def test_a_file_locked_only_against_editing_is_still_checked():
    assert check(signed_pdf("locked_for_editing")).verdict == Verdict.VALID


def test_bounded_check_gives_the_same_answer_from_a_child_process():
    p = pki()
    result = check_pdf_bounded(
        signed_pdf("two_signers"), trust_roots=[p.root.der], moment=now(), seconds=30, memory_bytes=512 << 20
    )
    assert result.verdict == Verdict.VALID
    assert [s.signer_name for s in result.signatures] == ["Nguyễn Văn An", "Trần Thị Bình"]


def test_a_check_over_its_time_is_killed_and_unreadable():
    p = pki()
    started = time.perf_counter()
    result = check_pdf_bounded(signed_pdf("valid"), trust_roots=[p.root.der], moment=now(), seconds=0.001)
    assert (result.verdict, result.problem) == (Verdict.UNREADABLE, Problem.TIMEOUT)
    assert time.perf_counter() - started < 5


def many_objects(count: int) -> bytes:
    """A valid PDF of ``count`` tiny objects: under the upload limit, costly to parse."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number in range(1, count + 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n<</Type/Annot/N %d>>\nendobj\n" % (number, number))
    root = count + 1
    offsets.append(out.tell())
    out.write(b"%d 0 obj\n<</Type/Catalog/Pages %d 0 R>>\nendobj\n" % (root, root + 1))
    offsets.append(out.tell())
    out.write(b"%d 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n" % (root + 1))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (root + 2))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer<</Size %d/Root %d 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (root + 2, root, xref))
    return out.getvalue()


@pytest.fixture(scope="module")
def crowded_pdf() -> bytes:
    data = many_objects(120_000)
    assert len(data) < 10 * 1024 * 1024
    return data


def test_a_crowded_file_over_the_time_limit_is_killed(crowded_pdf):
    started = time.perf_counter()
    result = check_pdf_bounded(crowded_pdf, trust_roots=[], moment=now(), seconds=0.3)
    assert (result.verdict, result.problem) == (Verdict.UNREADABLE, Problem.TIMEOUT)
    assert time.perf_counter() - started < 3


def test_a_crowded_file_over_the_memory_cap_is_stopped(crowded_pdf, tmp_path):
    """Checked from a fresh interpreter, as a worker starts: the cap is on how much the child may
    grow, and a parent that already holds much free heap (this test run) lets it grow unseen."""
    path = tmp_path / "crowded.pdf"
    path.write_bytes(crowded_pdf)
    script = (
        "import datetime as dt, sys\n"
        "from signatures.validation import check_pdf_bounded\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "result = check_pdf_bounded(data, trust_roots=[], moment=dt.datetime.now(dt.UTC),"
        " seconds=60, memory_bytes=4 << 20)\n"
        "print(result.verdict.value, result.problem.value if result.problem else '')\n"
    )
    answer = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    verdict, problem = answer.stdout.split()[-2:]
    assert verdict == Verdict.UNREADABLE
    assert problem in {Problem.TOO_LARGE, Problem.FAILED}
