"""Migration 0007 re-seals an existing unkeyed audit log into keyed per-school chains, refuses to
launder a log that is already broken, and rolls back to the unkeyed chain just as carefully."""

from __future__ import annotations

import hashlib
import importlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from safeguard.audit import GENESIS_HASH, audit_record, verify_log

BEFORE = [("safeguard", "0006_document_images_and_role_grants")]
AFTER = [("safeguard", "0007_audit_keyed_chains")]
KEYED_CHAINS = importlib.import_module("safeguard.migrations.0007_audit_keyed_chains")
EVENT_TRIGGERS = importlib.import_module("safeguard.migrations.0002_audit_append_only").STATEMENTS
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _old_hash(prev: str, fields: dict) -> str:
    """The hash exactly as safeguard.audit.event_hash computed it before the migration (written
    out again here, so the test does not lean on the migration's own copy)."""
    payload = json.dumps(
        [
            prev,
            fields["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds"),
            fields["actor_id"],
            fields["school_id"],
            fields["action"],
            fields["object_type"],
            fields["object_id"],
            fields["ip_address"],
            fields["request_id"],
            fields["extra"],
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _write_old_log(apps, *, break_at: int | None = None) -> list[int]:
    """Ten events over two schools and none, one unkeyed chain, as the code before 0007 wrote them,
    and a verification record anchoring its end. ``break_at``: the event (by position) to rewrite."""
    Trust, School = apps.get_model("safeguard", "Trust"), apps.get_model("safeguard", "School")
    Event, Verification = apps.get_model("safeguard", "AuditEvent"), apps.get_model("safeguard", "AuditVerification")
    trust = Trust.objects.create(name="Migration Trust")
    schools = [School.objects.create(trust=trust, name=f"Migration School {n}", code=f"MS{n}") for n in (1, 2)]
    prev, ids = GENESIS_HASH, []
    for n in range(10):
        fields = {
            "occurred_at": START + timedelta(minutes=n),
            "actor_id": None,
            "school_id": [schools[0].pk, schools[1].pk, None][n % 3],
            "action": "cases.case.viewed",
            "object_type": "cases.case",
            "object_id": str(100 + n),
            "ip_address": "10.0.0.1" if n % 2 else "2001:db8::1",
            "request_id": f"req{n}",
            "extra": {"n": n},
        }
        digest = _old_hash(prev, fields)
        ids.append(Event.objects.create(prev_hash=prev, hash=digest, **fields).pk)
        prev = digest
    Verification.objects.create(
        ran_at=START + timedelta(hours=1), events_checked=10, ok=True, last_event_id=ids[-1], last_hash=prev
    )
    if break_at is not None:
        create, drop = EVENT_TRIGGERS[connection.vendor]
        with connection.cursor() as cursor:
            for sql in drop:
                cursor.execute(sql)
            cursor.execute("UPDATE safeguard_auditevent SET object_id = '999' WHERE id = %s", [ids[break_at]])
            for sql in create:
                cursor.execute(sql)
    return ids


@pytest.fixture
def before_0007(transactional_db):
    """The database as it was before 0007; put back to the latest state afterwards."""
    apps = _migrate(BEFORE)
    yield apps
    # Whatever a test left behind (a broken log, say) must not stop the way back to the latest state.
    applied = ("safeguard", "0007_audit_keyed_chains") in MigrationExecutor(connection).loader.applied_migrations
    with connection.cursor() as cursor:
        for sql in EVENT_TRIGGERS[connection.vendor][1] + KEYED_CHAINS.STATEMENTS[connection.vendor][1]:
            cursor.execute(sql)
        cursor.execute("DELETE FROM safeguard_auditevent")
        cursor.execute("DELETE FROM safeguard_auditverification")
        for sql in EVENT_TRIGGERS[connection.vendor][0] + (KEYED_CHAINS.STATEMENTS[connection.vendor][0] if applied else []):
            cursor.execute(sql)
    _migrate(_latest())


def test_migration_reseals_the_old_chain_into_keyed_chains_per_school(before_0007):
    ids = _write_old_log(before_0007)
    old = {row[0]: row for row in before_0007.get_model("safeguard", "AuditEvent").objects.values_list("id", "hash", "object_id")}
    apps = _migrate(AFTER)
    Event, Verification = apps.get_model("safeguard", "AuditEvent"), apps.get_model("safeguard", "AuditVerification")
    events = list(Event.objects.order_by("id"))
    assert [e.pk for e in events] == ids
    # Each event keeps what it says; only its hashes change, now keyed and chained per school.
    assert all(e.object_id == old[e.pk][2] and e.hash != old[e.pk][1] for e in events)
    heads: dict = {}
    for event in events:
        assert event.prev_hash == heads.get(event.school_id, GENESIS_HASH)
        heads[event.school_id] = event.hash
    assert len(heads) == 3
    report = verify_log()
    assert report.ok, report.broken
    assert (report.events_checked, report.chains_checked) == (10, 3)
    # The earlier record is sealed (pointing at the re-sealed last event); a new one anchors every chain.
    earlier, anchor = Verification.objects.order_by("ran_at", "id")
    assert (earlier.last_event_id, earlier.last_hash, earlier.heads) == (ids[-1], events[-1].hash, [])
    assert anchor.ok and anchor.events_checked == 10 and anchor.chains_checked == 3
    assert sorted(anchor.heads, key=lambda h: h[1]) == sorted(
        ([school_id, e.pk, e.hash] for school_id, e in {e.school_id: e for e in events}.items()), key=lambda h: h[1]
    )


def test_migration_refuses_to_launder_a_broken_chain(before_0007):
    ids = _write_old_log(before_0007, break_at=4)
    with pytest.raises(CommandError, match=f"already broken. Event {ids[4]} was changed after it was written"):
        _migrate(AFTER)
    # Nothing was changed: the log is still the old chain, and still at 0006.
    Event = before_0007.get_model("safeguard", "AuditEvent")
    first = Event.objects.order_by("id").first()
    assert first.prev_hash == GENESIS_HASH and first.hash == _old_hash(GENESIS_HASH, first.__dict__)
    assert ("safeguard", "0007_audit_keyed_chains") not in MigrationExecutor(connection).loader.applied_migrations


def test_migration_refuses_when_events_were_removed_from_the_end(before_0007):
    ids = _write_old_log(before_0007)
    create, drop = EVENT_TRIGGERS[connection.vendor]
    with connection.cursor() as cursor:
        for sql in drop:
            cursor.execute(sql)
        cursor.execute("DELETE FROM safeguard_auditevent WHERE id = %s", [ids[-1]])
        for sql in create:
            cursor.execute(sql)
    with pytest.raises(CommandError, match=f"Event {ids[-1]}, the last one an earlier check saw, is missing"):
        _migrate(AFTER)


def test_migration_rolls_back_to_the_unkeyed_chain_and_forward_again(before_0007):
    ids = _write_old_log(before_0007)
    old = dict(before_0007.get_model("safeguard", "AuditEvent").objects.values_list("id", "hash"))
    _migrate(AFTER)
    apps = _migrate(BEFORE)
    Event, Verification = apps.get_model("safeguard", "AuditEvent"), apps.get_model("safeguard", "AuditVerification")
    # Back to exactly the old chain, which the earlier code's check accepts.
    assert dict(Event.objects.values_list("id", "hash")) == old
    assert all(v.last_hash == old[v.last_event_id] for v in Verification.objects.all())
    _migrate(AFTER)
    assert verify_log().ok and verify_log().events_checked == len(ids)


def test_the_migrations_hash_is_the_one_audit_record_writes(dsl, school, settings):
    """The migration keeps frozen copies of the hashes: they must agree with safeguard.audit."""
    event = audit_record(actor=dsl, action="test.a", school=school, extra={"fields": ["summary"]})
    event.refresh_from_db()
    assert KEYED_CHAINS.keyed_hash(event.prev_hash, event, settings.AUDIT_KEY) == event.hash
