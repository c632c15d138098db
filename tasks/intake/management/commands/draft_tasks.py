"""Draft the tasks of a notice from a file (.txt, .docx, .pdf) and print them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tasks.intake.extract import text_from_bytes
from tasks.intake.services import text_draft_tasks
from tasks.models import Directive


class Command(BaseCommand):
    help = (
        "Read a notice (plain text, .docx or .pdf) and print the draft tasks it assigns, with the "
        "clears found and the clears missing. Nothing is saved. --json prints a JSON list."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The notice: .txt, .docx or .pdf; '-' reads standard input.")
        parser.add_argument("--json", action="store_true", help="Print the drafts as a JSON list.")
        parser.add_argument(
            "--directive", help="Number of a stored directive whose issue date dates the deadlines."
        )
        parser.add_argument("--issued-on", help="Issue date (YYYY-MM-DD) when no directive is given.")
        parser.add_argument("--language", choices=["en", "vi"], help="Default: detected from the text.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = self._read(options["file"])
        reference = None
        if options["directive"]:
            directive = Directive.objects.filter(number=options["directive"]).first()
            if directive is None:
                raise CommandError(f"No directive numbered {options['directive']!r}.")
            reference = directive.issued_on
        elif options["issued_on"]:
            try:
                reference = dt.date.fromisoformat(options["issued_on"])
            except ValueError as exc:
                raise CommandError(f"--issued-on: {exc}") from exc
        try:
            drafts = text_draft_tasks(text=text, reference_date=reference, language=options["language"] or "")
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if options["json"]:
            fields = (
                "source_sentence",
                "lead_agency",
                "coordinating_agencies",
                "action",
                "deadline",
                "deadline_phrase",
                "recurrence",
                "expected_result",
                "missing_clears",
                "lead_agencies",
                "lead_phrase",
                "result_kind",
                "target_value",
                "target_unit",
            )
            payload = [{k: d.as_dict()[k] for k in fields} for d in drafts]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        for number, draft in enumerate(drafts, start=1):
            lead = draft.lead_agency or (
                f"{draft.lead_phrase} ({len(draft.lead_agencies)} agencies)" if draft.lead_agencies else "—"
            )
            self.stdout.write(f"{number}. {draft.action}")
            self.stdout.write(
                f"   lead: {lead}; coordinating: {', '.join(draft.coordinating_agencies) or '—'}"
            )
            when = draft.recurrence or (draft.deadline.isoformat() if draft.deadline else "no deadline")
            self.stdout.write(f"   deadline: {when} ({draft.deadline_phrase or '—'})")
            self.stdout.write(f"   result: {draft.expected_result or '—'}")
            self.stdout.write(f"   missing: {', '.join(draft.missing_clears) or 'none'}")
        self.stdout.write(f"{len(drafts)} draft task(s).")

    def _read(self, name: str) -> str:
        if name == "-":
            import sys

            return sys.stdin.read()
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc}") from exc
        try:
            return text_from_bytes(path.name, data)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
