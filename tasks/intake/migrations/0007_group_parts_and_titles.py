"""Load the default rules added after 0006 (issue 15, third pass): the parts of the long group
headings ("Bộ trưởng các Bộ", "Thủ trưởng cơ quan ngang Bộ", "heads of ministerial-level agencies",
"local authorities"), which a list joins into one group, anaphoric subjects ("Cơ quan này", "these
agencies"), parties the register does not know ("the authorities", "các lực lượng chức năng") and
more action verbs. Idempotent, like 0003, 0005 and 0006."""

from django.db import migrations


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults

    load_defaults(apps.get_model, app_label="intake")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0006_more_structure_rules"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
