"""Backups that restore (issue 21): one encrypted archive of the database and the files, with a
manifest to check the restore against.

An archive is a tar file, encrypted with age (pyrage) to the school's public key
(``SAFEGUARD_BACKUP_RECIPIENT``, ``age1...``); the private key, which alone can open it, is kept
by the school off the server. Inside:

- ``manifest.json``: the archive's format, the Safeguard migrations it was made at, when, the row
  count of every table, the audit chain heads (and whether the chain was intact), a fingerprint of
  the audit key, and the SHA-256 of every file;
- ``database.sqlite3`` (SQLite's online backup API) or ``database.pgdump`` (``pg_dump`` custom
  format);
- ``files/<store>/...``: uploaded files (the default storage and the attachment store) and, as
  files, the keys that live in the data folder (the transfer identity; in development the audit
  key and secret key too, so a restored development copy checks its own chain).

``restore`` refuses an archive it cannot open (a wrong key, a damaged file), one made by a newer
Safeguard, and a database or file store that is not empty unless told to replace it; then it
restores, and checks the chain and every row count and file against the manifest.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from safeguard.audit import audit_record
from safeguard.storage import PARTIAL_PREFIX

FORMAT = 1
SUFFIX = ".sgbackup.age"
MANIFEST = "manifest.json"
AGE_PUBLIC_PREFIX = "age1"
AGE_SECRET_PREFIX = "AGE-SECRET-KEY-1"  # noqa: S105 - how a private key's line starts, not a key
#: Tables whose rows are not the school's records (sessions and login attempts, which change as
#: soon as anyone uses the restored copy): counted, but not compared with the manifest.
VOLATILE_TABLES = frozenset({"django_session", "axes_accessattempt", "axes_accesslog"})


class BackupProblem(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do, in the IT
    administrator's words."""


# --- Keys ------------------------------------------------------------------------------------------


def recipient() -> object:
    """The school's public key from the environment, or BackupProblem saying how to set one."""
    from pyrage import x25519

    value = (settings.SAFEGUARD_BACKUP_RECIPIENT or "").strip()
    if not value:
        raise BackupProblem(
            "No backup key is set, so Safeguard will not write a backup anyone could read. Make a key pair with "
            "`python manage.py backup_key --out <a file kept off this server>`, keep that file safe, and set "
            "SAFEGUARD_BACKUP_RECIPIENT to the public key it prints (age1...)."
        )
    try:
        return x25519.Recipient.from_str(value)
    except Exception:  # pyrage raises its own RecipientError
        raise BackupProblem("SAFEGUARD_BACKUP_RECIPIENT is not an age public key (it starts age1...).") from None


def identity_from(path: str | os.PathLike) -> object:
    from pyrage import x25519

    try:
        text = Path(path).read_text()
    except OSError as error:
        raise BackupProblem(f"Cannot read the backup key file {path}: {error.strerror}.") from None
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith(AGE_SECRET_PREFIX)]
    if not lines:
        raise BackupProblem(f"{path} holds no age private key (a line starting {AGE_SECRET_PREFIX}).")
    try:
        return x25519.Identity.from_str(lines[0])
    except Exception:
        raise BackupProblem(f"{path} holds a damaged age private key.") from None


def new_key_pair() -> tuple[str, str]:
    """(private key, public key) for a new backup key."""
    from pyrage import x25519

    identity = x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def audit_key_fingerprint(key: bytes) -> str:
    return hmac.new(key, b"safeguard backup: which audit key", hashlib.sha256).hexdigest()[:16]


# --- What is backed up -----------------------------------------------------------------------------


def file_stores() -> dict[str, Path]:
    """The folders of files Safeguard keeps, by name in the archive."""
    return {
        "files": Path(settings.STORAGES["default"]["OPTIONS"]["location"]),
        "attachments": Path(settings.ATTACHMENT_ROOT),
    }


def key_files() -> dict[str, Path]:
    """Keys kept as files: the transfer identity always; in development the audit key and the
    secret key (in production those come from the environment, which the school keeps)."""
    keys = {"transfer_key": Path(settings.TRANSFER_KEY_FILE)}
    if not settings.PRODUCTION:
        keys["audit_key"] = Path(settings.VAR_DIR) / "audit_key"
        keys["secret_key"] = Path(settings.VAR_DIR) / "secret_key"
    return keys


def applied_migrations(connection) -> dict[str, list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def row_counts(connection) -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from introspection
            counts[table] = cursor.fetchone()[0]
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _walk(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.name.startswith(PARTIAL_PREFIX))


# --- The database ----------------------------------------------------------------------------------


def _pg_env(db: dict) -> dict[str, str]:
    env = {**os.environ, "PGDATABASE": str(db["NAME"])}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupProblem(f"{command[0]} is not installed on this server; {what} needs PostgreSQL's client tools.") from None
    if result.returncode != 0:
        raise BackupProblem(f"{what} failed: {result.stderr.strip()[-500:]}")


def dump_database(connection, target: Path) -> str:
    """The database into ``target``: SQLite's online backup, or pg_dump's custom format."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return "sqlite"
    if connection.vendor == "postgresql":
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
            _pg_env(connection.settings_dict),
            "pg_dump",
        )
        return "postgresql"
    raise BackupProblem(f"Backups of a {connection.vendor} database are not supported.")


# --- Backup ----------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    size: int
    tables: int
    rows: int
    files: int
    removed: list[Path] = field(default_factory=list)


def backup_dir() -> Path:
    return Path(settings.SAFEGUARD_BACKUP_DIR)


def write_backup(*, directory: Path | None = None, keep: int | None = None, now: datetime | None = None) -> BackupResult:
    """Write one encrypted archive to ``directory`` (``SAFEGUARD_BACKUP_DIR``) and keep the newest
    ``keep`` (``SAFEGUARD_BACKUP_KEEP``). The archive is complete or absent: it is written under a
    temporary name and renamed when encrypted."""
    from pyrage import encrypt_file

    from safeguard.audit import heads_to_json, verify_log

    to = recipient()
    directory = Path(directory or backup_dir())
    directory.mkdir(parents=True, exist_ok=True)
    keep = settings.SAFEGUARD_BACKUP_KEEP if keep is None else keep
    now = now or timezone.now()
    connection = connections["default"]
    with tempfile.TemporaryDirectory(prefix="safeguard-backup-") as work:
        work_dir = Path(work)
        dump = work_dir / "database"
        engine = dump_database(connection, dump)
        report = verify_log()
        counts = row_counts(connection)
        files: dict[str, str] = {}
        plain = work_dir / "archive.tar"
        with tarfile.open(plain, "w") as tar:
            tar.add(dump, arcname="database.sqlite3" if engine == "sqlite" else "database.pgdump")
            for store, root in file_stores().items():
                for path in _walk(root):
                    name = f"files/{store}/{path.relative_to(root).as_posix()}"
                    files[name] = _sha256(path)
                    tar.add(path, arcname=name)
            for key, path in key_files().items():
                if path.is_file():
                    name = f"keys/{key}"
                    files[name] = _sha256(path)
                    tar.add(path, arcname=name)
            manifest = {
                "format": FORMAT,
                "made_at": now.isoformat(),
                "engine": engine,
                "migrations": applied_migrations(connection),
                "rows": counts,
                "audit": {"intact": report.ok, "events": report.events_checked, "heads": heads_to_json(report.heads)},
                "audit_key": audit_key_fingerprint(settings.AUDIT_KEY),
                "files": files,
            }
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
        final = directory / f"safeguard-{now:%Y%m%d-%H%M%S}{SUFFIX}"
        partial = directory / f".{final.name}.partial"
        try:
            encrypt_file(str(plain), str(partial), [to])
            partial.chmod(0o600)
            partial.replace(final)
        finally:
            partial.unlink(missing_ok=True)
    # An export of every case (DOMAIN: every export is logged); after the archive, so not in it.
    with transaction.atomic():
        audit_record(
            actor=None,
            action="safeguard.backup.made",
            extra={"archive": final.name, "tables": len(counts), "rows": sum(counts.values()), "files": len(files)},
        )
    archives = sorted(directory.glob(f"safeguard-*{SUFFIX}"))
    removed = archives[:-keep] if keep > 0 and len(archives) > keep else []
    for old in removed:
        old.unlink()
    return BackupResult(
        path=final, size=final.stat().st_size, tables=len(counts), rows=sum(counts.values()), files=len(files), removed=removed
    )


def last_backup_at(directory: Path | None = None) -> datetime | None:
    archives = sorted(Path(directory or backup_dir()).glob(f"safeguard-*{SUFFIX}"))
    if not archives:
        return None
    return datetime.fromtimestamp(archives[-1].stat().st_mtime, tz=timezone.get_current_timezone())


# --- Restore ---------------------------------------------------------------------------------------


@dataclass
class Opened:
    folder: Path
    manifest: dict


def open_archive(archive: Path, identity, folder: Path) -> Opened:
    """Decrypt and unpack ``archive`` into ``folder``: BackupProblem for a wrong key or a damaged file."""
    from pyrage import DecryptError, decrypt_file

    if not archive.is_file():
        raise BackupProblem(f"There is no archive at {archive}.")
    plain = folder / "archive.tar"
    try:
        decrypt_file(str(archive), str(plain), [identity])
    except DecryptError as error:
        words = str(error).lower()
        if "no matching keys" in words or "no identity" in words:
            raise BackupProblem(
                "This archive was not made for this key: use the backup key file kept when the archive was made."
            ) from None
        raise BackupProblem("The archive is damaged (it cannot be decrypted whole): use another archive.") from None
    except Exception:
        raise BackupProblem(
            "The archive is damaged (it is not an age-encrypted Safeguard backup): use another archive."
        ) from None
    unpacked = folder / "unpacked"
    try:
        with tarfile.open(plain) as tar:
            tar.extractall(unpacked, filter="data")
    except (tarfile.TarError, OSError):
        raise BackupProblem("The archive is damaged (its contents cannot be read): use another archive.") from None
    plain.unlink()
    try:
        manifest = json.loads((unpacked / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupProblem("The archive has no readable manifest: it is not a Safeguard backup.") from None
    return Opened(folder=unpacked, manifest=manifest)


def newer_migrations(manifest: dict) -> list[str]:
    """Migrations the archive was made at that this version of Safeguard does not have."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return sorted(
        f"{app}.{name}" for app, names in manifest.get("migrations", {}).items() for name in names if (app, name) not in known
    )


def check_restorable(opened: Opened) -> None:
    manifest = opened.manifest
    if manifest.get("format") != FORMAT:
        raise BackupProblem(f"This archive is in backup format {manifest.get('format')}; this Safeguard reads format {FORMAT}.")
    newer = newer_migrations(manifest)
    if newer:
        raise BackupProblem(
            "This archive was made by a newer version of Safeguard: it needs the version with the migrations "
            + ", ".join(newer[:5])
            + (" and more" if len(newer) > 5 else "")
            + ". Install that version (or newer), then restore."
        )


#: A database holds a school's records when any of these has a row. One that `migrate` has just
#: made (its tables, the catalogue of routes, permissions) holds none and counts as empty.
RECORD_TABLES = ("safeguard_school", "safeguard_user", "safeguard_auditevent")


def database_is_empty(connection) -> bool:
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for table in RECORD_TABLES:
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 - our own table names
                if cursor.fetchone():
                    return False
    return True


def has_tables(connection) -> bool:
    with connection.cursor() as cursor:
        return bool(connection.introspection.table_names(cursor))


def stores_are_empty(stores: dict[str, Path]) -> bool:
    return all(not _walk(root) for root in stores.values())


def _restore_sqlite(source: Path, connection) -> None:
    connection.ensure_connection()
    origin = sqlite3.connect(source)
    try:
        origin.backup(connection.connection)
    finally:
        origin.close()


def _restore_postgresql(source: Path, connection, *, clean: bool) -> None:
    connection.close()
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if clean:
        # Tables already there (a replace, or a database `migrate` has just made): dropped first.
        command += ["--clean", "--if-exists"]
    db = connection.settings_dict
    env = _pg_env(db)
    _run([*command, "--dbname", str(db["NAME"]), str(source)], env, "pg_restore")


def restore_connection():
    """The owner's connection where one is configured (the application role may not drop tables)."""
    from safeguard.database_roles import OWNER_ALIAS

    return connections[OWNER_ALIAS if OWNER_ALIAS in settings.DATABASES else "default"]


@dataclass
class RestoreResult:
    tables: int
    rows: int
    files: int
    mismatches: list[str]
    audit_intact: bool
    audit_detail: str
    made_at: str
    pending_migrations: bool = False

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.audit_intact


def restore(
    *,
    archive: Path,
    identity,
    replace: bool = False,
    connection=None,
    stores: dict[str, Path] | None = None,
    keys: dict[str, Path] | None = None,
    say: Callable[[str], None] = lambda text: None,
) -> RestoreResult:
    """Restore ``archive`` into the database and file stores (empty unless ``replace``), then check
    the audit chain and every row count and file against the manifest."""
    connection = connection or restore_connection()
    stores = file_stores() if stores is None else stores
    keys = key_files() if keys is None else keys
    with tempfile.TemporaryDirectory(prefix="safeguard-restore-") as work:
        opened = open_archive(Path(archive), identity, Path(work))
        check_restorable(opened)
        manifest = opened.manifest
        if not replace and not database_is_empty(connection):
            raise BackupProblem(
                "The database is not empty: restoring would mix two sets of records. Restore into an empty database, "
                "or say --replace to replace everything in it (you will be asked to confirm)."
            )
        if not replace and not stores_are_empty(stores):
            raise BackupProblem(
                "The file store is not empty ("
                + ", ".join(str(root) for root in stores.values() if _walk(root))
                + "). Restore into an empty one, or say --replace."
            )
        audit_key_file = opened.folder / "keys" / "audit_key"
        if not audit_key_file.is_file() and manifest.get("audit_key") != audit_key_fingerprint(settings.AUDIT_KEY):
            raise BackupProblem(
                "This archive was made with a different audit key: set SAFEGUARD_AUDIT_KEY to the key in use when it "
                "was made (the school keeps it with its .env), or the restored audit chain cannot be checked."
            )
        say("Restoring the database...")
        engine = manifest["engine"]
        if engine != connection.vendor:
            raise BackupProblem(f"This archive holds a {engine} database; this Safeguard uses {connection.vendor}.")
        if engine == "sqlite":
            _restore_sqlite(opened.folder / "database.sqlite3", connection)
        else:
            _restore_postgresql(opened.folder / "database.pgdump", connection, clean=has_tables(connection))
            if connection.alias != "default" and settings.DATABASE_APP_ROLE:
                # Restored as the owner: the application role gets its rights on the tables again.
                from safeguard.database_roles import grant_app_role

                grant_app_role(role=settings.DATABASE_APP_ROLE, using=connection.alias)
        say("Restoring the files...")
        for store, root in stores.items():
            if replace and root.is_dir():
                shutil.rmtree(root)
            source = opened.folder / "files" / store
            if source.is_dir():
                shutil.copytree(source, root, dirs_exist_ok=True)
            else:
                root.mkdir(parents=True, exist_ok=True)
        for key, target in keys.items():
            source = opened.folder / "keys" / key
            if source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                target.chmod(0o600)
        if audit_key_file.is_file() and "audit_key" in keys:
            # A development copy: its chain was sealed with the audit key it carried.
            settings.AUDIT_KEY = keys["audit_key"].read_bytes().strip()
        say("Checking the restore against the archive's manifest...")
        result = _compare(manifest, connection, stores, keys)
    # After the check (so the manifest's counts and chain heads are compared as restored).
    with transaction.atomic():
        audit_record(
            actor=None,
            action="safeguard.backup.restored",
            extra={"made_at": result.made_at, "matches": result.ok, "differences": len(result.mismatches)},
        )
    return result


def _compare(manifest: dict, connection, stores: dict[str, Path], keys: dict[str, Path]) -> RestoreResult:
    from safeguard.audit import heads_to_json, verify_log

    connection.close()
    mismatches = []
    counts = row_counts(connection)
    for table, expected in sorted(manifest["rows"].items()):
        if table in VOLATILE_TABLES:
            continue
        found = counts.get(table)
        if found != expected:
            mismatches.append(f"table {table}: {found} rows, the archive had {expected}")
    roots = {f"files/{store}/": root for store, root in stores.items()}
    checked = 0
    for name, digest in sorted(manifest["files"].items()):
        if name.startswith("keys/"):
            path = keys.get(name.removeprefix("keys/"))
        else:
            prefix = next((p for p in roots if name.startswith(p)), None)
            path = roots[prefix] / name.removeprefix(prefix) if prefix else None
        if path is None:
            continue
        checked += 1
        if not path.is_file() or _sha256(path) != digest:
            mismatches.append(f"file {name} is not the archive's")
    report = verify_log()
    audit = manifest.get("audit", {})
    if heads_to_json(report.heads) != audit.get("heads"):
        mismatches.append("the audit chain's last events are not the archive's")
    detail = "" if report.ok else f"{report.broken.where}: {report.broken.detail}"
    current = applied_migrations(connection)
    pending = any(name not in current.get(app, []) for app, name in _all_migrations())
    return RestoreResult(
        tables=len(counts),
        rows=sum(counts.values()),
        files=checked,
        mismatches=mismatches,
        audit_intact=report.ok,
        audit_detail=detail,
        made_at=manifest.get("made_at", ""),
        pending_migrations=pending,
    )


def _all_migrations() -> list[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return sorted(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
