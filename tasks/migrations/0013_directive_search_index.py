"""A trigram index on each directive's folded number: search looks directives up first, and at
national scale there are tens of thousands of them (unaccent on every one per search, else)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS directive_number_trgm ON tasks_directive "
            "USING gin (fc_fold(number) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS directive_number_trgm")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0012_search_text")]

    operations = [migrations.RunPython(forwards, backwards)]
