"""Print the intake's precision and recall on labelled notices: by default the corpus of real public
texts (fixtures/intake_corpus/), its development part and its test part, with the corpus's size and
sources; ``--part holdout`` scores the held-out part, which no other choice reads; ``--labels``
scores another labelled set (the seed notices) as a whole."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from django.core.management.base import BaseCommand

from tasks.intake.evaluation import (
    CORPUS_FILE,
    HOLDOUT,
    PARTS,
    Score,
    evaluate,
    labelled_documents,
    missing_agencies,
)

COLUMNS = (
    ("document", "document", 24),
    ("lang", "language", 4),
    ("labelled", "labelled", 8),
    ("drafts", "drafts", 6),
    ("found", "found", 5),
    ("precision", "precision", 9),
    ("recall", "recall", 6),
    ("recall(dl)", "recall_with_deadline", 10),
    ("lead", "lead_accuracy", 5),
    ("deadline", "deadline_accuracy", 8),
    ("result", "result_accuracy", 6),
    ("coord", "coordination_accuracy", 5),
)


def _cell(value: Any, width: int) -> str:
    if value is None:
        text = "-"
    elif isinstance(value, float):
        text = f"{value:.2f}"
    else:
        text = str(value)
    return text.rjust(width) if not isinstance(value, str) or value == "-" else text.ljust(width)


def _about(path: Path) -> str:
    about = json.loads(path.read_text(encoding="utf-8")).get("_about", "")
    return about.split(":")[0][:90]


class Command(BaseCommand):
    help = (
        "Run the directive intake on the labelled notices and print, per document and overall, "
        "precision and recall of tasks found, recall of tasks with a deadline, and the accuracy of "
        "lead agency, deadline date, expected result and coordinating agencies on the tasks found."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--labels",
            action="append",
            help="Another labelled set (JSON), scored whole; repeatable (e.g. fixtures/intake/labels.json).",
        )
        parser.add_argument(
            "--part",
            choices=[*PARTS, HOLDOUT, "all"],
            default="all",
            help=(
                "Which part of the corpus to score (default 'all': the development part, then the "
                "test part; the holdout part is scored only when named)."
            ),
        )
        parser.add_argument(
            "--sources", action="store_true", help="List each document's number, date and address."
        )
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
        parser.add_argument("--details", action="store_true", help="List missed, extra and wrong tasks.")

    def handle(self, *args: Any, **options: Any) -> None:
        sets: list[tuple[Path, str | None]]
        if options["labels"]:
            sets = [(Path(p), None) for p in options["labels"]]
        else:
            parts = PARTS if options["part"] == "all" else (options["part"],)
            sets = [(CORPUS_FILE, part) for part in parts]
        results = [(path, part, *evaluate(path, part)) for path, part in sets]
        if options["json"]:
            payload = [
                {
                    "labels": str(path),
                    "part": part,
                    "size": self._size(path, part),
                    "missing_agencies": missing_agencies(path, part),
                    "documents": [s.as_dict() for s in scores],
                    "overall": total.as_dict(),
                }
                for path, part, scores, total in results
            ]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        for path, part, scores, total in results:
            title = f"{path.parent.name}/{path.name}" + (f", {part.upper()} part" if part else "")
            size = self._size(path, part)
            self.stdout.write(
                f"\n{title}: {size['documents']} documents ({self._counts(size['languages'])}; "
                f"{self._counts(size['kinds'])}), {size['tasks']} labelled tasks, "
                f"from {len(size['sources'])} sites: {', '.join(sorted(size['sources']))}"
            )
            if part is None:
                self.stdout.write(_about(path))
            if part == HOLDOUT:
                self.stdout.write(
                    "held out: labelled apart, counted in neither the development nor the test part"
                )
            missing = missing_agencies(path, part)
            if missing:
                self.stdout.write(
                    "labelled agencies the register lacks (their tasks cannot score right): "
                    + ", ".join(missing)
                )
            header = [t.ljust(w) if i < 2 else t.rjust(w) for i, (t, _, w) in enumerate(COLUMNS)]
            self.stdout.write("  ".join(header))
            for score in [*scores, total]:
                if score is total:
                    self.stdout.write("-" * 100)
                row = score.as_dict()
                self.stdout.write("  ".join(_cell(row[key], w) for _, key, w in COLUMNS))
            if options["details"]:
                for score in scores:
                    self._details(score)
            if options["sources"]:
                for document in labelled_documents(path, part):
                    self.stdout.write(
                        f"  {document['id']}: {document.get('number', '')}, {document['issued_on']}, "
                        f"{document.get('source', '')}"
                    )

    @staticmethod
    def _size(path: Path, part: str | None) -> dict[str, Any]:
        documents = labelled_documents(path, part)
        return {
            "documents": len(documents),
            "tasks": sum(len(d["tasks"]) for d in documents),
            "languages": dict(Counter(d.get("language", "") for d in documents)),
            "kinds": dict(Counter(d.get("kind", "") for d in documents if d.get("kind"))),
            "sources": sorted({urlparse(d["source"]).netloc for d in documents if d.get("source")}),
        }

    @staticmethod
    def _counts(counter: dict[str, int]) -> str:
        return ", ".join(f"{key} {count}" for key, count in sorted(counter.items()))

    def _details(self, score: Score) -> None:
        self.stdout.write(f"\n{score.document}")
        for miss in score.misses:
            self.stdout.write(f"  missed: {miss}")
        for extra in score.extras:
            self.stdout.write(f"  extra:  {extra[:140]}")
        for wrong in score.wrong:
            self.stdout.write(f"  wrong:  {wrong[:200]}")
