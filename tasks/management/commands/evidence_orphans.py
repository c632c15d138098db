"""Find, and with --delete remove, evidence files that no row points to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from tasks.services import evidence_discard, evidence_orphans


class Command(BaseCommand):
    help = (
        "List evidence files in storage that no evidence row points to (left by a crash between "
        "writing a file and committing its report). A dry run by default: nothing is deleted "
        "unless --delete is given. Files younger than --older-than minutes are left alone, as a "
        "report may still be committing them."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--delete", action="store_true", help="Delete the orphans found.")
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            metavar="MINUTES",
            help="Only files last written more than this many minutes ago (default 60).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        orphans = evidence_orphans(older_than=dt.timedelta(minutes=options["older_than"]))
        for name in orphans:
            self.stdout.write(name)
        if options["delete"]:
            evidence_discard(names=orphans)
            self.stdout.write(f"Deleted {len(orphans)} orphan evidence file(s).")
        else:
            self.stdout.write(
                f"Dry run: {len(orphans)} orphan evidence file(s) found, none deleted; "
                "run again with --delete to remove them."
            )
