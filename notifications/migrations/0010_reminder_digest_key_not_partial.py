"""The digest rows' unique key without its condition: a message row's recipient is NULL, which
never conflicts, so it still keeps only digest rows unique, and as a full index leading with the
task it serves every read of a task's reminders (a partial index serves only queries that
repeat its condition)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0009_reminder_message_keys"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="reminder", name="reminder_digest_once_per_person"),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.UniqueConstraint(
                fields=("task", "rule", "deadline", "period", "recipient"),
                name="reminder_digest_once_per_person",
            ),
        ),
    ]
