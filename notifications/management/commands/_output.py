"""Shared printing for the reminder commands."""

from __future__ import annotations

from collections import defaultdict

from notifications.choices import ReminderStatus
from notifications.models import Reminder
from notifications.selectors import reminders_by_ids
from notifications.services import SendResult


def who(reminder: Reminder) -> str:
    """The people a message is for, with their addresses."""
    return ", ".join(
        f"{entry.get('user') or entry['id']} <{entry.get('email') or 'no email'}>"
        for entry in reminder.addressees
    )


def usernames(reminders) -> list[str]:
    """Everyone the messages are for or could not reach (not those a later rung replaced), sorted."""
    return sorted(
        {
            entry.get("user") or str(entry["id"])
            for r in reminders
            for entry in r.recipients
            if entry.get("state") != ReminderStatus.SKIPPED
        }
    )


def grouped(reminders) -> list[tuple[tuple, list[Reminder]]]:
    """Rows of one rung of one task together: (due on, task code, level, status) -> rows."""
    groups: dict[tuple, list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        groups[(reminder.due_on, reminder.task.code, reminder.level, reminder.status)].append(reminder)
    return sorted(groups.items(), key=lambda item: (item[0][0], item[0][1], item[0][2]))


def print_send_result(stdout, result: SendResult) -> None:
    labels = {
        ReminderStatus.SENT: "sent",
        "retry": "will retry",
        ReminderStatus.FAILED: "FAILED",
        ReminderStatus.NO_ADDRESS: "NO EMAIL ADDRESS",
        ReminderStatus.CANCELLED: "cancelled (task closed)",
        ReminderStatus.SUPERSEDED: "superseded (deadline moved)",
    }
    if result.smtp_unreachable:
        stdout.write(f"  SMTP server unreachable: {result.smtp_unreachable}")
    for outcome, label in labels.items():
        ids = result.outcomes.get(outcome, [])
        for reminder in reminders_by_ids(ids):
            line = f"  {label}: {reminder.due_on} {reminder.task.code} L{reminder.level} {who(reminder)}"
            if outcome == ReminderStatus.SENT:
                line += f" {reminder.message_id}"
            elif reminder.error:
                line += f" ({reminder.error})"
            stdout.write(line)
