"""PostgreSQL only: one advisory lock per school's chain, and the application's role, which may
only read and add audit rows. Skipped without PostgreSQL, except in CI, where that fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction

from safeguard.audit import CHAIN_LOCK_NAMESPACE, GENESIS_HASH, audit_record, verify_log
from safeguard.database_roles import RoleProblem, grant_app_role
from tests.conftest import require_service

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[2]
WAIT = 10  # seconds: far longer than any write takes


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", False, "DATABASE_URL does not name a PostgreSQL database")


# --- One lock per chain ----------------------------------------------------------------------------


class Writer(threading.Thread):
    """Writes one audit event in its own transaction; ``hold`` keeps the transaction (and the
    chain's lock) open until ``release`` is set."""

    def __init__(self, school, *, hold: bool = False):
        super().__init__(daemon=True)
        self.school, self.hold = school, hold
        self.written, self.release, self.done = threading.Event(), threading.Event(), threading.Event()
        self.error: BaseException | None = None
        self.event = None

    def run(self) -> None:
        try:
            with transaction.atomic():
                self.event = audit_record(actor=None, action="test.concurrent", school=self.school)
                self.written.set()
                if self.hold:
                    self.release.wait(WAIT * 3)
            self.done.set()
        except BaseException as error:
            self.error = error
        finally:
            connection.close()


def _lock_waiters(school) -> list[bool]:
    """Whether each holder of, or waiter for, this school's chain lock has it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT granted FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s AND objsubid = 2",
            [CHAIN_LOCK_NAMESPACE, school.pk],
        )
        return sorted(granted for (granted,) in cursor.fetchall())


def test_writers_at_two_schools_do_not_wait_for_each_other(postgres, school, other_school):
    first = Writer(school, hold=True)
    first.start()
    assert first.written.wait(WAIT), first.error
    assert _lock_waiters(school) == [True]  # the first writer holds its school's lock, transaction open
    second = Writer(other_school)
    second.start()
    # The second school's writer commits while the first still holds its transaction open.
    assert second.done.wait(WAIT), second.error or "a writer at another school waited for the first school's lock"
    assert not first.done.is_set() and first.is_alive()
    first.release.set()
    first.join(WAIT)
    assert first.done.is_set(), first.error
    assert first.event.prev_hash == second.event.prev_hash == GENESIS_HASH  # two chains
    assert verify_log().ok


def test_writers_at_the_same_school_take_turns(postgres, school):
    first = Writer(school, hold=True)
    first.start()
    assert first.written.wait(WAIT), first.error
    second = Writer(school)
    second.start()
    # The second writer queues on the school's chain lock while the first holds it...
    for _ in range(50):
        if _lock_waiters(school) == [False, True]:
            break
        threading.Event().wait(0.1)
    assert _lock_waiters(school) == [False, True]
    assert not second.written.is_set()
    # ...and writes once the first commits, after the first's event in the chain.
    first.release.set()
    assert second.done.wait(WAIT), second.error
    first.join(WAIT)
    assert second.event.prev_hash == first.event.hash
    assert verify_log().ok


# --- The application's role ------------------------------------------------------------------------


@pytest.fixture
def app_role(postgres):
    """A throwaway login role with the application's grants; removed afterwards."""
    name, password = f"sg_test_app_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD %s", [password])
    try:
        grant_app_role(role=name)
        yield name, password
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {name}")
            cursor.execute(f"DROP ROLE {name}")


def _connect_as(name: str, password: str):
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=name,
        password=password,
        autocommit=True,
        connect_timeout=WAIT,
    )


REFUSED = [
    "UPDATE {table} SET id = id WHERE id = {id}",
    "DELETE FROM {table} WHERE id = {id}",
    "TRUNCATE {table}",
    "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "ALTER TABLE {table} DISABLE TRIGGER {trigger}",
    "DROP TRIGGER {trigger} ON {table}",
    "ALTER TABLE {table} OWNER TO CURRENT_USER",
    "DROP TABLE {table}",
]
TABLES = {
    "safeguard_auditevent": (
        "auditevent_no_update_delete",
        "INSERT INTO safeguard_auditevent (occurred_at, action, object_type, object_id, request_id, extra, prev_hash, hash) "
        f"VALUES (now(), 'test.app_role', '', '', '', '{{}}', '{GENESIS_HASH}', '{'a' * 64}') RETURNING id",
    ),
    "safeguard_auditverification": (
        "auditverification_no_update_delete",
        "INSERT INTO safeguard_auditverification (ran_at, events_checked, chains_checked, ok, detail, last_hash, heads, seal) "
        "VALUES (now(), 0, 0, true, '', '', '[]', '') RETURNING id",
    ),
}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_the_application_role_can_only_add_and_read_audit_rows(app_role, table):
    import psycopg

    trigger, insert = TABLES[table]
    with _connect_as(*app_role) as app, app.cursor() as cursor:
        row_id = cursor.execute(insert).fetchone()[0]
        assert cursor.execute(f"SELECT count(*) FROM {table} WHERE id = %s", [row_id]).fetchone() == (1,)
        for sql in REFUSED:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cursor.execute(sql.format(table=table, id=row_id, trigger=trigger))
        # The triggers are all still there, and so is the row.
        assert cursor.execute(f"SELECT count(*) FROM {table} WHERE id = %s", [row_id]).fetchone() == (1,)
        names = {name for (name,) in cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").fetchall()}
        assert {trigger, trigger.replace("no_update_delete", "no_truncate")} <= names


def test_the_application_role_keeps_full_rights_on_the_other_tables(app_role, school):
    with _connect_as(*app_role) as app, app.cursor() as cursor:
        cursor.execute("UPDATE safeguard_school SET name = name || '' WHERE id = %s", [school.pk])
        assert cursor.rowcount == 1
        cursor.execute("SELECT nextval(pg_get_serial_sequence('safeguard_auditevent', 'id'))")  # INSERT needs this
        with pytest.raises(Exception, match="permission denied"):
            cursor.execute("SELECT setval(pg_get_serial_sequence('safeguard_auditevent', 'id'), 1)")


def test_grants_refuse_a_role_that_is_the_owner(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(RoleProblem, match="both connect as"):
        grant_app_role(role=owner)


def test_grants_refuse_a_role_that_does_not_exist_or_owns_tables(postgres):
    with pytest.raises(RoleProblem, match="does not exist"):
        grant_app_role(role=f"sg_missing_{uuid.uuid4().hex[:8]}")
    name = f"sg_test_owner_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name}")
        cursor.execute(f"CREATE TABLE {name}_table (id int)")
        cursor.execute(f"ALTER TABLE {name}_table OWNER TO {name}")
    try:
        with pytest.raises(RoleProblem, match=f"owns 1 tables or sequences \\(such as {name}_table\\)"):
            grant_app_role(role=name)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {name}_table")
            cursor.execute(f"DROP OWNED BY {name}")
            cursor.execute(f"DROP ROLE {name}")


# --- As docker-compose sets it up ------------------------------------------------------------------


def test_compose_setup_migrates_as_the_owner_and_the_app_role_cannot_rewrite_the_log(postgres):
    """The db service's init script makes the application role; `manage.py migrate` with
    SAFEGUARD_DATABASE_OWNER_URL runs as the owner and grants it; the app then runs as that role."""
    import psycopg

    if shutil.which("psql") is None:
        require_service("psql", False, "the PostgreSQL client is needed to run docker/postgres-init")
    db = connection.settings_dict
    host, port, owner = db["HOST"] or "127.0.0.1", str(db["PORT"] or 5432), db["USER"] or "postgres"
    scratch, app, password = f"sg_compose_{uuid.uuid4().hex[:8]}", f"sg_app_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    admin = psycopg.connect(host=host, port=port, dbname=db["NAME"], user=owner, password=db["PASSWORD"], autocommit=True)
    admin.execute(f"CREATE DATABASE {scratch}")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEGUARD_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))}
    base["SAFEGUARD_VAR_DIR"] = os.environ.get("SAFEGUARD_VAR_DIR", "/tmp/safeguard-test-var")
    app_url = f"postgres://{app}:{password}@{host}:{port}/{scratch}"
    owner_url = f"postgres://{owner}:{db['PASSWORD'] or ''}@{host}:{port}/{scratch}"
    try:
        init = ROOT / "docker" / "postgres-init" / "10-safeguard-app-role.sh"
        env = base | {"POSTGRES_USER": owner, "POSTGRES_DB": scratch, "PGHOST": host, "PGPORT": port}
        env |= {"PGPASSWORD": db["PASSWORD"] or "", "SAFEGUARD_DB_APP_PASSWORD": password, "SAFEGUARD_DATABASE_APP_ROLE": app}
        for _ in range(2):  # it may be run again by hand on an older database
            subprocess.run(["sh", str(init)], env=env, check=True, capture_output=True, text=True, timeout=60)  # noqa: S603, S607

        def manage(*args, **extra) -> subprocess.CompletedProcess:
            return subprocess.run(  # noqa: S603
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=base | {"DATABASE_URL": app_url} | extra,
                capture_output=True,
                text=True,
                timeout=300,
            )

        refused = manage("migrate", "--noinput")  # as the application role: it may create nothing
        assert refused.returncode != 0 and "permission denied" in refused.stderr
        migrated = manage("migrate", "--noinput", SAFEGUARD_DATABASE_OWNER_URL=owner_url)
        assert migrated.returncode == 0, migrated.stderr
        assert f"Granted the application role '{app}' its rights" in migrated.stdout
        with psycopg.connect(app_url, autocommit=True) as as_app:
            tables = as_app.execute("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'").fetchall()
            assert tables and {tableowner for _, tableowner in tables} == {owner}
            rights = as_app.execute(
                "SELECT has_table_privilege('safeguard_auditevent', 'INSERT'), has_table_privilege('safeguard_auditevent', 'SELECT'), "
                "has_table_privilege('safeguard_auditevent', 'UPDATE'), has_table_privilege('safeguard_auditevent', 'DELETE'), "
                "has_table_privilege('safeguard_auditevent', 'TRUNCATE'), has_table_privilege('safeguard_auditverification', 'UPDATE'), "
                "has_table_privilege('cases_case', 'UPDATE')"
            ).fetchone()
            assert rights == (True, True, False, False, False, False, True)
        # The application writes and checks the log as itself.
        wrote = manage("shell", "-c", "from safeguard.audit import audit_record; audit_record(actor=None, action='test.compose')")
        assert wrote.returncode == 0, wrote.stderr
        checked = manage("verify_audit")
        assert checked.returncode == 0, checked.stderr
        assert checked.stdout.strip() == "Audit chain intact: 1 events in 1 chain"
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app]).fetchone():
            admin.execute(f"DROP ROLE {app}")
        admin.close()
