"""`manage.py escalate --at <ISO datetime>`: one sweep and one send as of that instant."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications import services
from notifications.choices import ReminderStatus
from notifications.management.commands._output import grouped, print_send_result, who
from notifications.selectors import reminders_created_since


def parse_instant(value: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not an ISO date or datetime: {value!r}") from exc
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant)  # read in Hanoi time, like every deadline
    return instant


class Command(BaseCommand):
    help = (
        "Run one reminder sweep and send as of an instant (default: now) and print what was done. "
        "Running it again for the same instant sends nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at", help="ISO date-time, e.g. 2025-05-30T08:00 (Hanoi time unless an offset is given)"
        )
        parser.add_argument("--no-send", action="store_true", help="Only write the reminders; do not send.")

    def handle(self, *args, **options):
        as_of = parse_instant(options["at"]) if options["at"] else timezone.now()
        swept = services.reminders_sweep(as_of=as_of)
        local = timezone.localtime(as_of)
        if swept.start is None or swept.end is None or swept.start > swept.end:
            self.stdout.write(f"Sweep as of {local:%Y-%m-%d %H:%M %Z}: nothing to cover.")
        else:
            self.stdout.write(
                f"Sweep as of {local:%Y-%m-%d %H:%M %Z}: days {swept.start} to {swept.end}, "
                f"{swept.tasks} open task(s) with a rung due."
            )
        created = list(reminders_created_since(swept.started_at))
        if not created:
            self.stdout.write("  No new reminders.")
        for (due_on, code, level, status), rows in grouped(created):
            people = ", ".join(who(r) for r in rows)
            self.stdout.write(f"  new {status}: {due_on} {code} L{level} -> {people}")
        for row in created:
            for entry in row.recipients:
                if entry.get("state") == ReminderStatus.NO_ADDRESS:
                    self.stderr.write(
                        f"  {entry.get('user') or entry['id']} has no email address:"
                        f" {row.task.code} not delivered"
                    )
        if options["no_send"]:
            return
        result = services.reminders_send_pending(now=as_of)
        self.stdout.write(f"Send: {result.messages} message(s).")
        print_send_result(self.stdout, result)
