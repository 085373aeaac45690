"""On PostgreSQL, a GiST trigram index on (challenge, title) replaces the GIN one: similar ideas are
the nearest titles by trigram distance, which GiST walks in order (a GIN index can only filter, and
a short common phrase matched thousands of titles, each then scored)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS idea_title_nearest ON codesign_idea USING gist (challenge_id, title gist_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS idea_title_trigrams")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS idea_title_trigrams ON codesign_idea USING gin (title gin_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS idea_title_nearest")


class Migration(migrations.Migration):
    dependencies = [("codesign", "0003_idea_reports_and_mutes")]

    operations = [migrations.RunPython(forwards, backwards)]
