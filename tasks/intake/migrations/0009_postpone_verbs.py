"""Load the default rules added after 0008 (issue 15, third pass): the verbs "postpone", "hoãn" and
"tạm hoãn". Idempotent, like 0003 and 0005 to 0008."""

from django.db import migrations


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults

    load_defaults(apps.get_model, app_label="intake")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0008_passive_topics_deadlines"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
