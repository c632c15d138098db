"""Re-check the signatures of every evidence PDF against today's trusted roots."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tasks.services import evidence_signatures_recheck_all


class Command(BaseCommand):
    help = (
        "Re-check the digital signatures of every evidence PDF against the trusted roots in force "
        "(run after changing them outside the admin, or to check files uploaded before signatures "
        "were checked). Each file is judged at its upload time; a changed verdict is recorded in "
        "the task's history."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print only the totals.")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(pk: int, verdict: str) -> None:
            if not options["quiet"]:
                self.stdout.write(f"evidence {pk}: {verdict}")

        counts = evidence_signatures_recheck_all(progress=progress)
        total = sum(counts.values())
        summary = ", ".join(f"{verdict} {n}" for verdict, n in sorted(counts.items())) or "none"
        self.stdout.write(self.style.SUCCESS(f"{total} PDF files checked: {summary}"))
