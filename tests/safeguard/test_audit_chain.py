"""The audit hash chain: verify_chain / verify_audit find a tampered row and name it; concurrent
writers keep the chain intact; the nightly check records its result and alerts on a break."""

from __future__ import annotations

import importlib
import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from safeguard.audit import audit_record, verify_chain
from safeguard.models import AuditEvent, AuditVerification, Notification
from safeguard.reports.services import CHAIN_ALERT_TITLE, audit_chain_check

APPEND_ONLY = importlib.import_module("safeguard.migrations.0002_audit_append_only")


def _sql(statements) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def tamper(sql: str, params) -> None:
    """Rewrite history as an intruder with database access would: lift the triggers, change, restore."""
    create, drop = APPEND_ONLY.STATEMENTS[connection.vendor]
    with transaction.atomic():
        _sql(drop)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        _sql(create)


@pytest.fixture
def events(dsl, school):
    return [audit_record(actor=dsl, action=f"test.thing.{n}", school=school, extra={"n": n}) for n in range(5)]


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
    assert out.strip() == f"Audit chain intact: {total} events"
    check = AuditVerification.objects.get()
    assert (check.ok, check.events_checked, check.first_broken_id, check.last_event_id) == (True, total, None, events[-1].pk)


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


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(events):
    from safeguard.audit import event_hash

    target = events[1]
    new_extra = {"n": 99}
    fresh = event_hash(
        prev_hash=target.prev_hash,
        occurred_at=target.occurred_at,
        actor_id=target.actor_id,
        school_id=target.school_id,
        action=target.action,
        object_type=target.object_type,
        object_id=target.object_id,
        ip_address=target.ip_address,
        request_id=target.request_id,
        extra=new_extra,
    )
    tamper("UPDATE safeguard_auditevent SET extra = %s, hash = %s WHERE id = %s", ['{"n": 99}', fresh, target.pk])
    report = verify_chain()
    assert (report.broken.event_id, report.broken.problem) == (events[2].pk, "prev_hash")


def test_a_deleted_row_is_found(events):
    tamper("DELETE FROM safeguard_auditevent WHERE id = %s", [events[3].pk])
    report = verify_chain()
    assert (report.broken.event_id, report.broken.problem) == (events[4].pk, "prev_hash")


def test_events_removed_from_the_end_are_found_against_the_last_check(events):
    assert audit_chain_check(alert=False).ok
    tamper("DELETE FROM safeguard_auditevent WHERE id >= %s", [events[3].pk])
    check = audit_chain_check(alert=False)
    assert not check.ok
    assert check.first_broken_id == events[-1].pk
    assert "removed from the end" in check.detail


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
    assert sorted(message.to[0] for message in mailoutbox) == sorted(p.email for p in alerted)
    body = mailoutbox[0].body
    assert f"Event {events[0].pk} was changed after it was written" in body
    assert "Ava" not in body and "Testchild" not in body
    # The next night, the same break is recorded again but not alerted again.
    with django_capture_on_commit_callbacks(execute=True):
        verify_audit_chain.delay()
    assert AuditVerification.objects.count() == 2
    assert Notification.objects.filter(kind="audit_chain_broken").count() == len(alerted)
    assert len(mailoutbox) == len(alerted)


def test_nightly_task_on_an_intact_chain_alerts_nobody(events, personas):
    from safeguard.tasks import verify_audit_chain

    verify_audit_chain.delay()
    assert AuditVerification.objects.get().ok
    assert not Notification.objects.filter(kind="audit_chain_broken").exists()
    assert not mail.outbox


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
