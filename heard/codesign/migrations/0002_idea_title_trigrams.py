"""On PostgreSQL, a trigram index on idea titles, so similar ideas are found without reading every
idea of a challenge. Other databases compute the same similarity in Python (selectors.similar_ideas)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS idea_title_trigrams ON codesign_idea USING gin (title gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS idea_title_trigrams")


class Migration(migrations.Migration):
    dependencies = [("codesign", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
