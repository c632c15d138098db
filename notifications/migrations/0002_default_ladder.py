"""The default escalation ladder, and the make-up working day of 2025 (see notifications.defaults)."""

from django.db import migrations

from notifications.defaults import LADDER, install_defaults


def add_ladder(apps, schema_editor):
    install_defaults(apps.get_model("notifications", "EscalationRule"), apps.get_model("notifications", "CalendarOverride"))


def remove_ladder(apps, schema_editor):
    EscalationRule = apps.get_model("notifications", "EscalationRule")
    Reminder = apps.get_model("notifications", "Reminder")
    if not Reminder.objects.exists():
        EscalationRule.objects.filter(name__in=[row[0] for row in LADDER]).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_outbox")]

    operations = [migrations.RunPython(add_ladder, remove_ladder)]
