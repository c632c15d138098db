"""The corpus of real notices: what it holds, how it is split, and how intake_eval reports it.

The quality figures themselves are in docs/intake.md; these tests pin the corpus's shape (so a
later edit cannot quietly move a document across the split) and the command's report."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import unicodedata
from collections import defaultdict

from django.core.management import call_command

from tasks.intake.evaluation import CORPUS_FILE, PARTS, labelled_documents


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).replace("’", "'")).strip().lower()


def test_the_corpus_holds_real_dated_sourced_texts_of_each_kind_and_language():
    documents = labelled_documents(CORPUS_FILE)
    assert len(documents) >= 12
    assert {d["language"] for d in documents} == {"vi", "en"}
    assert {"TB-VPCP", "CT-TTg", "CĐ-TTg"} <= {d["kind"] for d in documents}
    for document in documents:
        assert document["source"].startswith("http"), document["id"]
        assert dt.date(2023, 1, 1) <= dt.date.fromisoformat(document["issued_on"]) <= dt.date(2025, 12, 31)
        text = _norm((CORPUS_FILE.parent / document["text"]).read_text(encoding="utf-8"))
        for task in document["tasks"]:
            # each label points at one place in its text
            assert text.count(_norm(task["key"])) == 1, (document["id"], task["key"])


def test_the_split_keeps_each_source_document_in_one_part_with_both_languages_in_each():
    parts_of_group: dict[str, set[str]] = defaultdict(set)
    for document in labelled_documents(CORPUS_FILE):
        assert document["split"] in PARTS
        parts_of_group[document["group"]].add(document["split"])
    assert all(len(parts) == 1 for parts in parts_of_group.values()), parts_of_group
    for part in PARTS:
        documents = labelled_documents(CORPUS_FILE, part)
        assert {d["language"] for d in documents} == {"vi", "en"}
        assert sum(len(d["tasks"]) for d in documents) >= 50


def test_intake_eval_prints_both_parts_with_size_and_sources(corpus_register):
    out = io.StringIO()
    call_command("intake_eval", "--sources", stdout=out)
    text = out.getvalue()
    assert "DEVELOPMENT part" in text and "TEST part" in text
    assert text.count("overall") == 2
    total = sum(len(d["tasks"]) for d in labelled_documents(CORPUS_FILE))
    sizes = [int(n) for n in re.findall(r"(\d+) labelled tasks", text)]
    assert sum(sizes) == total
    assert "vietnamplus.vn" in text and "https://" in text
    # the 2025 ministries are in this register, so none is reported missing
    assert "register lacks" not in text


def test_intake_eval_json_names_the_part_and_missing_agencies(register):
    out = io.StringIO()
    call_command("intake_eval", "--json", "--part", "development", stdout=out)
    (development,) = json.loads(out.getvalue())
    assert development["part"] == "development"
    assert development["size"]["tasks"] == development["overall"]["labelled"]
    # without the 2025 ministries the report says which labelled agencies it cannot score
    assert set(development["missing_agencies"]) <= {"MAE", "MEER"}


def test_the_development_part_keeps_the_figures_reached_while_tuning(corpus_register):
    """A guard for later rule edits: the figures docs/intake.md reports for the development part
    (1,580 tasks since the tenth pass, every test part measured so far folded into it: found
    0.88, precision 0.87, lead 0.91, deadline 0.96), a little below them. The test part is
    reported, not asserted."""
    out = io.StringIO()
    call_command("intake_eval", "--json", "--part", "development", stdout=out)
    (development,) = json.loads(out.getvalue())
    overall = development["overall"]
    assert overall["recall"] >= 0.87
    assert overall["precision"] >= 0.86
    assert overall["lead_accuracy"] >= 0.90
    assert overall["deadline_accuracy"] >= 0.95
