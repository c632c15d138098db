"""Load the default rules added after 0005 (issue 15): "Trong đó," and "Từ đó" read as lead-ins, and the
verbs "collaborate" and "cooperate". Idempotent, like 0003 and 0005."""

from django.db import migrations


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults

    load_defaults(apps.get_model, app_label="intake")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0005_structure_rules"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
