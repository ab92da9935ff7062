"""The audit hash chains: verify_chain / verify_audit find a tampered row or verification record
and name it, even when whoever changed it re-hashed the chain; each school's events form their
own chain; concurrent writers keep the chains intact; the nightly check records its result and
alerts on a break."""

from __future__ import annotations

import importlib
import json
import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from safeguard.audit import GENESIS_HASH, audit_record, event_hash, verify_chain, verify_log
from safeguard.audit_checks import CHAIN_ALERT_TITLE, audit_chain_check
from safeguard.models import AuditEvent, AuditVerification, Notification

EVENT_TRIGGERS = importlib.import_module("safeguard.migrations.0002_audit_append_only").STATEMENTS
KEYED_CHAINS = importlib.import_module("safeguard.migrations.0007_audit_keyed_chains")
RECORD_TRIGGERS = KEYED_CHAINS.STATEMENTS
ALERT_SUBJECT = "Safeguard: the audit log failed its integrity check"


def _sql(statements) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def tamper(sql: str, params, *, triggers=EVENT_TRIGGERS) -> None:
    """Rewrite history as an intruder with database access would: lift the triggers, change, restore."""
    create, drop = triggers[connection.vendor]
    with transaction.atomic():
        _sql(drop)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        _sql(create)


def forge(events: list[AuditEvent], target: AuditEvent, hasher, **changes) -> None:
    """Rewrite ``target`` and re-hash it and every later event of its chain with ``hasher``: what an
    intruder who has not got the audit key can do at best (the whole chain "re-forged")."""
    chain = [e for e in events if e.school_id == target.school_id and e.pk >= target.pk]
    prev = target.prev_hash
    for event in chain:
        for name, value in (changes if event.pk == target.pk else {}).items():
            setattr(event, name, value)
        digest = hasher(prev, event)
        tamper(
            "UPDATE safeguard_auditevent SET extra = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(event.extra), prev, digest, event.pk],
        )
        prev = digest


def unkeyed(prev: str, event: AuditEvent) -> str:
    """The project's own hash before it was keyed (plain SHA-256)."""
    return KEYED_CHAINS.unkeyed_hash(prev, event)


def wrong_key(prev: str, event: AuditEvent) -> str:
    """The right algorithm with a key the intruder made up."""
    return KEYED_CHAINS.keyed_hash(prev, event, b"a-key-the-intruder-guessed-0123456789-abcdefghijkl")


@pytest.fixture
def events(dsl, school):
    return [audit_record(actor=dsl, action=f"test.thing.{n}", school=school, extra={"n": n}) for n in range(5)]


@pytest.fixture
def two_chains(dsl, school, other_school, other_dsl):
    """Events at two schools, interleaved: two chains."""
    written = []
    for n in range(4):
        written.append(audit_record(actor=dsl, action="test.here", school=school, extra={"n": n}))
        written.append(audit_record(actor=other_dsl, action="test.there", school=other_school, extra={"n": n}))
    return written


def run_verify(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_an_intact_chain_passes(events):
    total = AuditEvent.objects.count()
    report = verify_chain()
    assert (report.ok, report.events_checked, report.last_event_id) == (True, total, events[-1].pk)
    code, out, _ = run_verify()
    assert code == 0
    assert out.strip() == f"Audit chain intact: {total} events in 1 chain"
    check = AuditVerification.objects.get()
    assert (check.ok, check.events_checked, check.first_broken_id, check.last_event_id) == (True, total, None, events[-1].pk)
    # The record anchors the head of the chain it checked, and is sealed with the audit key.
    assert check.chains_checked == 1
    assert check.heads == [[events[0].school_id, events[-1].pk, events[-1].hash]]
    assert len(check.seal) == 64 and verify_log().ok


def test_each_school_has_its_own_chain(two_chains, school, other_school):
    here = [e for e in two_chains if e.school_id == school.pk]
    there = [e for e in two_chains if e.school_id == other_school.pk]
    assert here[0].prev_hash == there[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in here[1:]] == [e.hash for e in here[:-1]]
    assert [e.prev_hash for e in there[1:]] == [e.hash for e in there[:-1]]
    report = verify_chain()
    assert report.ok and report.chains_checked == 2
    assert report.heads == {school.pk: (here[-1].pk, here[-1].hash), other_school.pk: (there[-1].pk, there[-1].hash)}
    code, out, _ = run_verify("--no-record")
    assert (code, out.strip()) == (0, f"Audit chain intact: {len(two_chains)} events in 2 chains")


def test_an_empty_log_is_intact(db):
    assert verify_chain().ok and verify_chain().events_checked == 0


def test_a_changed_row_is_found_and_named(events):
    target = events[2]
    tamper("UPDATE safeguard_auditevent SET action = %s WHERE id = %s", ["test.thing.rewritten", target.pk])
    report = verify_chain()
    assert not report.ok
    assert (report.broken.event_id, report.broken.problem) == (target.pk, "hash")
    code, _, err = run_verify("--no-record")
    assert code == 1
    assert f"Audit chain broken at event {target.pk}: Event {target.pk} was changed after it was written" in err
    assert not AuditVerification.objects.exists()


@pytest.mark.parametrize("hasher", [unkeyed, wrong_key], ids=["unkeyed-sha256", "wrong-key"])
def test_a_row_rewritten_and_re_hashed_without_the_key_is_named(events, hasher):
    """The finding "the audit chain can be re-forged": an intruder lifts the triggers, rewrites an
    event and re-hashes it and every later event of its chain, links included. Without the key
    the new hashes cannot be right, so verify_audit names the rewritten event."""
    target = events[1]
    forge(events, target, hasher, extra={"n": 99})
    rewritten = AuditEvent.objects.get(pk=target.pk)
    assert rewritten.extra == {"n": 99}
    assert AuditEvent.objects.get(pk=events[2].pk).prev_hash == rewritten.hash  # the links were re-forged too
    report = verify_chain()
    assert (report.broken.event_id, report.broken.problem) == (target.pk, "hash")
    code, _, err = run_verify()
    assert code == 1
    assert f"Audit chain broken at event {target.pk}: Event {target.pk} was changed after it was written" in err


def test_the_whole_trust_re_forged_with_the_old_hash_is_found(two_chains):
    """Every chain re-hashed from its first event, as the old unkeyed chain allowed."""
    first_here = two_chains[0]
    forge(two_chains, first_here, unkeyed)
    forge(two_chains, two_chains[1], unkeyed)
    code, _, err = run_verify("--no-record")
    assert code == 1
    assert f"Audit chain broken at event {first_here.pk}: Event {first_here.pk} was changed after it was written" in err


def test_a_row_rewritten_with_a_correct_hash_but_old_link_breaks_the_next_link(events):
    """Were someone to hold the key but not re-forge the rest, the next link still shows it."""
    target = events[1]
    tamper(
        "UPDATE safeguard_auditevent SET extra = %s, hash = %s WHERE id = %s",
        ['{"n": 99}', event_hash(**{**_fields(target), "extra": {"n": 99}}), target.pk],
    )
    report = verify_chain()
    assert (report.broken.event_id, report.broken.problem) == (events[2].pk, "prev_hash")


def _fields(event: AuditEvent) -> dict:
    names = (
        "prev_hash",
        "occurred_at",
        "actor_id",
        "school_id",
        "action",
        "object_type",
        "object_id",
        "ip_address",
        "request_id",
    )
    return {name: getattr(event, name) for name in names} | {"extra": event.extra}


def test_a_rewritten_verification_record_is_named(events):
    """An intruder rewrites the last check's anchor (say, to hide events removed from the end):
    its seal no longer matches, and verify_audit names the record."""
    audit_chain_check(alert=False)
    record = AuditVerification.objects.get()
    tamper(
        "UPDATE safeguard_auditverification SET last_hash = %s, heads = %s WHERE id = %s",
        ["f" * 64, f'[[{events[0].school_id}, {events[2].pk}, "{"f" * 64}"]]', record.pk],
        triggers=RECORD_TRIGGERS,
    )
    report = verify_log()
    assert (report.broken.problem, report.broken.verification_id) == ("seal", record.pk)
    code, _, err = run_verify("--no-record")
    assert code == 1
    assert (
        f"Audit chain broken at verification record {record.pk}: Verification record {record.pk} was changed: its seal does not match."
        in err
    )
    # Recorded, the check says so too, and the next one is not fooled either.
    check = audit_chain_check(alert=False)
    assert not check.ok and check.detail == f"Verification record {record.pk} was changed: its seal does not match."


def test_a_forged_verification_record_does_not_serve_as_an_anchor(events):
    """A record the intruder adds (they cannot seal it) is named, and its heads are not trusted."""
    audit_chain_check(alert=False)
    tamper("DELETE FROM safeguard_auditevent WHERE id = %s", [events[-1].pk])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO safeguard_auditverification (ran_at, events_checked, chains_checked, ok, detail, last_event_id, "
            "last_hash, heads, seal) VALUES (%s, 4, 1, %s, '', %s, %s, %s, %s)",
            [timezone.now(), True, events[3].pk, events[3].hash,
             f'[[{events[0].school_id}, {events[3].pk}, "{events[3].hash}"]]', "0" * 64],
        )  # fmt: skip
    report = verify_log()
    # The removed event is found through the earlier, genuine record, before the forged one is named.
    assert (report.broken.event_id, report.broken.problem) == (events[-1].pk, "missing_end")


def test_a_deleted_row_is_found(events):
    tamper("DELETE FROM safeguard_auditevent WHERE id = %s", [events[3].pk])
    report = verify_chain()
    assert (report.broken.event_id, report.broken.problem) == (events[4].pk, "prev_hash")
    assert "in the chain of Hillside Test Academy" in report.broken.detail


def test_a_row_deleted_from_one_schools_chain_is_found_in_that_chain(two_chains, other_school):
    there = [e for e in two_chains if e.school_id == other_school.pk]
    tamper("DELETE FROM safeguard_auditevent WHERE id = %s", [there[1].pk])
    report = verify_chain()
    assert (report.broken.event_id, report.broken.problem) == (there[2].pk, "prev_hash")
    assert "in the chain of Valley Test School" in report.broken.detail


def test_events_removed_from_the_end_are_found_against_the_last_check(events):
    assert audit_chain_check(alert=False).ok
    tamper("DELETE FROM safeguard_auditevent WHERE id >= %s", [events[3].pk])
    check = audit_chain_check(alert=False)
    assert not check.ok
    assert check.first_broken_id == events[-1].pk
    assert "removed from the end" in check.detail


def test_the_last_event_of_one_schools_chain_deleted_is_found_through_the_anchor(two_chains, school, other_school):
    """Removing the last event of a chain leaves the chain itself intact: only the heads the
    previous check recorded show it, for that school's chain, whatever the other chain does."""
    assert audit_chain_check(alert=False).ok
    here = [e for e in two_chains if e.school_id == school.pk]
    audit_record(actor=None, action="test.later", school=other_school)  # the other chain grows meanwhile
    tamper("DELETE FROM safeguard_auditevent WHERE id = %s", [here[-1].pk])
    assert verify_chain().ok  # the chain alone cannot show it
    code, _, err = run_verify()
    assert code == 1
    assert (
        f"Audit chain broken at event {here[-1].pk}: Event {here[-1].pk}, the last event of the chain of Hillside Test Academy"
        in err
    )
    assert "removed from the end" in err


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_chain_intact(school, dsl):
    threads, per_thread = 6, 15
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def write(index: int) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                with transaction.atomic():
                    audit_record(actor=dsl, action="test.concurrent.write", school=school, extra={"thread": index, "n": n})
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=write, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    assert AuditEvent.objects.filter(action="test.concurrent.write").count() == threads * per_thread
    report = verify_chain()
    assert report.ok, report.broken
    assert report.events_checked == AuditEvent.objects.count()


# --- The nightly check -----------------------------------------------------------------------------


def test_nightly_task_alerts_the_dsls_deputies_and_heads_on_a_break(
    events, personas, other_school, mailoutbox, django_capture_on_commit_callbacks
):
    from safeguard.tasks import verify_audit_chain

    tamper("UPDATE safeguard_auditevent SET action = %s WHERE id = %s", ["x", events[0].pk])
    with django_capture_on_commit_callbacks(execute=True):
        verify_audit_chain.delay()
    check = AuditVerification.objects.get()
    assert (check.ok, check.first_broken_id) == (False, events[0].pk)
    alerted = {n.recipient for n in Notification.objects.filter(kind="audit_chain_broken")}
    assert alerted == {personas["dsl"], personas["deputy"], personas["head"], personas["other_dsl"]}
    assert all(n.title == CHAIN_ALERT_TITLE and n.url == reverse("reports") for n in Notification.objects.all())
    alerts = [message for message in mailoutbox if message.subject == ALERT_SUBJECT]
    assert sorted(message.to[0] for message in alerts) == sorted(p.email for p in alerted)
    body = alerts[0].body
    assert f"Event {events[0].pk} was changed after it was written" in body
    assert "Ava" not in body and "Testchild" not in body
    # The next night, the same break is recorded again but not alerted again.
    with django_capture_on_commit_callbacks(execute=True):
        verify_audit_chain.delay()
    assert AuditVerification.objects.count() == 2
    assert Notification.objects.filter(kind="audit_chain_broken").count() == len(alerted)
    assert len([message for message in mailoutbox if message.subject == ALERT_SUBJECT]) == len(alerted)


def test_nightly_task_on_an_intact_chain_alerts_nobody(events, personas, django_capture_on_commit_callbacks):
    from safeguard.tasks import verify_audit_chain

    with django_capture_on_commit_callbacks(execute=True):
        verify_audit_chain.delay()
    assert AuditVerification.objects.get().ok
    assert not Notification.objects.filter(kind="audit_chain_broken").exists()
    # Only the head's nightly digest goes out.
    assert [message.to for message in mail.outbox] == [[personas["head"].email]]
    assert "passed" in mail.outbox[0].subject


def test_the_nightly_check_is_scheduled_at_quarter_past_two(settings):
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["verify-audit-chain"]
    assert entry["task"] == "safeguard.tasks.verify_audit_chain"
    assert entry["schedule"] == crontab(hour=2, minute=15)
    assert settings.CELERY_TIMEZONE == "Europe/London"


def test_reports_page_shows_when_the_chain_was_last_checked(events, head, login):
    client = login(head)
    assert "The audit log has not been checked yet" in client.get(reverse("reports")).content.decode()
    audit_chain_check(alert=False)
    html = client.get(reverse("reports")).content.decode()
    assert "<strong>intact</strong>" in html
    tamper("UPDATE safeguard_auditevent SET action = %s WHERE id = %s", ["x", events[1].pk])
    audit_chain_check(alert=False)
    html = client.get(reverse("reports")).content.decode()
    assert "the audit log has been altered" in html
    assert f"Event {events[1].pk} was changed after it was written" in html


def test_ipv6_addresses_are_hashed_as_stored(dsl):
    from safeguard.audit import request_context

    with request_context("2001:0db8:0000:0000:0000:0000:0000:0001", "req1"):
        event = audit_record(actor=dsl, action="test.ipv6")
    event.refresh_from_db()
    assert event.ip_address == "2001:db8::1"
    assert verify_chain().ok
