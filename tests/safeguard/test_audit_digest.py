"""The nightly digest: after the check, each school's head teachers get the result and their
school's chain head by email, so a rewritten log is visible outside the database. No case content."""

from __future__ import annotations

import importlib
import logging
import smtplib

import pytest
from django.db import connection, transaction
from django.utils import timezone

from safeguard.models import AuditEvent, AuditVerification
from tests.factories import make_case, staff

EVENT_TRIGGERS = importlib.import_module("safeguard.migrations.0002_audit_append_only").STATEMENTS


def _nightly(capture) -> AuditVerification:
    from safeguard.tasks import verify_audit_chain

    with capture(execute=True):
        verify_audit_chain.delay()
    return AuditVerification.objects.order_by("-ran_at", "-pk").first()


def _digests(outbox) -> dict[str, object]:
    return {message.to[0]: message for message in outbox if "audit log check" in message.subject}


@pytest.fixture
def other_head(other_school):
    return staff(other_school, "head", full_name="Hope Otherhead", email="head@valley.example")


def test_the_nightly_digest_reaches_each_schools_head_with_its_chain_head(
    case, personas, other_head, other_case, mailoutbox, django_capture_on_commit_callbacks
):
    gone = staff(case.school, "head", full_name="Gwen Gone", email="gone@hillside.example", is_active=False)
    check = _nightly(django_capture_on_commit_callbacks)
    assert check.ok
    digests = _digests(mailoutbox)
    # Heads only (not the DSLs or deputies, who get the alerts), active ones only.
    assert set(digests) == {personas["head"].email, other_head.email}
    assert gone.email not in digests
    day = timezone.localdate(check.ran_at)
    for school, head in ((case.school, personas["head"]), (other_case.school, other_head)):
        last = AuditEvent.objects.filter(school=school).order_by("-id").first()
        message = digests[head.email]
        assert message.subject == f"Safeguard: audit log check passed for {school.name}, {day.day} {day:%B %Y}"
        assert f"on {day.day} {day:%B %Y}: the check passed" in message.body
        assert f"{school.name}'s audit chain now ends at event {last.pk}, whose hash begins {last.hash[:16]}." in message.body
        # The head emailed is the head the sealed record anchored.
        assert [school.pk, last.pk, last.hash] in check.heads


def test_the_digest_holds_no_case_content(case, pupil, personas, mailoutbox, django_capture_on_commit_callbacks):
    _nightly(django_capture_on_commit_callbacks)
    body = _digests(mailoutbox)[personas["head"].email].body
    for secret in (case.summary, case.reference, pupil.first_name, pupil.last_name, personas["dsl"].full_name):
        assert secret not in body
    assert "cases.case" not in body


def test_a_school_with_no_events_is_told_so(school, head, mailoutbox, django_capture_on_commit_callbacks):
    _nightly(django_capture_on_commit_callbacks)
    assert "Hillside Test Academy's audit chain has no events yet." in _digests(mailoutbox)[head.email].body


def test_a_failed_check_is_in_the_digest(case, personas, mailoutbox, django_capture_on_commit_callbacks):
    first = AuditEvent.objects.filter(school=case.school).order_by("id").first()
    create, drop = EVENT_TRIGGERS[connection.vendor]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in drop:
            cursor.execute(sql)
        cursor.execute("UPDATE safeguard_auditevent SET action = %s WHERE id = %s", ["x", first.pk])
        for sql in create:
            cursor.execute(sql)
    check = _nightly(django_capture_on_commit_callbacks)
    assert not check.ok
    message = _digests(mailoutbox)[personas["head"].email]
    assert "FAILED" in message.subject
    assert f"the check FAILED: the log has been altered. Event {first.pk} was changed after it was written" in message.body


def test_a_mail_failure_is_logged_without_content_and_does_not_fail_the_check(
    case, personas, other_head, other_case, mailoutbox, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from safeguard import audit_checks as services

    real = services.send_mail

    def refuse_hillside(subject, body, sender, to):
        if to == [personas["head"].email]:
            raise smtplib.SMTPRecipientsRefused({to[0]: (550, b"no such user")})
        return real(subject, body, sender, to)

    monkeypatch.setattr(services, "send_mail", refuse_hillside)
    with caplog.at_level(logging.WARNING, logger="safeguard.audit_checks"):
        check = _nightly(django_capture_on_commit_callbacks)
    assert check.ok and AuditVerification.objects.filter(pk=check.pk).exists()
    assert set(_digests(mailoutbox)) == {other_head.email}  # the others still go
    logged = [record.getMessage() for record in caplog.records if "digest" in record.getMessage()]
    assert logged == ["Could not email the nightly audit digest to one head teacher (SMTPRecipientsRefused)."]
    assert all(personas["head"].email not in text and case.school.name not in text for text in caplog.messages)


def test_verify_audit_by_hand_sends_no_digest(case, personas, mailoutbox, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        call_command("verify_audit", stdout=None)
    assert not _digests(mailoutbox)


def test_digest_of_a_new_head_uses_the_head_role(school, mailoutbox, django_capture_on_commit_callbacks):
    """A DSL's nightly mail is the alert on a break, never the digest."""
    make_case(actor=staff(school, "dsl", email="lead@hillside.example"), school=school)
    _nightly(django_capture_on_commit_callbacks)
    assert not _digests(mailoutbox)
