"""Search that forgives missing accents (tasks.search): on PostgreSQL, unaccent and pg_trgm, an
immutable folding function and a GIN trigram index on each task's folded code and title.

``unaccent(text)`` alone is only STABLE (it reads the search path for its dictionary), so an
index cannot use it: the wrapper names the dictionary and the function's schema. đ/Đ are
translated first, since unaccent's rules do not strip them in every version. SQLite
(``make run``) gets the same functions from Python on each connection (``tasks.apps``).
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION fc_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lower({schema}.unaccent('{schema}.unaccent'::regdictionary, translate(value, 'đĐ', 'dd')));
CREATE OR REPLACE FUNCTION fc_task_text(code text, title text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN fc_fold(code || ' ' || title);
"""

INDEX = "CREATE INDEX IF NOT EXISTS task_search_trgm ON tasks_task USING gin (fc_task_text(code, title) gin_trgm_ops)"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'")
        (schema,) = cursor.fetchone()
    schema_editor.execute(FUNCTIONS.format(schema=schema))
    schema_editor.execute(INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS task_search_trgm")
    schema_editor.execute("DROP FUNCTION IF EXISTS fc_task_text(text, text)")
    schema_editor.execute("DROP FUNCTION IF EXISTS fc_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0009_task_transfers")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(forwards, backwards),
    ]
