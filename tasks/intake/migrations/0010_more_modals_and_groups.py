"""Load the default rules added after 0009 (issue 15, third pass): the modals "chịu trách nhiệm",
"có nhiệm vụ", "is expected to", "is in charge of", "takes the lead in", and the group "các bộ,
cơ quan ngang bộ". Idempotent, like 0003 and 0005 to 0009."""

from django.db import migrations


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults

    load_defaults(apps.get_model, app_label="intake")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0009_postpone_verbs"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
