"""Audit events are append-only in the database itself: raw SQL cannot rewrite history.

UPDATE and DELETE (and TRUNCATE on PostgreSQL) of safeguard_auditevent raise an error.
"""

from django.db import migrations

TABLE = "safeguard_auditevent"
MESSAGE = "audit events are append-only"

SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS auditevent_no_update;", "DROP TRIGGER IF EXISTS auditevent_no_delete;"]

POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION safeguard_audit_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END;
    $$ LANGUAGE plpgsql;""",
    f"CREATE TRIGGER auditevent_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION safeguard_audit_append_only();",
    f"CREATE TRIGGER auditevent_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION safeguard_audit_append_only();",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS auditevent_no_update_delete ON {TABLE};",
    f"DROP TRIGGER IF EXISTS auditevent_no_truncate ON {TABLE};",
    "DROP FUNCTION IF EXISTS safeguard_audit_append_only();",
]

STATEMENTS = {"sqlite": (SQLITE_CREATE, SQLITE_DROP), "postgresql": (POSTGRES_CREATE, POSTGRES_DROP)}


def _run(schema_editor, index: int) -> None:
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        raise RuntimeError(f"Safeguard supports SQLite and PostgreSQL, not {schema_editor.connection.vendor}.")
    for sql in statements[index]:
        schema_editor.execute(sql)


def create(apps, schema_editor):
    _run(schema_editor, 0)


def drop(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("safeguard", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
