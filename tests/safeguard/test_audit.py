"""The audit log: one event per case view, append-only at the ORM and in the database itself."""

from __future__ import annotations

import importlib

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from safeguard.audit import GENESIS_HASH, ChainReport, audit_record, event_hash, verification_record
from safeguard.models import AuditEvent, AuditImmutableError, AuditVerification


def test_every_case_view_writes_exactly_one_audit_event(case, head, login):
    client = login(head)
    before = AuditEvent.objects.count()
    response = client.get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 200
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert len(events) == 1
    event = events[0]
    assert event.action == "cases.case.viewed"
    assert (event.actor_id, event.school_id, event.object_type, event.object_id) == (
        head.pk,
        case.school_id,
        "cases.case",
        str(case.pk),
    )
    assert event.ip_address == "127.0.0.1"
    assert event.request_id == response["X-Request-ID"]


def test_each_of_several_views_is_recorded(case, dsl, login):
    client = login(dsl)
    before = AuditEvent.objects.filter(action="cases.case.viewed").count()
    for _ in range(3):
        client.get(reverse("case_detail", args=[case.pk]))
    assert AuditEvent.objects.filter(action="cases.case.viewed").count() == before + 3


def test_audit_events_hold_no_case_content(case, dsl, login):
    login(dsl).get(reverse("case_detail", args=[case.pk]))
    for event in AuditEvent.objects.all():
        flat = repr((event.action, event.object_type, event.object_id, event.extra))
        assert case.summary not in flat
        assert "Ava" not in flat


def test_orm_refuses_to_update_or_delete_an_event(dsl):
    event = audit_record(actor=dsl, action="test.thing.done")
    event.action = "test.thing.undone"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()


def test_raw_sql_update_of_an_audit_event_fails_in_the_database(dsl):
    event = audit_record(actor=dsl, action="test.thing.done")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE safeguard_auditevent SET action = %s WHERE id = %s", ["test.rewritten", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing.done"


def test_raw_sql_delete_of_an_audit_event_fails_in_the_database(dsl):
    event = audit_record(actor=dsl, action="test.thing.done")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM safeguard_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_emptying_the_table_fails(dsl):
    audit_record(actor=dsl, action="test.thing.done")
    # SQLite has no TRUNCATE; its equivalent is an unqualified DELETE.
    sql = "TRUNCATE safeguard_auditevent" if connection.vendor == "postgresql" else "DELETE FROM safeguard_auditevent"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fire the deferred foreign-key checks first, or PostgreSQL refuses TRUNCATE for that.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)
    assert AuditEvent.objects.exists()


def _recomputed(event, **overrides) -> str:
    fields = {
        "prev_hash": event.prev_hash,
        "occurred_at": event.occurred_at,
        "actor_id": event.actor_id,
        "school_id": event.school_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "ip_address": event.ip_address,
        "request_id": event.request_id,
        "extra": event.extra,
    }
    return event_hash(**fields | overrides)


def test_each_event_carries_the_keyed_hash_of_the_one_before_at_its_school(dsl, school, other_school):
    first = audit_record(actor=dsl, action="test.a", school=school)
    elsewhere = audit_record(actor=dsl, action="test.b", school=other_school)
    nowhere = audit_record(actor=dsl, action="test.c", obj=("cases.case", 7), extra={"fields": ["summary"]})
    second = audit_record(actor=dsl, action="test.d", school=school)
    # Each school's events form one chain; the events of no school form another.
    assert (first.prev_hash, elsewhere.prev_hash, nowhere.prev_hash) == (GENESIS_HASH,) * 3
    assert second.prev_hash == first.hash
    previous: dict = {}
    for event in AuditEvent.objects.order_by("id"):
        assert event.prev_hash == previous.get(event.school_id, GENESIS_HASH)
        assert event.hash == _recomputed(event)
        previous[event.school_id] = event.hash


def test_the_hash_is_keyed_with_the_audit_key_not_a_plain_hash(dsl, school, settings):
    event = audit_record(actor=dsl, action="test.a", school=school)
    event.refresh_from_db()
    assert event.hash == _recomputed(event, key=settings.AUDIT_KEY)
    assert event.hash != _recomputed(event, key=b"another key that is long enough to be a real one....")
    unkeyed = importlib.import_module("safeguard.migrations.0007_audit_keyed_chains").unkeyed_hash
    assert event.hash != unkeyed(event.prev_hash, event)
    # Changing the key changes every hash: whoever has not got it cannot compute them.
    settings.AUDIT_KEY = b"x" * 43 + b"abcdefghijkl"
    assert _recomputed(event) != event.hash


def test_audit_write_rolls_back_with_the_change(dsl, school):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=dsl, action="test.thing.done", school=school)
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == before


def _verification() -> AuditVerification:
    return verification_record(ChainReport(events_checked=0, broken=None, last_event_id=None, last_hash=""))


def test_verification_records_are_append_only_in_the_orm(db):
    record = _verification()
    record.ok = False
    with pytest.raises(AuditImmutableError):
        record.save()
    with pytest.raises(AuditImmutableError):
        record.delete()
    with pytest.raises(AuditImmutableError):
        AuditVerification.objects.filter(pk=record.pk).update(ok=False)
    with pytest.raises(AuditImmutableError):
        AuditVerification.objects.all().delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE safeguard_auditverification SET last_hash = 'forged' WHERE id = %s",
        "DELETE FROM safeguard_auditverification WHERE id = %s",
        "TRUNCATE safeguard_auditverification",
    ],
)
def test_raw_sql_cannot_rewrite_or_remove_a_verification_record(db, sql):
    record = _verification()
    if sql.startswith("TRUNCATE") and connection.vendor != "postgresql":
        sql = "DELETE FROM safeguard_auditverification"  # SQLite's equivalent of TRUNCATE
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [record.pk] if "%s" in sql else None)
    assert AuditVerification.objects.get(pk=record.pk).last_hash == record.last_hash
