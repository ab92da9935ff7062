"""Two PostgreSQL roles: the owner, which migrations run as, and the application's role.

The application role has every right on the application's tables except the two audit tables
(events and verification records), where it may only SELECT and INSERT. It owns nothing, so it
cannot drop or disable the append-only triggers, truncate the tables or rewrite a row: someone
who takes over the web server or the worker can add audit events but not change the past ones.

``manage.py migrate`` (safeguard/management/commands/migrate.py) connects as the owner when
``SAFEGUARD_DATABASE_OWNER_URL`` is set and calls :func:`grant_app_role` afterwards;
``manage.py grant_app_role`` applies the grants again on their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

OWNER_ALIAS = "owner"
AUDIT_TABLES = ("safeguard_auditevent", "safeguard_auditverification")


class RoleProblem(Exception):
    """The application role cannot be given safe rights; the message says what to do."""


@contextmanager
def connected_as_owner() -> Iterator[None]:
    """Point the default connection at the owner while migrating, so that every migration's code
    (data migrations that use the default manager included) runs in the owner's transaction."""
    default = connections[DEFAULT_DB_ALIAS]
    saved = default.settings_dict
    default.close()
    default.settings_dict = {**connections[OWNER_ALIAS].settings_dict}
    try:
        yield
    finally:
        default.close()
        default.settings_dict = saved


def _quote(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def _check_role(cursor, role: str, owner: str, schema: str) -> None:
    if role == owner:
        raise RoleProblem(
            f"DATABASE_URL and SAFEGUARD_DATABASE_OWNER_URL both connect as {role!r}: the application must connect as a "
            "role of its own that does not own the tables."
        )
    cursor.execute("SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
    row = cursor.fetchone()
    if row is None:
        raise RoleProblem(
            f"The application role {role!r} does not exist. Create it as the owner, for example with the "
            "docker/postgres-init script (see README, 'Reports and the audit log'), then migrate again."
        )
    if any(row):
        raise RoleProblem(
            f"The application role {role!r} is a superuser or may create roles: it could lift the audit log's protection. "
            f"Make it an ordinary role (ALTER ROLE {role} NOSUPERUSER NOCREATEROLE NOBYPASSRLS)."
        )
    cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
    if cursor.fetchone()[0]:
        raise RoleProblem(f"The application role {role!r} is a member of the owner role {owner!r}, so it has the owner's rights.")
    cursor.execute(
        """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %s AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = %s) ORDER BY c.relname""",
        [schema, role],
    )
    owned = [name for (name,) in cursor.fetchall()]
    if owned:
        raise RoleProblem(
            f"The application role {role!r} owns {len(owned)} tables or sequences (such as {owned[0]}); the owner "
            f"{owner!r} must own them. As the owner or a superuser run: REASSIGN OWNED BY {role} TO {owner};"
        )


def grant_app_role(*, role: str, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Give the application role its rights on the connection's database; return the statements.

    Full rights on every other table and sequence of the schema; on the audit tables only SELECT
    and INSERT (and on their id sequences only what INSERT needs). Run as the owner, after every
    migration, so that new tables are covered too. Refuses a role that is the owner, a member of
    it, a superuser, or owns any of the tables.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RoleProblem("Database roles are only used on PostgreSQL.")
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema(), current_database()")
        owner, schema, database = cursor.fetchone()
        _check_role(cursor, role, owner, schema)
        r, s = _quote(connection, role), _quote(connection, schema)
        statements = [
            f"GRANT CONNECT, TEMPORARY ON DATABASE {_quote(connection, database)} TO {r}",
            f"GRANT USAGE ON SCHEMA {s} TO {r}",
            f"GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA {s} TO {r}",
            f"GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
        ]
        for table in AUDIT_TABLES:
            qualified = f"{s}.{_quote(connection, table)}"
            statements += [f"REVOKE ALL ON TABLE {qualified} FROM {r}", f"GRANT SELECT, INSERT ON TABLE {qualified} TO {r}"]
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f"{schema}.{table}"])
            sequence = cursor.fetchone()[0]
            if sequence:  # setval on the id sequence is not needed to add a row
                statements += [
                    f"REVOKE ALL ON SEQUENCE {sequence} FROM {r}",
                    f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {r}",
                ]
        for sql in statements:
            cursor.execute(sql)
    return statements
