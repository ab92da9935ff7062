"""The audit log moves from one unkeyed SHA-256 chain to keyed chains, one per school.

Forward:
1. verification records get the head of every chain they checked and a seal; audit events get
   an index on (school, id) to find the head of a school's chain;
2. the old unkeyed chain is checked first, against the latest intact verification record too.
   If it is already broken the migration stops and names the event: re-sealing a broken chain
   with the key would launder the change;
3. every event is re-sealed into its school's chain with HMAC-SHA256 and ``AUDIT_KEY``, with the
   events' append-only triggers lifted inside this migration's transaction and restored after;
   earlier verification records are sealed (their last hash now that of the re-sealed event),
   and one more record anchors the head of every new chain;
4. verification records get append-only triggers like the events.

Reversible, so that a deploy can roll back to the code before it. The reverse checks the keyed
chains and every record's seal first and stops, naming what is wrong, if any of them is
broken (for the same reason), then rebuilds the single unkeyed chain the earlier code checks.

The hash functions here are frozen copies, as a migration's code must be: safeguard.audit may
change its hash later, in a migration of its own, and this one must still do what it did.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
from datetime import UTC

from django.conf import settings
from django.core.management.base import CommandError
from django.db import migrations, models
from django.utils import timezone

EVENTS = importlib.import_module("safeguard.migrations.0002_audit_append_only")
GENESIS = "0" * 64
BATCH = 5000
FIELDS = (
    "id",
    "prev_hash",
    "hash",
    "occurred_at",
    "actor_id",
    "school_id",
    "action",
    "object_type",
    "object_id",
    "ip_address",
    "request_id",
    "extra",
)
SEALED = ("ran_at", "events_checked", "chains_checked", "ok", "first_broken_id", "detail", "last_event_id", "last_hash", "heads")

# --- Append-only verification records (as 0002 does for the events) --------------------------------

TABLE = "safeguard_auditverification"
MESSAGE = "audit verification records are append-only"
SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS auditverification_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER IF NOT EXISTS auditverification_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS auditverification_no_update;", "DROP TRIGGER IF EXISTS auditverification_no_delete;"]
POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION safeguard_audit_verification_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END;
    $$ LANGUAGE plpgsql;""",
    f"CREATE TRIGGER auditverification_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION safeguard_audit_verification_append_only();",
    f"CREATE TRIGGER auditverification_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION safeguard_audit_verification_append_only();",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS auditverification_no_update_delete ON {TABLE};",
    f"DROP TRIGGER IF EXISTS auditverification_no_truncate ON {TABLE};",
    "DROP FUNCTION IF EXISTS safeguard_audit_verification_append_only();",
]
#: vendor -> (create, drop), as in 0002; tests/support's flush lifts both tables' triggers.
STATEMENTS = {"sqlite": (SQLITE_CREATE, SQLITE_DROP), "postgresql": (POSTGRES_CREATE, POSTGRES_DROP)}


def _execute(schema_editor, statements: dict, index: int) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"Safeguard supports SQLite and PostgreSQL, not {vendor}.")
    for sql in statements[vendor][index]:
        schema_editor.execute(sql)


def add_verification_triggers(apps, schema_editor):
    _execute(schema_editor, STATEMENTS, 0)


def drop_verification_triggers(apps, schema_editor):
    _execute(schema_editor, STATEMENTS, 1)


# --- The hashes, frozen ------------------------------------------------------------------------------


def _payload(parts: list) -> bytes:
    return json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _instant(value) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _fields(row) -> list:
    return [
        _instant(row.occurred_at),
        row.actor_id,
        row.school_id,
        row.action,
        row.object_type,
        row.object_id,
        row.ip_address,
        row.request_id,
        row.extra,
    ]


def unkeyed_hash(prev_hash: str, row) -> str:
    """The hash before this migration: SHA-256, no key, one chain for the whole trust."""
    return hashlib.sha256(_payload([prev_hash, *_fields(row)])).hexdigest()


def keyed_hash(prev_hash: str, row, key: bytes) -> str:
    """The hash after it: HMAC-SHA256 with the audit key, chained per school (safeguard.audit.event_hash)."""
    return hmac.digest(key, _payload(["event", prev_hash, *_fields(row)]), "sha256").hex()


def record_seal(values: dict, key: bytes) -> str:
    """A verification record's seal (safeguard.audit.verification_seal)."""
    parts = ["verification", _instant(values["ran_at"]), *(values[name] for name in SEALED[1:])]
    return hmac.digest(key, _payload(parts), "sha256").hex()


# --- Walking and rewriting the log -------------------------------------------------------------------


def _events(Event, alias: str):
    """Every event in id order, a page at a time (keyset pages: rows already rewritten are behind)."""
    last = 0
    while True:
        page = list(Event.objects.using(alias).filter(id__gt=last).order_by("id").values_list(*FIELDS, named=True)[:BATCH])
        if not page:
            return
        yield from page
        last = page[-1].id


def _rewrite(cursor, rows: list) -> None:
    """New (prev_hash, hash, id) for a page of events: one statement per page on PostgreSQL."""
    if not rows:
        return
    if cursor.db.vendor == "postgresql":
        values = ", ".join(["(%s, %s, %s::bigint)"] * len(rows))
        cursor.execute(
            f"UPDATE safeguard_auditevent AS e SET prev_hash = v.p, hash = v.h FROM (VALUES {values}) AS v(p, h, id) WHERE e.id = v.id",
            [value for row in rows for value in row],
        )
    else:
        cursor.executemany("UPDATE safeguard_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", rows)
    rows.clear()


def _refuse(what: str) -> CommandError:
    return CommandError(
        f"Migration safeguard.0007 stopped, and changed nothing: the audit log is already broken. {what} "
        "Re-sealing a broken log with the audit key would hide that change, so it is not done. Keep this message, "
        "investigate (the head teacher and DSLs should be told), restore the audit tables from a backup taken before "
        "the change, then migrate again."
    )


def _chain_name(school_id) -> str:
    return f"school {school_id}'s chain" if school_id is not None else "the chain of events that belong to no school"


def reseal(apps, schema_editor):
    """Check the unkeyed chain, then re-seal every event into its school's keyed chain."""
    connection, alias = schema_editor.connection, schema_editor.connection.alias
    Event = apps.get_model("safeguard", "AuditEvent")
    Verification = apps.get_model("safeguard", "AuditVerification")
    key = settings.AUDIT_KEY
    records = list(Verification.objects.using(alias).order_by("ran_at", "id"))
    anchors = [r for r in records if r.ok and r.last_event_id]
    anchor = anchors[-1] if anchors else None
    wanted = {r.last_event_id for r in records if r.last_event_id}
    old_hash, new_hash = {}, {}
    previous, heads, count, last_id, last_school = GENESIS, {}, 0, None, None

    _execute(schema_editor, EVENTS.STATEMENTS, 1)  # lift the events' append-only triggers
    with connection.cursor() as cursor:
        rows = []
        for row in _events(Event, alias):
            if row.prev_hash != previous:
                raise _refuse(f"Event {row.id} does not follow the event before it: an event was removed, inserted or rewritten.")
            if row.hash != unkeyed_hash(row.prev_hash, row):
                raise _refuse(f"Event {row.id} was changed after it was written: its hash does not match its contents.")
            previous = row.hash
            chain_prev = heads[row.school_id][1] if row.school_id in heads else GENESIS
            digest = keyed_hash(chain_prev, row, key)
            heads[row.school_id] = (row.id, digest)
            rows.append((chain_prev, digest, row.id))
            if row.id in wanted:
                old_hash[row.id], new_hash[row.id] = row.hash, digest
            count, last_id, last_school = count + 1, row.id, row.school_id
            if len(rows) >= BATCH:
                _rewrite(cursor, rows)
        _rewrite(cursor, rows)
    if anchor is not None and old_hash.get(anchor.last_event_id) != anchor.last_hash:
        raise _refuse(
            f"Event {anchor.last_event_id}, the last one an earlier check saw, is missing or changed: "
            "events were removed from the end of the log."
        )
    _execute(schema_editor, EVENTS.STATEMENTS, 0)  # and restore them

    # Earlier records checked the one unkeyed chain: they keep what they found, sealed, pointing at
    # the re-sealed hash of the same last event, with no per-school heads (those did not exist).
    for record in records:
        values = {name: getattr(record, name) for name in SEALED}
        values.update(
            chains_checked=1 if record.events_checked else 0,
            last_hash=new_hash.get(record.last_event_id, "") if record.last_event_id else "",
            heads=[],
        )
        Verification.objects.using(alias).filter(pk=record.pk).update(**values, seal=record_seal(values, key))
    if count:
        ordered = sorted(heads.items(), key=lambda item: (item[0] is None, item[0] or 0))
        values = {
            "ran_at": timezone.now(),
            "events_checked": count,
            "chains_checked": len(heads),
            "ok": True,
            "first_broken_id": None,
            "detail": "",
            "last_event_id": last_id,
            "last_hash": heads[last_school][1],
            "heads": [[school_id, event_id, digest] for school_id, (event_id, digest) in ordered],
        }
        Verification.objects.using(alias).create(**values, seal=record_seal(values, key))


def unseal(apps, schema_editor):
    """Check the keyed chains and every record's seal, then rebuild the single unkeyed chain."""
    connection, alias = schema_editor.connection, schema_editor.connection.alias
    Event = apps.get_model("safeguard", "AuditEvent")
    Verification = apps.get_model("safeguard", "AuditVerification")
    key = settings.AUDIT_KEY
    records = list(Verification.objects.using(alias).order_by("ran_at", "id"))
    anchor = {}
    for record in records:
        values = {name: getattr(record, name) for name in SEALED}
        if not hmac.compare_digest(record.seal, record_seal(values, key)):
            raise _refuse(f"Verification record {record.pk} was changed: its seal does not match.")
        if record.ok and record.heads:
            anchor = {event_id: (school_id, digest) for school_id, event_id, digest in record.heads}
    wanted = {r.last_event_id for r in records if r.last_event_id}
    old_hash, seen = {}, set()
    previous, heads = GENESIS, {}

    _execute(schema_editor, EVENTS.STATEMENTS, 1)
    with connection.cursor() as cursor:
        rows = []
        for row in _events(Event, alias):
            chain_prev = heads.get(row.school_id, GENESIS)
            if row.prev_hash != chain_prev:
                raise _refuse(
                    f"Event {row.id} does not follow the event before it in {_chain_name(row.school_id)}: "
                    "an event was removed, inserted or rewritten."
                )
            if not hmac.compare_digest(row.hash, keyed_hash(chain_prev, row, key)):
                raise _refuse(f"Event {row.id} was changed after it was written: its hash does not match its contents.")
            heads[row.school_id] = row.hash
            if anchor.get(row.id) == (row.school_id, row.hash):
                seen.add(row.id)
            digest = unkeyed_hash(previous, row)
            rows.append((previous, digest, row.id))
            if row.id in wanted:
                old_hash[row.id] = digest
            previous = digest
            if len(rows) >= BATCH:
                _rewrite(cursor, rows)
        _rewrite(cursor, rows)
    missing = sorted(set(anchor) - seen)
    if missing:
        raise _refuse(
            f"Event {missing[0]}, the last event of {_chain_name(anchor[missing[0]][0])} an earlier check saw, "
            "is missing or changed: events were removed from the end of the log."
        )
    _execute(schema_editor, EVENTS.STATEMENTS, 0)
    for record in records:
        if record.last_event_id:
            Verification.objects.using(alias).filter(pk=record.pk).update(last_hash=old_hash.get(record.last_event_id, ""))


class Migration(migrations.Migration):
    dependencies = [("safeguard", "0006_document_images_and_role_grants")]

    operations = [
        migrations.AddField(
            model_name="auditverification",
            name="chains_checked",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="auditverification",
            name="heads",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="auditverification",
            name="seal",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["school", "id"], name="audit_chain_head_idx"),
        ),
        migrations.RunPython(reseal, unseal),
        migrations.RunPython(add_verification_triggers, drop_verification_triggers),
    ]
