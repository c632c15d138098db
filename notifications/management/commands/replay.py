"""`manage.py replay --start <date> --end <date>`: watch the ladder run day by day.

Runs the sweep of each working day at the send time (08:00 Hanoi) over the span and prints
every reminder of that day: date, task code, level and recipients. By default the reminders
are written and sent through the configured email backend (files in the embedded mode), as
the real sweep would; ``--dry-run`` writes nothing and sends nothing (it all rolls back).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from notifications import services
from notifications.calendar import calendar_around
from notifications.choices import ReminderStatus
from notifications.management.commands._output import grouped, print_send_result, usernames
from notifications.models import Reminder


def parse_date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not an ISO date: {value!r}") from exc


class Command(BaseCommand):
    help = "Replay the reminder sweep each working day at 08:00 Hanoi time and print every reminder."

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, type=parse_date)
        parser.add_argument("--end", required=True, type=parse_date)
        parser.add_argument(
            "--dry-run", action="store_true", help="Roll everything back at the end: nothing is kept or sent."
        )
        parser.add_argument(
            "--directive", default="", help="Only print the tasks of this directive (e.g. 56/TB-VPCP)."
        )
        parser.add_argument("--verbose-send", action="store_true", help="Print the outcome of every email.")

    def handle(self, *args, **options):
        # call_command(start="...") hands the raw string over, past the argument's type.
        start, end = parse_date(options["start"]), parse_date(options["end"])
        if end < start:
            raise CommandError("--end is before --start.")
        if options["dry_run"]:
            with transaction.atomic():
                total = self.replay(start, end, options, send=False)
                transaction.set_rollback(True)
            self.stdout.write(f"Dry run: {total} reminder(s); nothing was kept or sent.")
        else:
            total = self.replay(start, end, options, send=True)
            self.stdout.write(f"Replay done: {total} reminder(s).")

    def replay(self, start: dt.date, end: dt.date, options, *, send: bool) -> int:
        calendar = calendar_around(start, end)
        since = start
        total = 0
        for day in calendar.working_days(start, end):
            as_of = services.due_instant(day)
            services.reminders_sweep(as_of=as_of, since=since)
            if send:
                result = services.reminders_send_pending(now=as_of)
                if options["verbose_send"]:
                    print_send_result(self.stdout, result)
            rows = (
                Reminder.objects.filter(due_on__gte=since, due_on__lte=day)
                .exclude(status=ReminderStatus.SKIPPED)
                .select_related("task")
            )
            if options["directive"]:
                rows = rows.filter(task__directive__number=options["directive"])
            for (due_on, code, level, _status), group in grouped(rows):
                people = ", ".join(usernames(group))
                states = ", ".join(sorted({r.get_status_display() for r in group}))
                self.stdout.write(f"{due_on}  {code}  L{level}  {people}  [{states}]")
                total += len(group)
            since = day + dt.timedelta(days=1)
        return total
