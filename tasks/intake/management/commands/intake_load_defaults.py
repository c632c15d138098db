"""(Re)load the directive intake's default rules and agency aliases from fixtures/intake/."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tasks.intake.services import intake_defaults_load


class Command(BaseCommand):
    help = (
        "Load the intake's default rules (fixtures/intake/rules.json) and agency aliases "
        "(fixtures/intake/gazetteer.json). Idempotent; run it after seeding the agency register. "
        "--reset overwrites admin edits of the default rows."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reset", action="store_true", help="Overwrite edited default rows.")

    def handle(self, *args: Any, **options: Any) -> None:
        created = intake_defaults_load(reset=options["reset"])
        if options["verbosity"]:
            self.stdout.write(", ".join(f"{name}: {count}" for name, count in created.items()))
