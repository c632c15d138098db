"""Print the intake's precision and recall on the labelled set (fixtures/intake/labels.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from tasks.intake.evaluation import HELDOUT_FILE, LABELS_FILE, Score, evaluate

COLUMNS = (
    ("document", "document", 9),
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
            help="Labelled set (JSON), repeatable. Default: the development set, then the held-out set.",
        )
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
        parser.add_argument("--details", action="store_true", help="List missed, extra and wrong tasks.")

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(p) for p in options["labels"] or [LABELS_FILE, HELDOUT_FILE]]
        results = [(path, *evaluate(path)) for path in paths]
        if options["json"]:
            payload = [
                {"labels": str(path), "documents": [s.as_dict() for s in scores], "overall": total.as_dict()}
                for path, scores, total in results
            ]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        for path, scores, total in results:
            self.stdout.write(f"\n{path.parent.name}/{path.name}: {_about(path)}")
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

    def _details(self, score: Score) -> None:
        self.stdout.write(f"\n{score.document}")
        for miss in score.misses:
            self.stdout.write(f"  missed: {miss}")
        for extra in score.extras:
            self.stdout.write(f"  extra:  {extra[:140]}")
        for wrong in score.wrong:
            self.stdout.write(f"  wrong:  {wrong[:200]}")
