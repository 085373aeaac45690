"""On PostgreSQL the database itself refuses to change or delete a row of the personal data access
log, so not even a bug or a stray query in Heard can rewrite who read what."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION frontline_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the personal data access log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER frontline_access_log_append_only
    BEFORE UPDATE OR DELETE ON frontline_personaldataaccess
    FOR EACH ROW EXECUTE FUNCTION frontline_access_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS frontline_access_log_append_only ON frontline_personaldataaccess;
DROP FUNCTION IF EXISTS frontline_access_log_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("frontline", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
