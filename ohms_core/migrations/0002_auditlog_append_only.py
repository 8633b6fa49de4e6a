"""On PostgreSQL, refuse UPDATE and DELETE on the audit log at the database level too."""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ohms_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ohms_core_auditlog is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ohms_auditlog_no_change ON ohms_core_auditlog;
CREATE TRIGGER ohms_auditlog_no_change BEFORE UPDATE OR DELETE ON ohms_core_auditlog
    FOR EACH ROW EXECUTE FUNCTION ohms_auditlog_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS ohms_auditlog_no_change ON ohms_core_auditlog;
DROP FUNCTION IF EXISTS ohms_auditlog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("ohms_core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
