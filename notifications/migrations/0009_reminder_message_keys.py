"""The outbox's keys per message: (task, rule, deadline, period, language) for a message, plus
the official for a digest row; the per-person address column goes (it is in ``recipients``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0008_reminder_messages_data"),
    ]

    operations = [
        migrations.RemoveField(model_name="reminder", name="email"),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.UniqueConstraint(
                condition=models.Q(("digest", False)),
                fields=("task", "rule", "deadline", "period", "language", "part"),
                name="reminder_once_per_message",
            ),
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.UniqueConstraint(
                condition=models.Q(("digest", True)),
                fields=("task", "rule", "deadline", "period", "recipient"),
                name="reminder_digest_once_per_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("digest", True), ("recipient__isnull", False)),
                    models.Q(("digest", False), ("recipient__isnull", True)),
                    _connector="OR",
                ),
                name="reminder_digest_has_recipient",
            ),
        ),
    ]
