"""Existing outbox rows, one per person, become rows per message.

Digest rows stay one per person (a digest is sent per person) and get their recipient in
``recipients``. Of the other rows of one (task, rule, deadline, period, language), those still
to send (pending, or being sent: stop the senders while this runs) become one pending message
to all of their people; every other row (sent, skipped, failed...) is history and stays a row
of its own naming its one person, each with its own ``part`` so that the keys stay unique.
"""

from collections import defaultdict

from django.db import migrations

OPEN = ("pending", "sending")


def _entry(row, official):
    name = (f"{official.first_name} {official.last_name}".strip() or official.username) if official else ""
    return {
        "id": row.recipient_id,
        "user": official.username if official else "",
        "name": name,
        "email": row.email,
        "language": row.language,
        "state": "to" if row.status in OPEN or row.status == "sent" else row.status,
    }


def forwards(apps, schema_editor):
    Reminder = apps.get_model("notifications", "Reminder")
    Official = apps.get_model("agencies", "Official")
    people = {o.pk: o for o in Official.objects.filter(pk__in=Reminder.objects.values("recipient_id"))}
    groups = defaultdict(list)
    for row in Reminder.objects.order_by("id").iterator(chunk_size=2000):
        if row.digest:
            row.recipients = [_entry(row, people.get(row.recipient_id))]
            if row.status == "sending":
                row.status, row.claim_token, row.claimed_until = "pending", None, None
            row.save(update_fields=["recipients", "status", "claim_token", "claimed_until"])
            continue
        groups[(row.task_id, row.rule_id, row.deadline, row.period, row.language)].append(row)
    for rows in groups.values():
        part = 0
        open_rows = [row for row in rows if row.status in OPEN]
        for row in rows:
            if row.status in OPEN:
                continue
            row.recipients = [_entry(row, people.get(row.recipient_id))]
            row.recipient_id = None
            row.part = part
            part += 1
            row.save(update_fields=["recipients", "recipient", "part"])
        if not open_rows:
            continue
        keeper = open_rows[0]
        keeper.recipients = [_entry(row, people.get(row.recipient_id)) for row in open_rows]
        keeper.recipient_id = None
        keeper.part = part
        keeper.status = "pending"
        keeper.claim_token = keeper.claimed_until = None
        keeper.next_attempt_at = min(row.next_attempt_at for row in open_rows)
        keeper.attempts = min(row.attempts for row in open_rows)
        keeper.save()
        if len(open_rows) > 1:
            Reminder.objects.filter(pk__in=[row.pk for row in open_rows[1:]]).delete()


def backwards(apps, schema_editor):
    """One row per person again: a message to several people is copied once per person."""
    Reminder = apps.get_model("notifications", "Reminder")
    for row in Reminder.objects.order_by("id").iterator(chunk_size=2000):
        entries = list(row.recipients) or [{"id": row.recipient_id, "email": ""}]
        for entry in entries[1:]:
            copy = Reminder.objects.get(pk=row.pk)
            copy.pk = None
            copy.recipient_id = entry["id"]
            copy.email = entry.get("email", "")
            copy.recipients = [entry]
            copy.save()
        row.recipient_id = entries[0]["id"]
        row.email = entries[0].get("email", "")
        row.recipients = entries[:1]
        row.save()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0007_reminder_per_message"),
        ("agencies", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
