"""The default escalation ladder, and the make-up working day of 2025 that no holidays
library knows (Saturday 26/04/2025 worked in exchange for Friday 02/05/2025 off)."""

import datetime as dt

from django.db import migrations

LADDER = [
    # name, offset, unit, level, template, repeat every (calendar days)
    ("10 working days before the deadline", -10, "working", 1, "upcoming", None),
    ("5 working days before the deadline", -5, "working", 1, "upcoming", None),
    ("1 working day before the deadline", -1, "working", 1, "upcoming", None),
    ("On the day of the deadline", 0, "working", 1, "due_today", None),
    ("1 working day overdue: focal point and leader", 1, "working", 2, "overdue", None),
    ("5 working days overdue: Government Office, then weekly", 5, "working", 3, "escalation", 7),
]

OVERRIDES = [
    (dt.date(2025, 4, 26), True, "Làm bù cho ngày nghỉ thứ Sáu 02/05/2025"),
]


def add_ladder(apps, schema_editor):
    EscalationRule = apps.get_model("notifications", "EscalationRule")
    CalendarOverride = apps.get_model("notifications", "CalendarOverride")
    if not EscalationRule.objects.exists():
        EscalationRule.objects.bulk_create(
            EscalationRule(
                name=name, offset=offset, unit=unit, level=level, template=template, repeat_every_days=repeat
            )
            for name, offset, unit, level, template, repeat in LADDER
        )
    for date, working, note in OVERRIDES:
        CalendarOverride.objects.get_or_create(date=date, defaults={"is_working_day": working, "note": note})


def remove_ladder(apps, schema_editor):
    EscalationRule = apps.get_model("notifications", "EscalationRule")
    Reminder = apps.get_model("notifications", "Reminder")
    if not Reminder.objects.exists():
        EscalationRule.objects.filter(name__in=[row[0] for row in LADDER]).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_outbox")]

    operations = [migrations.RunPython(add_ladder, remove_ladder)]
