"""Load the default rules added for issue 15's second pass (deadline wordings without a year,
a date alone, "this year"; deadline clauses such as "Thời hạn: ..." and "Deadline: ..."; more
action and request verbs; ordinal enumerators read as lead-ins; assessments after "However" and
announcements of "the following tasks" not drafted), and retire three exclusions they replace:
"First, ...", "Một là, ..." and "Thứ hai, ..." open a task as often as a background line, so
they are skipped as lead-ins now (only "The first is ..." stays excluded).

Idempotent, like 0003: missing defaults are added, rows already present keep their edits.
"""

from django.db import migrations

RETIRED = (
    r"^(?:the\s+)?(?:first|second|third|fourth|fifth)\b",
    r"^(?:một|hai|ba|bốn|năm)\s+là\b",
    r"^thứ\s+(?:nhất|hai|ba|tư|năm)\b",
)


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults_retiring

    load_defaults_retiring(apps.get_model, RETIRED)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0004_draft_batch"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
