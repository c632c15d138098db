"""Ship the intake's default rules and gazetteer (fixtures/intake/*.json) as data.

Aliases are created only for agencies already in the register; after the register is seeded,
`manage.py intake_load_defaults` (idempotent) adds the rest.
"""

from django.db import migrations


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults

    load_defaults(apps.get_model, app_label="tasks")


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0002_intake_rules_and_gazetteer"),
        ("agencies", "0002_official_calendar_token"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
