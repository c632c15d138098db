"""The outbox becomes one row per message: its recipients move into the row (see 0008)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0006_sweep_state_figures"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="reminder", name="reminder_once_per_key"),
        migrations.AddField(
            model_name="reminder",
            name="recipients",
            field=models.JSONField(blank=True, default=list, verbose_name="recipients"),
        ),
        migrations.AddField(
            model_name="reminder",
            name="part",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="part"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="recipient",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="digest_reminders",
                to=settings.AUTH_USER_MODEL,
                verbose_name="digest recipient",
            ),
        ),
    ]
