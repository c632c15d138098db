"""The benchmark's signature step: one figure per sample PDF, each with the verdict it should
get (its time is `make bench`'s to judge, not a test's)."""

from __future__ import annotations

from types import SimpleNamespace

from bench.signatures import signature_figures


def test_each_sample_pdf_gets_a_figure_with_its_expected_verdict():
    figures = signature_figures(SimpleNamespace(runs=1))
    assert [f.name for f in figures] == [
        "signature check per PDF (timestamped)",
        "signature check per PDF (two signers)",
        "signature check per PDF (modified)",
    ]
    assert [f.extra["verdict"] for f in figures] == ["valid", "valid", "modified"]
    for figure in figures:
        assert figure.runs == 3 and figure.median_ms > 0 and figure.floor_ms > 0
        assert figure.checks["verdict as expected"] is True
