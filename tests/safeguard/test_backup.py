"""Backups that restore (issue 21, part 1), on whichever database the suite runs on (SQLite, and
PostgreSQL in CI): the demo data and uploaded files are backed up, restored by ``manage.py
restore`` in a fresh process into a fresh database and data folder, and found whole: every row
count equal, every file byte-identical, the audit chain intact. Archives that must be refused are
refused with a clear message and change nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from safeguard import backup
from safeguard.backup import BackupProblem

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key_pair(tmp_path, settings):
    private, public = backup.new_key_pair()
    key_file = tmp_path / "backup.key"
    key_file.write_text(private + "\n")
    settings.SAFEGUARD_BACKUP_RECIPIENT = public
    return key_file


@pytest.fixture
def source(tmp_path, settings):
    """The demo, with uploaded files (an attachment and a file in the default storage) and the
    data folder's keys, in a data folder of this test's own."""
    from referrals.catalogue import load_routes
    from referrals.models import Route

    var = tmp_path / "source-var"
    settings.VAR_DIR = var
    settings.ATTACHMENT_ROOT = var / "attachments"
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": {"location": var / "files"}}}
    settings.TRANSFER_KEY_FILE = var / "transfer_key"
    var.mkdir()
    (var / "audit_key").write_bytes(settings.AUDIT_KEY)
    (var / "secret_key").write_text(settings.SECRET_KEY)
    (var / "transfer_key").write_text("dGhpcyBpcyBhIHRlc3QgdHJhbnNmZXIga2V5IHNlZWQgMzI=\n")
    load_routes(Route)
    call_command("seed_demo", verbosity=0, pupils=40)
    attachment = var / "attachments" / "2026" / "12" / "screenshot-description.pdf"
    attachment.parent.mkdir(parents=True)
    attachment.write_bytes(os.urandom(4096) + b"%%EOF")
    (var / "files").mkdir()
    (var / "files" / "report.pdf").write_bytes(os.urandom(1000))
    return var


def _pg(dbname: str, **options):
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=dbname, **options)


def _restore_env(tmp_path) -> tuple[dict, object]:
    """A fresh data folder and a fresh database for the restoring process."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_SETTINGS")}
    var = tmp_path / "restored-var"
    env.update(SAFEGUARD_VAR_DIR=str(var), SAFEGUARD_BACKUP_DIR=str(tmp_path / "restored-backups"))
    env.pop("REDIS_URL", None)
    if connection.vendor == "postgresql":
        name = f"safeguard_restore_{uuid.uuid4().hex[:10]}"
        db = connection.settings_dict
        with _pg("postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
        return env, name
    env.pop("DATABASE_URL", None)
    return env, var / "safeguard.sqlite3"


def _drop(target) -> None:
    if connection.vendor == "postgresql":
        with _pg("postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


def _counts_of(target) -> dict[str, int]:
    if connection.vendor == "postgresql":
        with _pg(target) as restored:
            tables = [row[0] for row in restored.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            return {table: restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}
    with sqlite3.connect(target) as restored:
        tables = [
            row[0] for row in restored.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ]
        return {table: restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


def manage(env, *arguments) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_a_backup_restores_whole_into_a_fresh_database(source, key_pair, tmp_path):
    expected = backup.row_counts(connection)  # what the archive holds: its own audit event comes after
    result = backup.write_backup(directory=tmp_path / "backups")
    from safeguard.models import AuditEvent

    assert AuditEvent.objects.filter(action="safeguard.backup.made", extra__archive=result.path.name).count() == 1
    assert result.path.name.endswith(".sgbackup.age") and result.path.stat().st_mode & 0o777 == 0o600
    assert b"Demo" not in result.path.read_bytes()  # encrypted: no school or pupil name readable
    env, target = _restore_env(tmp_path)
    try:
        restored = manage(env, "restore", str(result.path), "--key", str(key_pair))
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "Audit chain intact." in restored.stdout and "Every row count and file matches" in restored.stdout
        found = _counts_of(target)
        # As the archive, plus the restore's own audit event, written after its check.
        assert {t: n for t, n in found.items() if t in expected} == {
            **expected,
            "safeguard_auditevent": expected["safeguard_auditevent"] + 1,
        }
        assert expected["safeguard_auditevent"] > 0 and expected["cases_case"] > 0
        # Every file byte-identical, keys included.
        var = tmp_path / "restored-var"
        for relative in ("attachments/2026/12/screenshot-description.pdf", "files/report.pdf", "transfer_key", "audit_key"):
            assert (var / relative).read_bytes() == (source / relative).read_bytes(), relative
        # A separate check, in another process, of the restored chain.
        checked = manage(env, "verify_audit", "--no-record")
        assert checked.returncode == 0 and "Audit chain intact" in checked.stdout, checked.stdout + checked.stderr
        # Restoring again on top is refused: the database is not empty any more.
        again = manage(env, "restore", str(result.path), "--key", str(key_pair))
        assert again.returncode == 1 and "The database is not empty" in again.stderr
        replaced = manage(env, "restore", str(result.path), "--key", str(key_pair), "--replace", "--confirm", "replace")
        assert replaced.returncode == 0, replaced.stdout + replaced.stderr
        assert {t: n for t, n in _counts_of(target).items() if t in expected} == {
            **expected,
            "safeguard_auditevent": expected["safeguard_auditevent"] + 1,
        }
        # --replace without the confirmation word changes nothing.
        unconfirmed = manage(env, "restore", str(result.path), "--key", str(key_pair), "--replace")
        assert unconfirmed.returncode == 1 and "--confirm replace" in unconfirmed.stderr
    finally:
        _drop(target)


def test_a_wrong_key_and_a_damaged_archive_are_refused_and_change_nothing(source, key_pair, tmp_path):
    result = backup.write_backup(directory=tmp_path / "backups")
    env, target = _restore_env(tmp_path)
    try:
        other = tmp_path / "other.key"
        other.write_text(backup.new_key_pair()[0] + "\n")
        wrong = manage(env, "restore", str(result.path), "--key", str(other))
        assert wrong.returncode == 1 and "This archive was not made for this key" in wrong.stderr
        data = bytearray(result.path.read_bytes())
        for damage, name in ((lambda d: d[: len(d) // 2], "cut.age"), (lambda d: d[:-200] + bytes(200), "zeroed.age")):
            broken = tmp_path / name
            broken.write_bytes(bytes(damage(bytearray(data))))
            refused = manage(env, "restore", str(broken), "--key", str(key_pair))
            assert refused.returncode == 1 and "The archive is damaged" in refused.stderr, refused.stderr
        no_key = manage(env, "restore", str(result.path))
        assert no_key.returncode == 1 and "--key" in no_key.stderr
        # Nothing was restored by any of them.
        assert not (tmp_path / "restored-var" / "attachments").exists()
        assert _counts_of(target).get("safeguard_school", 0) == 0
    finally:
        _drop(target)


def test_no_backup_key_is_refused_with_how_to_set_one(settings, tmp_path, db):
    settings.SAFEGUARD_BACKUP_RECIPIENT = ""
    with pytest.raises(BackupProblem, match="backup_key --out"):
        backup.write_backup(directory=tmp_path)
    assert not list(tmp_path.iterdir())
    settings.SAFEGUARD_BACKUP_RECIPIENT = "not-a-key"
    with pytest.raises(BackupProblem, match="not an age public key"):
        backup.write_backup(directory=tmp_path)


def test_an_archive_from_a_newer_safeguard_is_refused_with_the_version_it_needs(key_pair, tmp_path, db):
    manifest = {"format": backup.FORMAT, "migrations": {"safeguard": ["0001_initial", "0099_from_the_future"]}}
    with pytest.raises(BackupProblem, match="newer version of Safeguard.*safeguard.0099_from_the_future"):
        backup.check_restorable(backup.Opened(folder=tmp_path, manifest=manifest))


def test_only_the_newest_archives_are_kept(source, key_pair, tmp_path):
    import datetime as dt

    from django.utils import timezone

    folder = tmp_path / "backups"
    start = timezone.now()
    results = [backup.write_backup(directory=folder, keep=2, now=start + dt.timedelta(minutes=n)) for n in range(3)]
    assert sorted(folder.iterdir()) == [results[1].path, results[2].path]
    assert results[2].removed == [results[0].path]
    assert backup.last_backup_at(folder) is not None


def test_the_nightly_service_waits_for_the_next_0130_in_the_schools_time_zone():
    import datetime as dt
    from zoneinfo import ZoneInfo

    from safeguard.management.commands.backup import next_run

    london = ZoneInfo("Europe/London")
    evening = dt.datetime(2026, 12, 1, 22, 0, tzinfo=london)
    assert next_run(evening, "01:30") == dt.datetime(2026, 12, 2, 1, 30, tzinfo=london)
    early = dt.datetime(2026, 12, 2, 0, 10, tzinfo=london)
    assert next_run(early, "01:30") == dt.datetime(2026, 12, 2, 1, 30, tzinfo=london)
    # The night the clocks go forward, 01:30 does not exist: the run is still that night.
    spring = dt.datetime(2027, 3, 27, 23, 0, tzinfo=london)
    assert next_run(spring, "01:30").date() == dt.date(2027, 3, 28)
