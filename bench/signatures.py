"""The signature check of an evidence PDF, as an upload runs it: in a forked child bounded in
time and memory (``signatures.validation.check_pdf_bounded``), against the same check run in
this process, the floor (what the fork and the pipe add is the difference)."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings

from bench.measure import Context, Figure, floor_median, median, ms_since
from signatures.choices import Verdict
from signatures.samples import pki, sign, signed_pdf
from signatures.validation import check_pdf, check_pdf_bounded

#: A file of evidence is checked while the report's upload waits: half a second is the budget.
TARGET_MS = 500.0


def signature_figures(ctx: Context) -> list[Figure]:
    p = pki()
    roots = [p.root.der]
    samples = {
        # one signer, with an RFC 3161 timestamp (two chains to build)
        "timestamped": signed_pdf("timestamped"),
        # the usual government file: the official, then the agency's seal, each a signature
        "two signers": sign(signed_pdf("valid"), p.second_leaf, chain=(p.intermediate,), field="Seal"),
        # content changed after signing: the difference analysis has work to do
        "modified": signed_pdf("modified"),
    }
    runs = max(3, ctx.runs)
    figures = []
    for label, data in samples.items():
        timed, floors = [], []
        verdict = None
        for _ in range(runs):
            moment = dt.datetime.now(dt.UTC)
            started = time.perf_counter()
            result = check_pdf_bounded(
                data,
                trust_roots=roots,
                moment=moment,
                seconds=settings.SIGNATURE_CHECK_SECONDS,
                memory_bytes=settings.SIGNATURE_CHECK_MEMORY_BYTES,
            )
            timed.append(ms_since(started))
            verdict = result.verdict
            started = time.perf_counter()
            check_pdf(data, trust_roots=roots, moment=moment)
            floors.append(ms_since(started))
        figures.append(
            Figure(
                name=f"signature check per PDF ({label})",
                median_ms=median(timed),
                floor_ms=floor_median(floors),
                target_ms=TARGET_MS,
                runs=runs,
                floor="the same check in this process (no fork, no limits)",
                note=f"{len(data):,} bytes, {label}; verdict {verdict}",
                extra={"bytes": len(data), "verdict": str(verdict)},
                checks={"verdict as expected": verdict in (Verdict.VALID, Verdict.MODIFIED)},
            )
        )
    return figures
