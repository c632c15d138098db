"""Load the default rules added after 0007 (issue 15, third pass): deadline wordings (numeric dates
and months without a year in English, "a completion deadline of May", "the first six months",
"trước ngày 30 tháng 6" without a year), fronted topics read past ("Về đầu tư công, ...",
"Regarding ..., "), and a narrower exhortation: only a call for "greater determination" itself is
none, a duty done "with greater determination" is a task. The broad exclusion it replaces is
retired. Idempotent, like 0003 and 0005 to 0007."""

from django.db import migrations

RETIRED = (r"\b(?:stronger|greater|higher)\s+(?:determination|efforts)\b",)


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults_retiring

    load_defaults_retiring(apps.get_model, RETIRED)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0007_group_parts_and_titles"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
