"""Alerts: a notification in Safeguard and its email, sent by the worker once the change commits,
exactly once; each person's choice of at once or the morning summary; urgent ones at any hour;
notifications that clear themselves; a refused email retried and then shown to the DSL."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from safeguard import outbox
from safeguard.models import AlertEmail, AlertPreference, Notification
from safeguard.selectors import notifications_inbox, unread_notification_count
from safeguard.services import Alert, alert_send, notifications_clear
from safeguard.services.alerts import (
    alert_email_deliver,
    alert_emails_sweep,
    alert_preferences_update,
)

pytestmark = pytest.mark.django_db


def _alert(**overrides) -> Alert:
    values = {"kind": "concern_raised", "title": "New concern HTA-C0001", "url": "/concerns/1/", "subject": "concern:1"}
    values.update(overrides)
    return Alert(**values)


def _night(moment):
    """23:30 on the same day as ``moment``: inside every school's quiet hours."""
    return moment.replace(hour=23, minute=30)


def test_an_alert_is_a_notification_and_one_email_sent_once_the_change_commits(
    dsl, deputy, school, school_hours, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alert_send(alert=_alert(), recipients=[dsl, deputy], school=school)
    assert Notification.objects.filter(subject="concern:1").count() == 2
    assert mail.outbox == []  # nothing leaves before the change commits
    for callback in callbacks:
        callback()
    sent = sorted(m.to[0] for m in mail.outbox)
    assert sent == sorted([dsl.email, deputy.email])
    assert set(AlertEmail.objects.values_list("status", flat=True)) == {AlertEmail.Status.SENT}
    # Another sweep, or the same task delivered twice, sends nothing more.
    alert_emails_sweep()
    email = AlertEmail.objects.first()
    assert alert_email_deliver(email_id=email.pk, token=email.claim_token) == "not mine"
    assert len(mail.outbox) == 2


def test_a_change_that_rolls_back_sends_nothing(dsl, school, school_hours, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        alert_send(alert=_alert(), recipients=[dsl], school=school)
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists() and not AlertEmail.objects.exists() and mail.outbox == []


def test_the_email_names_the_kind_and_links_to_it_and_nothing_else(dsl, school, school_hours, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alert_send(alert=_alert(detail="The DSLs have it."), recipients=[dsl], school=school)
    (message,) = mail.outbox
    assert message.subject == "Safeguard: New concern HTA-C0001"
    assert "/concerns/1/" in message.body and "The DSLs have it." in message.body


def test_inactive_people_and_nobody_get_nothing(dsl, pastoral, school):
    pastoral.is_active = False
    pastoral.save()
    assert alert_send(alert=_alert(), recipients=[pastoral, None], school=school) == []
    assert not Notification.objects.exists()


def test_the_morning_summary_holds_what_each_person_chose_to_wait_for(
    dsl, school, school_hours, django_capture_on_commit_callbacks
):
    alert_preferences_update(user=dsl, choices={"concern_raised": False})
    with django_capture_on_commit_callbacks(execute=True):
        alert_send(alert=_alert(), recipients=[dsl], school=school)
        alert_send(alert=_alert(title="New concern HTA-C0002", subject="concern:2"), recipients=[dsl], school=school)
    assert mail.outbox == []
    email = AlertEmail.objects.first()
    assert email.in_digest and timezone.localtime(email.deliver_at).date() > timezone.localdate()
    with time_machine.travel(email.deliver_at + timedelta(minutes=1), tick=False):
        result = alert_emails_sweep()
    assert result["summaries"] == 1
    (summary,) = mail.outbox
    assert summary.subject == "Safeguard: 2 things for you today" and "HTA-C0001" in summary.body and "HTA-C0002" in summary.body


def test_urgent_alerts_ignore_the_persons_choice_and_quiet_hours(dsl, school, school_hours, django_capture_on_commit_callbacks):
    AlertPreference.objects.create(user=dsl, kind="concern_urgent", at_once=False)
    with time_machine.travel(_night(school_hours), tick=False), django_capture_on_commit_callbacks(execute=True):
        alert_send(alert=_alert(kind="concern_urgent", urgent=True), recipients=[dsl], school=school)
    (message,) = mail.outbox
    assert message.subject.startswith("URGENT: ")
    assert Notification.objects.get().urgent


def test_always_at_once_ignores_the_choice_but_waits_for_the_morning(
    dsl, school, school_hours, django_capture_on_commit_callbacks
):
    AlertPreference.objects.create(user=dsl, kind="police_required", at_once=False)
    with time_machine.travel(_night(school_hours), tick=False), django_capture_on_commit_callbacks(execute=True):
        alert_send(alert=_alert(kind="police_required", always_at_once=True), recipients=[dsl], school=school)
    assert mail.outbox == []
    email = AlertEmail.objects.get()
    assert not email.in_digest and email.deliver_at > _night(school_hours)
    with (
        time_machine.travel(email.deliver_at + timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        alert_emails_sweep()
    assert len(mail.outbox) == 1


def test_a_cleared_notification_moves_to_the_history_and_its_email_is_not_sent(dsl, school, school_hours):
    alert_preferences_update(user=dsl, choices={"concern_raised": False})
    alert_send(alert=_alert(), recipients=[dsl], school=school)
    alert_send(alert=_alert(kind="case_assigned", title="Assigned", subject="case:9"), recipients=[dsl], school=school)
    assert unread_notification_count(dsl) == 2
    assert notifications_clear(subject="concern:1") == 1
    to_do, history = notifications_inbox(dsl)
    assert [n.subject for n in to_do] == ["case:9"] and [n.subject for n in history] == ["concern:1"]
    assert unread_notification_count(dsl) == 1
    assert AlertEmail.objects.get(notification__subject="concern:1").status == AlertEmail.Status.SKIPPED


def test_the_list_shows_what_needs_doing_first_urgent_at_the_top(dsl, school, login, school_hours):
    alert_send(alert=_alert(title="Old and done", subject="concern:1"), recipients=[dsl], school=school)
    notifications_clear(subject="concern:1")
    alert_send(alert=_alert(title="Ordinary one", subject="concern:2"), recipients=[dsl], school=school)
    alert_send(
        alert=_alert(kind="concern_urgent", title="Urgent one", subject="concern:3", urgent=True), recipients=[dsl], school=school
    )
    body = login(dsl).get(reverse("notification_list")).content.decode()
    assert body.index("Urgent one") < body.index("Ordinary one") < body.index("Old and done")


def test_a_refused_email_is_retried_then_shown_to_the_dsl(dsl, pastoral, school, login, school_hours, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({pastoral.email: (550, b"No such mailbox")})

    monkeypatch.setattr("safeguard.services.alerts.send_mail", refuse)
    alert_send(alert=_alert(kind="case_assigned", subject="case:1"), recipients=[pastoral], school=school)
    email = AlertEmail.objects.get()
    for _ in range(outbox.MAX_EMAIL_ATTEMPTS):
        email.refresh_from_db()
        with time_machine.travel(max(email.deliver_at, timezone.now()) + timedelta(seconds=1), tick=False):
            ids, token = outbox.claim_due(AlertEmail, now=timezone.now(), limit=10)
            assert ids == [email.pk]
            alert_email_deliver(email_id=email.pk, token=token)
    email.refresh_from_db()
    assert email.status == AlertEmail.Status.FAILED and email.attempts == outbox.MAX_EMAIL_ATTEMPTS
    assert "550 No such mailbox" in email.last_error
    page = login(dsl).get(reverse("school_settings")).content.decode()
    assert "Emails that could not be delivered" in page and pastoral.email in page and "550 No such mailbox" in page
    # The person still has it in Safeguard.
    assert Notification.objects.filter(recipient=pastoral, cleared_at__isnull=True).exists()


def test_the_alerts_page_offers_each_person_only_their_kinds_and_keeps_the_choice(dsl, pastoral, login):
    client = login(pastoral)
    page = client.get(reverse("alert_preferences")).content.decode()
    assert "You were assigned to a case" in page and "A new concern waiting for triage" not in page
    assert login(dsl).get(reverse("alert_preferences")).status_code == 200
    response = client.post(reverse("alert_preferences"), {"case_assigned": "summary"})
    assert response.status_code == 302
    assert AlertPreference.objects.get(user=pastoral, kind="case_assigned").at_once is False
