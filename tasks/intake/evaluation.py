"""Measure the intake against labelled notices.

Two kinds of labelled set: the seed notices the rules were first written on
(fixtures/intake/labels.json, fixtures/intake/heldout/labels.json), and the corpus of real public
texts (fixtures/intake_corpus/corpus.json), split by source document into a development part,
which tuning may look at, and a test part, which is only measured; a third, held-out part
(``holdout``) was labelled later and apart, and is read only when asked for by name.

A draft *finds* a labelled task when the clause it came from contains the label's key
passage; each label and each draft is used once, in text order. On the tasks found we count
how often the lead agency (as a set of codes: one agency, a group's members, or none), the
deadline date (None included), the expected result (the label's passage is in it, or both
are empty; only where the label gives a result) and, where labelled, the coordinating agencies are
right.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from agencies.models import Agency
from tasks.intake.defaults import FIXTURE_DIR
from tasks.intake.parser import Draft, normalize, parse
from tasks.intake.selectors import intake_rules

LABELS_FILE = FIXTURE_DIR / "labels.json"
HELDOUT_FILE = FIXTURE_DIR / "heldout" / "labels.json"
CORPUS_FILE = FIXTURE_DIR.parent / "intake_corpus" / "corpus.json"
CORPUS_AGENCIES_FILE = FIXTURE_DIR.parent / "intake_corpus" / "agencies_2025.json"
PARTS = ("development", "test")
# Labelled apart from the two parts above and counted in neither; read only when named.
HOLDOUT = "holdout"


def _norm(text: str) -> str:
    """Text as the parser reads it (one tone placement, straight quotes), spaces collapsed: a
    label's key written "Uỷ ban" finds the draft of the clause the parser reads as "Ủy ban"."""
    text = normalize(unicodedata.normalize("NFC", text).replace("’", "'"))
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass
class Score:
    """Counts for one document (or all of them)."""

    document: str
    language: str = ""
    labelled: int = 0
    labelled_with_deadline: int = 0
    drafts: int = 0
    found: int = 0
    found_with_deadline: int = 0
    lead_right: int = 0
    deadline_right: int = 0
    result_labelled: int = 0
    result_right: int = 0
    coordination_labelled: int = 0
    coordination_right: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @staticmethod
    def _ratio(num: int, den: int) -> float | None:
        return num / den if den else None

    @property
    def precision(self) -> float | None:
        return self._ratio(self.found, self.drafts)

    @property
    def recall(self) -> float | None:
        return self._ratio(self.found, self.labelled)

    @property
    def recall_with_deadline(self) -> float | None:
        return self._ratio(self.found_with_deadline, self.labelled_with_deadline)

    @property
    def lead_accuracy(self) -> float | None:
        return self._ratio(self.lead_right, self.found)

    @property
    def deadline_accuracy(self) -> float | None:
        return self._ratio(self.deadline_right, self.found)

    @property
    def result_accuracy(self) -> float | None:
        return self._ratio(self.result_right, self.result_labelled)

    @property
    def coordination_accuracy(self) -> float | None:
        return self._ratio(self.coordination_right, self.coordination_labelled)

    def add(self, other: Score) -> None:
        for name in (
            "labelled",
            "labelled_with_deadline",
            "drafts",
            "found",
            "found_with_deadline",
            "lead_right",
            "deadline_right",
            "result_labelled",
            "result_right",
            "coordination_labelled",
            "coordination_right",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "document": self.document,
            "language": self.language,
            "labelled": self.labelled,
            "drafts": self.drafts,
            "found": self.found,
            "precision": self.precision,
            "recall": self.recall,
            "recall_with_deadline": self.recall_with_deadline,
            "lead_accuracy": self.lead_accuracy,
            "deadline_accuracy": self.deadline_accuracy,
            "result_accuracy": self.result_accuracy,
            "coordination_accuracy": self.coordination_accuracy,
            "misses": self.misses,
            "extras": self.extras,
            "wrong": self.wrong,
        }


def _gold_lead(lead: str | None, groups: dict[str, dict]) -> set[str]:
    if not lead:
        return set()
    if lead.startswith("@"):
        kinds = groups[lead[1:]]["kinds"]
        return set(Agency.objects.filter(kind__in=kinds, is_active=True).values_list("code", flat=True))
    return {lead}


def _predicted_lead(draft: Draft) -> set[str]:
    if draft.lead_agencies:
        return set(draft.lead_agencies)
    return {draft.lead_agency} if draft.lead_agency else set()


def score_document(document: dict, drafts: list[Draft], groups: dict[str, dict]) -> Score:
    score = Score(document=document["id"], language=document.get("language", ""))
    labels = document["tasks"]
    score.labelled = len(labels)
    score.labelled_with_deadline = sum(1 for label in labels if label.get("deadline"))
    score.drafts = len(drafts)
    used: set[int] = set()
    for label in labels:
        key = _norm(label["key"])
        match = next((i for i, d in enumerate(drafts) if i not in used and key in _norm(d.clause)), None)
        if match is None:
            score.misses.append(label["key"])
            continue
        used.add(match)
        draft = drafts[match]
        score.found += 1
        gold_deadline = dt.date.fromisoformat(label["deadline"]) if label.get("deadline") else None
        score.found_with_deadline += gold_deadline is not None
        problems = []
        if _predicted_lead(draft) == _gold_lead(label.get("lead"), groups):
            score.lead_right += 1
        else:
            predicted = draft.lead_agency or (
                f"a group of {len(draft.lead_agencies)}"
                if len(draft.lead_agencies) > 3
                else draft.lead_agencies
            )
            problems.append(f"lead {predicted} ≠ {label.get('lead')}")
        if draft.deadline == gold_deadline:
            score.deadline_right += 1
        else:
            problems.append(f"deadline {draft.deadline} ≠ {gold_deadline}")
        if "result" in label:
            score.result_labelled += 1
            gold_result = label["result"]
            if (gold_result is None and not draft.expected_result) or (
                gold_result is not None and _norm(gold_result) in _norm(draft.expected_result)
            ):
                score.result_right += 1
            else:
                problems.append(f"result {draft.expected_result!r} ≠ {gold_result!r}")
        if "coordinating" in label:
            score.coordination_labelled += 1
            if set(draft.coordinating_agencies) == set(label["coordinating"]):
                score.coordination_right += 1
            else:
                problems.append(f"coordinating {draft.coordinating_agencies} ≠ {label['coordinating']}")
        if problems:
            score.wrong.append(f"{label['key']}: " + "; ".join(problems))
    score.extras = [d.clause for i, d in enumerate(drafts) if i not in used]
    return score


def labelled_documents(labels_path: Path, part: str | None = None) -> list[dict]:
    """The documents of a labelled set, or of one part of it (``development``, ``test`` or
    ``holdout``). Without a part, every document but the held-out ones, so that nothing measures
    the holdout by accident."""
    documents = json.loads(labels_path.read_text(encoding="utf-8"))["documents"]
    if part is None:
        return [d for d in documents if d.get("split") != HOLDOUT]
    return [d for d in documents if d.get("split") == part]


def missing_agencies(labels_path: Path, part: str | None = None) -> list[str]:
    """Codes the labels name that the agency register lacks (their tasks cannot be scored right)."""
    named = {
        task["lead"]
        for document in labelled_documents(labels_path, part)
        for task in document["tasks"]
        if task.get("lead") and not task["lead"].startswith("@")
    } | {
        code
        for document in labelled_documents(labels_path, part)
        for task in document["tasks"]
        for code in task.get("coordinating", [])
    }
    present = set(Agency.objects.filter(code__in=named).values_list("code", flat=True))
    return sorted(named - present)


def evaluate(labels_path: Path = LABELS_FILE, part: str | None = None) -> tuple[list[Score], Score]:
    """Parse every labelled document (of the part asked for) with the rules in the database and
    score it."""
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    rules = intake_rules()
    scores = []
    total = Score(document="overall")
    for document in labelled_documents(labels_path, part):
        text = (labels_path.parent / document["text"]).read_text(encoding="utf-8")
        drafts = parse(
            text,
            rules,
            reference_date=dt.date.fromisoformat(document["issued_on"]),
            language=document.get("language", ""),
        )
        score = score_document(document, drafts, labels["groups"])
        scores.append(score)
        total.add(score)
    return scores, total
