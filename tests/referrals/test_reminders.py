"""Reminders: which exist when, delivered once, in-app and by email with no case content."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Reminder, ReminderKind, ReminderStatus, Step
from referrals.services.reminders import MAX_EMAIL_ATTEMPTS, reminder_deliver, reminders_claim, reminders_plan, reminders_sweep
from safeguard.models import MemberSettings, Notification
from tests.factories import PupilFactory, make_case

# A Tuesday in term, mid-morning in London (GMT): outside quiet hours.
TUESDAY_10AM = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def tuesday_morning():
    with time_machine.travel(TUESDAY_10AM, tick=True):
        yield


@pytest.fixture
def ava(school):
    return PupilFactory(
        school=school, first_name="Ava", last_name="Hiddenname", date_of_birth=timezone.localdate() - timedelta(days=15 * 365)
    )


@pytest.fixture
def case(dsl, school, ava):
    return make_case(actor=dsl, school=school, pupils=[ava], summary="Secret summary text that must never be emailed.")


def _todo(case, dsl, code="R6", due=None, owner=None):
    step = Step.objects.get(case=case, route__code=code)
    services.step_accept(actor=dsl, step=step, owner=owner or dsl, due_date=due or timezone.localdate())
    return step


def _kinds(**filters) -> list[tuple[str, int]]:
    return sorted(Reminder.objects.filter(**filters).values_list("kind", "recipient_id"))


def test_a_step_due_today_reminds_its_owner_once(case, dsl, pastoral):
    step = _todo(case, dsl, owner=pastoral)
    reminders_plan()
    reminders_plan()  # a second sweep plans nothing new: the key exists once
    assert _kinds(step=step) == [(ReminderKind.STEP_DUE, pastoral.pk)]


def test_an_overdue_step_reminds_daily_and_escalates_to_every_dsl(case, dsl, deputy, pastoral):
    step = _todo(case, dsl, owner=pastoral)  # due Tuesday 24 Nov
    with time_machine.travel(TUESDAY_10AM + timedelta(days=1), tick=False):  # Wednesday: 1 working day late
        reminders_plan()
        assert _kinds(step=step, kind=ReminderKind.STEP_OVERDUE) == [(ReminderKind.STEP_OVERDUE, pastoral.pk)]
    with time_machine.travel(TUESDAY_10AM + timedelta(days=2), tick=False):  # Thursday: 2 working days late
        reminders_plan()
        thursday = Reminder.objects.filter(step=step, kind=ReminderKind.STEP_OVERDUE, due_on=datetime(2026, 11, 26).date())
        assert sorted(thursday.values_list("recipient_id", flat=True)) == sorted([pastoral.pk, dsl.pk, deputy.pk])


def test_escalation_counts_working_days(case, dsl, deputy, pastoral, school):
    school.overdue_escalation_days = 2
    school.save()
    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=UTC), tick=False):  # Friday
        step = _todo(case, dsl, owner=pastoral)
    with time_machine.travel(datetime(2026, 11, 29, 10, 0, tzinfo=UTC), tick=False):  # Sunday: 0 working days late
        reminders_plan()
        assert set(
            Reminder.objects.filter(step=step, due_on=datetime(2026, 11, 29).date()).values_list("recipient_id", flat=True)
        ) == {pastoral.pk}


def test_a_required_police_referral_not_made_by_the_end_of_the_day_goes_to_every_dsl(dsl, deputy, school, ava):
    case = make_case(actor=dsl, school=school, pupils=[ava], answers={"C1": "yes", "C2": "no", "C4": "no", "C6": "no"})
    reminders_plan()
    not_made = Reminder.objects.filter(case=case, kind=ReminderKind.POLICE_NOT_MADE)
    assert sorted(not_made.values_list("recipient_id", flat=True)) == sorted([dsl.pk, deputy.pk])
    assert not_made.first().deliver_at == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    # Not due yet at 10:00: claiming now leaves them waiting for 16:00.
    claimed, _ = reminders_claim()
    assert not set(claimed) & set(not_made.values_list("id", flat=True))
    with time_machine.travel(datetime(2026, 11, 24, 16, 1, tzinfo=UTC), tick=False):
        later, _ = reminders_claim()
    assert set(not_made.values_list("id", flat=True)) <= set(later)


def test_a_reminder_that_no_longer_applies_is_skipped(dsl, deputy, school, ava):
    case = make_case(actor=dsl, school=school, pupils=[ava], answers={"C1": "yes", "C2": "no", "C4": "no", "C6": "no"})
    reminders_plan()
    police = Step.objects.get(case=case, route__code="R7")
    services.step_mark_made(actor=dsl, step=police, made_at=timezone.now(), made_how="phone_101")
    with time_machine.travel(datetime(2026, 11, 24, 16, 5, tzinfo=UTC), tick=False):
        reminders_sweep()
    statuses = set(Reminder.objects.filter(kind=ReminderKind.POLICE_NOT_MADE).values_list("status", flat=True))
    assert statuses == {ReminderStatus.SKIPPED}
    assert not Notification.objects.filter(kind=ReminderKind.POLICE_NOT_MADE).exists()


def test_acknowledgement_is_chased_after_two_working_days(case, dsl):
    step = _todo(case, dsl, code="R1")
    services.step_mark_made(actor=dsl, step=step, made_at=timezone.now(), made_how="online")
    reminders_plan()
    assert not Reminder.objects.filter(kind=ReminderKind.ACK_CHASE).exists()
    with time_machine.travel(TUESDAY_10AM + timedelta(days=2), tick=False):  # Thursday
        reminders_plan()
        assert _kinds(kind=ReminderKind.ACK_CHASE) == [(ReminderKind.ACK_CHASE, dsl.pk)]


def test_a_platform_report_unresolved_after_48_hours(case, dsl):
    step = _todo(case, dsl, code="R1")
    services.step_mark_made(actor=dsl, step=step, made_at=timezone.now(), made_how="online")
    with time_machine.travel(TUESDAY_10AM + timedelta(hours=47), tick=False):
        reminders_plan()
        assert not Reminder.objects.filter(kind=ReminderKind.PLATFORM_UNRESOLVED).exists()
    with time_machine.travel(TUESDAY_10AM + timedelta(hours=49), tick=False):
        reminders_plan()
        assert _kinds(kind=ReminderKind.PLATFORM_UNRESOLVED) == [(ReminderKind.PLATFORM_UNRESOLVED, dsl.pk)]


def test_a_review_due_and_an_action_due(case, dsl, pastoral):
    services.action_create(actor=dsl, case=case, owner=pastoral, title="Check in", due_date=timezone.localdate())
    reminders_plan()
    assert _kinds(kind=ReminderKind.ACTION_DUE) == [(ReminderKind.ACTION_DUE, pastoral.pk)]
    with time_machine.travel(TUESDAY_10AM + timedelta(days=14), tick=False):
        reminders_plan()
        assert _kinds(kind=ReminderKind.REVIEW_DUE) == [(ReminderKind.REVIEW_DUE, dsl.pk)]


def test_the_morning_digest_goes_to_each_dsl_who_wants_it(case, dsl, deputy, school):
    _todo(case, dsl)
    MemberSettings.objects.create(user=deputy, school=school, digest=False)
    reminders_plan()
    digests = Reminder.objects.filter(kind=ReminderKind.DIGEST)
    assert list(digests.values_list("recipient_id", flat=True)) == [dsl.pk]
    assert digests.get().counts["due_today"] == 1


def test_no_digest_about_nothing(dsl, school):
    reminders_plan()
    assert not Reminder.objects.filter(kind=ReminderKind.DIGEST).exists()


def test_no_digest_on_a_bank_holiday(case, dsl):
    _todo(case, dsl, due=datetime(2026, 12, 29).date())
    with time_machine.travel(datetime(2026, 12, 28, 9, 0, tzinfo=UTC), tick=False):  # Boxing Day (observed)
        reminders_plan()
        digest = Reminder.objects.get(kind=ReminderKind.DIGEST)
        assert digest.deliver_at == datetime(2026, 12, 29, 7, 30, tzinfo=UTC)


def test_delivery_in_app_and_by_email_without_case_content(case, dsl, pastoral, django_capture_on_commit_callbacks):
    _todo(case, dsl, owner=pastoral)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = reminders_sweep()
    assert result["claimed"] >= 1
    reminder = Reminder.objects.get(kind=ReminderKind.STEP_DUE)
    assert reminder.status == ReminderStatus.SENT and reminder.email_sent_at and reminder.notification
    assert reminder.notification.title == f"Case {case.reference}: a referral step is due today"
    emails = [m for m in mail.outbox if m.to == [pastoral.email]]
    assert len(emails) == 1
    text = emails[0].subject + emails[0].body
    for secret in ("Ava", "Hiddenname", "Secret summary", case.summary, "Snapchat"):
        assert secret not in text
    assert "http://127.0.0.1:8000" + reverse("case_detail", args=[case.pk]) in emails[0].body


def test_delivery_is_idempotent_and_ignores_stale_tokens(case, dsl):
    _todo(case, dsl)
    reminders_plan()
    ids, token = reminders_claim()
    first = ids[0]
    assert reminder_deliver(reminder_id=first, token="someone-elses-token") == "not mine"
    assert reminder_deliver(reminder_id=first, token=token) == "sent"
    assert reminder_deliver(reminder_id=first, token=token) == "not mine"
    assert Notification.objects.filter(kind=Reminder.objects.get(pk=first).kind, recipient=dsl).count() == 1


def test_a_claim_left_unfinished_is_claimed_again_after_the_lease(case, dsl):
    _todo(case, dsl)
    reminders_plan()
    ids, old = reminders_claim()
    assert reminders_claim()[0] == []  # still held
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        again, new = reminders_claim()
    assert sorted(again) == sorted(ids) and new != old
    assert reminder_deliver(reminder_id=ids[0], token=old) == "not mine"
    assert reminder_deliver(reminder_id=ids[0], token=new) == "sent"


class RefusingBackend:
    """An SMTP server that bounces every address."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({m.to[0]: (550, b"5.1.1 mailbox unavailable") for m in messages})


def test_a_bounced_address_is_recorded_retried_with_back_off_then_failed_and_shown(case, dsl, settings, login):
    settings.EMAIL_BACKEND = "tests.referrals.test_reminders.RefusingBackend"
    _todo(case, dsl)
    reminders_plan()
    reminder = Reminder.objects.get(kind=ReminderKind.STEP_DUE)
    now = timezone.now()
    for attempt in range(1, MAX_EMAIL_ATTEMPTS + 1):
        with time_machine.travel(now + timedelta(hours=attempt), tick=False):
            ids, token = reminders_claim()
            assert reminder.pk in ids
            reminder_deliver(reminder_id=reminder.pk, token=token)
        reminder.refresh_from_db()
        assert reminder.attempts == attempt
        assert "550 5.1.1 mailbox unavailable" in reminder.last_error
        if attempt < MAX_EMAIL_ATTEMPTS:
            assert reminder.status == ReminderStatus.PENDING and reminder.deliver_at > now + timedelta(hours=attempt)
    assert reminder.status == ReminderStatus.FAILED
    assert reminder.notification is not None  # the person still sees it in Safeguard
    page = login(dsl).get(reverse("school_settings")).content.decode()
    assert "Emails that could not be delivered" in page and "mailbox unavailable" in page


def test_a_broker_outage_delays_but_loses_nothing_and_the_page_still_works(
    dsl, school, ava, settings, login, django_capture_on_commit_callbacks, school_hours
):
    from safeguard.celery import app
    from safeguard.models import AlertEmail
    from safeguard.services.alerts import alert_emails_sweep
    from tests.cases.helpers import disclosure_post
    from tests.conftest import _reset_pools

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "broker_connection_timeout")}
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0", broker_connection_timeout=0.5)
    _reset_pools(app)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = login(dsl).post(reverse("disclosure_new"), disclosure_post(pupils=[(ava, "harmed")], answer_c1="yes"))
        assert response.status_code == 302  # the page that caused the alert still works
        alert = AlertEmail.objects.get(notification__kind="police_required", recipient=dsl)
        assert alert.status == AlertEmail.Status.PENDING  # released when the broker refused
        with django_capture_on_commit_callbacks(execute=True):
            result = alert_emails_sweep()
        assert result["claimed"] >= 1 and result["queued"] == 0
        assert set(AlertEmail.objects.values_list("status", flat=True)) <= {AlertEmail.Status.PENDING}
    finally:
        app.conf.update(saved)
        _reset_pools(app)
    # The broker is back (eager here): the next sweep sends everything, once.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alert_emails_sweep()
        alert_emails_sweep()
    alert.refresh_from_db()
    assert alert.status == AlertEmail.Status.SENT
    assert len([m for m in mail.outbox if m.to == [dsl.email] and "police referral" in m.subject.lower()]) == 1


def test_the_reminders_command_lists_a_schools_reminders(case, dsl, school, capsys):
    from django.core.management import call_command

    _todo(case, dsl)
    reminders_plan()
    call_command("reminders", "--school", school.code)
    out = capsys.readouterr().out
    assert "pending" in out and "step_due" in out and dsl.email in out and "Ava" not in out


def test_the_demo_overdue_step_produces_an_in_app_notification_and_an_email_without_names(db, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    from cases.models import CaseChild, Pupil

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    overdue = Reminder.objects.filter(kind=ReminderKind.STEP_OVERDUE, status=ReminderStatus.SENT)
    assert overdue.exists()
    reminder = overdue.first()
    assert reminder.notification.title.endswith("a referral step is overdue")
    emails = [m for m in mail.outbox if m.subject == "Safeguard: a referral step is overdue"]
    assert emails
    was_due = reminder.step.due_date
    assert f"it was due on {was_due.day} {was_due:%B}" in emails[0].body
    names = set()
    for pupil in Pupil.objects.filter(pk__in=CaseChild.objects.values("pupil_id")):
        names |= {pupil.first_name, pupil.last_name}
    for email in mail.outbox:
        assert not any(name in email.body or name in email.subject for name in names), email.body


def test_the_dsl_turns_the_digest_off_for_a_deputy_on_the_settings_page(case, dsl, deputy, school, login):
    _todo(case, dsl)
    data = {
        "high_number_threshold": "5",
        "police_referral_due_days": "0",
        "acknowledgement_chase_days": "2",
        "platform_check_hours": "48",
        "review_interval_days": "14",
        "overdue_escalation_days": "3",
        "quiet_hours_start": "20:00",
        "quiet_hours_end": "07:00",
        "school_day_end": "15:30",
        f"digest-digest_{dsl.pk}": "on",
    }
    response = login(dsl).post(reverse("school_settings"), data)
    assert response.status_code == 302
    school.refresh_from_db()
    assert (school.overdue_escalation_days, school.school_day_end.hour, school.school_day_end.minute) == (3, 15, 30)
    assert MemberSettings.objects.get(user=deputy, school=school).digest is False
    reminders_plan()
    assert list(Reminder.objects.filter(kind=ReminderKind.DIGEST).values_list("recipient_id", flat=True)) == [dsl.pk]
