"""The corpus file itself: every label can be scored as written.

These checks read the JSON only (no database, no parser), so they can run on new labels before
anything is measured on them: each lead and coordinator is an agency of the register
(fixtures/agencies.json) or of the 2025 additions (agencies_2025.json), or one of the corpus's
groups; each deadline is a date on or after the document's issue date (an earlier date is
history, not a deadline); each document sits in one part with the other renderings of its source;
a part measured once (the test part, and a held-out part when there is one) holds only documents
that no other part renders."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections import Counter

from django.conf import settings

from tasks.intake.evaluation import CORPUS_AGENCIES_FILE, CORPUS_FILE, HOLDOUT, PARTS, labelled_documents

REGISTER_FILE = settings.BASE_DIR / "fixtures" / "agencies.json"
REQUIRED = {"id", "text", "number", "kind", "language", "issued_on", "source", "tasks", "group", "split"}


def _corpus() -> dict:
    return json.loads(CORPUS_FILE.read_text(encoding="utf-8"))


def _codes() -> set[str]:
    codes = set()
    for path in (REGISTER_FILE, CORPUS_AGENCIES_FILE):
        codes |= {row["code"] for row in json.loads(path.read_text(encoding="utf-8"))["agencies"]}
    return codes


def test_every_lead_and_coordinator_resolves_to_an_agency_or_a_group():
    corpus = _corpus()
    codes, groups = _codes(), set(corpus["groups"])
    unknown = []
    for document in corpus["documents"]:
        for task in document["tasks"]:
            lead = task["lead"]
            if lead is not None and not (lead in codes or (lead.startswith("@") and lead[1:] in groups)):
                unknown.append((document["id"], task["key"], lead))
            coordinators = task.get("coordinating", [])
            unknown += [(document["id"], task["key"], c) for c in coordinators if c not in codes]
    assert unknown == []


def test_every_deadline_is_a_date_on_or_after_the_issue_date():
    for document in _corpus()["documents"]:
        issued = dt.date.fromisoformat(document["issued_on"])
        for task in document["tasks"]:
            assert set(task) <= {"key", "lead", "deadline", "coordinating", "result"}, task
            if task["deadline"] is not None:
                assert dt.date.fromisoformat(task["deadline"]) >= issued, (document["id"], task["key"])


def test_each_document_is_described_and_the_corpus_is_the_size_the_issue_asks_for():
    documents = _corpus()["documents"]
    ids = Counter(d["id"] for d in documents)
    assert [i for i, n in ids.items() if n > 1] == []
    for document in documents:
        assert set(document) >= REQUIRED, document["id"]
        assert document["language"] in {"vi", "en"}
        assert (CORPUS_FILE.parent / document["text"]).is_file(), document["id"]
    tasks = {part: sum(len(d["tasks"]) for d in documents if d["split"] == part) for part in PARTS}
    assert sum(tasks.values()) >= 200
    # the test part is large enough to measure: each pass that measured a test part folded it into
    # development afterwards and labelled a new one (100 of 1,237 tasks since the eighth pass)
    assert tasks["test"] >= 100 and tasks["test"] >= 0.08 * sum(tasks.values())


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).replace("’", "'")).strip().lower()


def _new_documents_part(documents: list[dict], part: str, others: list[dict]) -> None:
    """A part measured once: both languages, the three kinds, real pages, and no source
    document that another part renders."""
    part_docs = [d for d in documents if d["split"] == part]
    assert len(part_docs) >= 12
    assert {d["language"] for d in part_docs} == {"vi", "en"}
    assert {"TB-VPCP", "CT-TTg", "CĐ-TTg"} <= {d["kind"] for d in part_docs}
    assert {d["group"] for d in part_docs}.isdisjoint(d["group"] for d in others)
    assert {d["number"] for d in part_docs}.isdisjoint(d["number"] for d in others)
    for document in part_docs:
        assert document["source"].startswith("http"), document["id"]
        assert dt.date(2023, 1, 1) <= dt.date.fromisoformat(document["issued_on"]) <= dt.date(2025, 12, 31)
        text = _norm((CORPUS_FILE.parent / document["text"]).read_text(encoding="utf-8"))
        for task in document["tasks"]:
            # each label points at one place in its text
            assert text.count(_norm(task["key"])) == 1, (document["id"], task["key"])


def test_the_test_part_and_any_holdout_hold_new_source_documents():
    documents = _corpus()["documents"]
    assert {d["split"] for d in documents} <= {*PARTS, HOLDOUT}
    development = [d for d in documents if d["split"] == "development"]
    _new_documents_part(documents, "test", development)
    holdout = [d for d in documents if d["split"] == HOLDOUT]
    if holdout:
        _new_documents_part(documents, HOLDOUT, [d for d in documents if d["split"] != HOLDOUT])
    # read only when named: the default reading (what intake_eval's parts and --labels use) leaves it out
    measured = [d for d in documents if d["split"] in PARTS]
    assert [d["id"] for d in labelled_documents(CORPUS_FILE)] == [d["id"] for d in measured]
    assert [d["id"] for d in labelled_documents(CORPUS_FILE, HOLDOUT)] == [d["id"] for d in holdout]
