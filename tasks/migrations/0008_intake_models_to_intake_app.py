"""The intake's rules and gazetteer leave the tasks app's state for the intake app's.

State only: the tables stay as they are (with their rows) and ``intake/0001`` takes them over
under the same names, so an existing database migrates without copying anything.
"""

from django.db import migrations

MODELS = ["AgencyAlias", "AgencyGroup", "ClauseCue", "DeadlinePattern", "RecurrencePattern", "ResultPattern"]


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0007_result_pattern_priority_help"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MODELS],
            database_operations=[],
        )
    ]
