"""Validate the signatures of one PDF with pyHanko, offline, against the trust roots given.

``check_pdf`` does the work in this process; ``check_pdf_bounded`` runs it in a forked child
with a wall-clock limit and a memory cap, so that a hostile file (a decompression bomb, a
cross-reference loop) costs at most those and never hangs a web worker. Nothing is fetched:
no OCSP, no CRL, no AIA chasing (docs/signatures.md says what that means for revocation).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from asn1crypto import x509
from pyhanko.pdf_utils.crypt.api import AuthStatus
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleTrustManager

from signatures.choices import SEVERITY, Problem, Verdict

logger = logging.getLogger(__name__)

#: Later revisions that leave what was signed as it was: more signatures, form values, the
#: long-term validation data (DSS) and document timestamps. Anything beyond is a change.
HARMLESS_UPDATES = ModificationLevel.FORM_FILLING


@dataclass(frozen=True)
class SignatureResult:
    """What one signature says, in plain values (it crosses a process boundary)."""

    field_name: str
    verdict: str
    signer_name: str = ""
    organisation: str = ""
    issuer: str = ""
    serial_number: str = ""
    certificate_sha256: str = ""
    signing_time: dt.datetime | None = None
    timestamp_time: dt.datetime | None = None
    timestamp_trusted: bool = False
    coverage: str = ""
    modification: str = ""
    #: Why trust failed (pyHanko's AdES sub-indication, e.g. EXPIRED), or what broke.
    problem: str = ""


@dataclass(frozen=True)
class PdfCheck:
    """The whole file: its verdict (the worst of its signatures'), and each signature."""

    verdict: str
    signatures: tuple[SignatureResult, ...] = field(default_factory=tuple)
    problem: str = ""
    seconds: float = 0.0


def _name_part(name: x509.Name, key: str) -> str:
    value = name.native.get(key, "")
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    return str(value or "")


def _context(roots: list[x509.Certificate], moment: dt.datetime) -> ValidationContext:
    # An explicit trust manager: an empty list means "trust nobody", never the system's list.
    return ValidationContext(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        moment=moment,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def _verdict(status: PdfSignatureStatus) -> tuple[str, str]:
    if not (status.intact and status.valid):
        return Verdict.BROKEN, "digest" if not status.intact else "signature"
    if status.coverage is None or status.coverage == SignatureCoverageLevel.UNCLEAR:
        return Verdict.BROKEN, "coverage"
    if status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return Verdict.MODIFIED, "coverage"
    level = status.modification_level
    if level is None or level > HARMLESS_UPDATES or status.docmdp_ok is False:
        return Verdict.MODIFIED, level.name if level is not None else "unknown"
    if not status.trusted:
        indic = status.trust_problem_indic
        return Verdict.UNTRUSTED, indic.standard_name if indic is not None else "NO_CERTIFICATE_CHAIN_FOUND"
    return Verdict.VALID, ""


def _one(embedded, roots: list[x509.Certificate], moment: dt.datetime) -> SignatureResult:
    name = embedded.field_name or ""
    try:
        context = _context(roots, moment)
        status = validate_pdf_signature(embedded, signer_validation_context=context)
        ts = status.timestamp_validity
        ts_trusted = bool(ts is not None and ts.valid and ts.intact and ts.trusted)
        if ts_trusted and ts is not None and ts.timestamp < moment and not status.trusted:
            # A trusted timestamp proves the signature existed at its time: judge the
            # signer's certificate then (a certificate that expired later is no objection).
            status = validate_pdf_signature(
                embedded,
                signer_validation_context=_context(roots, ts.timestamp),
                ts_validation_context=_context(roots, moment),
            )
    except MemoryError:
        raise
    except Exception as exc:
        logger.info("Signature %s could not be verified: %r", name, exc)
        return SignatureResult(field_name=name, verdict=Verdict.BROKEN, problem=type(exc).__name__)
    verdict, problem = _verdict(status)
    cert = status.signing_cert
    return SignatureResult(
        field_name=name,
        verdict=verdict,
        signer_name=_name_part(cert.subject, "common_name"),
        organisation=_name_part(cert.subject, "organization_name")
        or _name_part(cert.subject, "organizational_unit_name"),
        issuer=_name_part(cert.issuer, "common_name") or cert.issuer.human_friendly,
        serial_number=format(cert.serial_number, "x"),
        certificate_sha256=cert.sha256.hex(),
        signing_time=status.signer_reported_dt,
        timestamp_time=ts.timestamp if ts is not None else None,
        timestamp_trusted=ts_trusted,
        coverage=status.coverage.name if status.coverage is not None else "",
        modification=status.modification_level.name if status.modification_level is not None else "",
        problem=problem,
    )


def load_roots(trust_roots: Sequence[bytes]) -> list[x509.Certificate]:
    return [x509.Certificate.load(der) for der in trust_roots]


def check_pdf(data: bytes, *, trust_roots: Sequence[bytes], moment: dt.datetime) -> PdfCheck:
    """Every signature of the PDF in ``data`` judged at ``moment`` (the earliest time we can
    prove it existed: its upload here) against ``trust_roots`` (DER certificates)."""
    started = time.perf_counter()
    roots = load_roots(trust_roots)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        # Files locked only against editing open with the empty user password.
        if reader.encrypted and reader.decrypt("").status == AuthStatus.FAILED:
            return PdfCheck(Verdict.UNREADABLE, problem=Problem.ENCRYPTED)
        embedded = list(reader.embedded_regular_signatures)
    except MemoryError:
        raise
    except Exception as exc:
        logger.info("PDF could not be read: %r", exc)
        return PdfCheck(Verdict.UNREADABLE, problem=Problem.MALFORMED)
    if not embedded:
        return PdfCheck(Verdict.UNSIGNED, seconds=time.perf_counter() - started)
    results = tuple(_one(sig, roots, moment) for sig in embedded)
    verdict = max((r.verdict for r in results), key=lambda v: SEVERITY[Verdict(v)])
    return PdfCheck(Verdict(verdict), signatures=results, seconds=time.perf_counter() - started)


def _child(write_fd: int, data: bytes, trust_roots: Sequence[bytes], moment, memory_bytes) -> None:
    try:
        if memory_bytes:
            with open("/proc/self/statm") as statm:
                current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            limit = current + memory_bytes
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            result = check_pdf(data, trust_roots=trust_roots, moment=moment)
        except MemoryError:
            result = PdfCheck(Verdict.UNREADABLE, problem=Problem.TOO_LARGE)
        payload = pickle.dumps(result)
        with os.fdopen(write_fd, "wb") as out:
            out.write(payload)
    finally:
        os._exit(0)  # never run the parent's atexit handlers or close its connections


def check_pdf_bounded(
    data: bytes,
    *,
    trust_roots: Sequence[bytes],
    moment: dt.datetime,
    seconds: float,
    memory_bytes: int = 0,
) -> PdfCheck:
    """``check_pdf`` in a forked child, killed after ``seconds``; its memory grows by at most
    ``memory_bytes``. A child that dies or overruns gives the verdict ``unreadable``."""
    started = time.perf_counter()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; its result comes back through the pipe
        os.close(read_fd)
        _child(write_fd, data, trust_roots, moment, memory_bytes)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = started + seconds
    timed_out = False
    try:
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if timed_out:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    elapsed = time.perf_counter() - started
    if timed_out:
        return PdfCheck(Verdict.UNREADABLE, problem=Problem.TIMEOUT, seconds=elapsed)
    try:
        # Written by our own forked child, never by the file's author.
        result = pickle.loads(b"".join(chunks))  # noqa: S301
    except (pickle.UnpicklingError, EOFError, ValueError):
        return PdfCheck(Verdict.UNREADABLE, problem=Problem.FAILED, seconds=elapsed)
    return PdfCheck(result.verdict, signatures=result.signatures, problem=result.problem, seconds=elapsed)
