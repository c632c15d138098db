"""Load the default rules added with the structure pass (issue 15): addressee groups, cues for
requests, modals, reported facts and deadline clauses, and deadline wordings.

Idempotent: rows are matched by their natural key, so rows already present (and admin edits of
them) are kept; only missing defaults are added.
"""

from django.db import migrations


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults

    load_defaults(apps.get_model, app_label="intake")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_deadline_clause_cue"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
