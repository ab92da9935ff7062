"""Alerts: everything that asks someone to act reaches them at once, in Safeguard and by email.

An alert is written inside the transaction of the change that causes it: a notification (in
Safeguard at once) and its email (``AlertEmail``), which the Celery worker sends once the change
commits, exactly once (``safeguard.outbox``). Each person chooses, per kind, the email at once or
in one morning summary (``AlertPreference``); an *urgent* alert (a child in immediate danger) and
those the sender marks ``always_at_once`` (a required police referral) ignore that choice, and an
urgent one ignores quiet hours too.

A notification names the kind of thing, a reference and a link: never a child's name or case
content (docs/domain.md, "Security"); the email says the same. When what it asks about no longer
asks anything of anyone, the service that finished it clears it (``notifications_clear``).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from safeguard import outbox
from safeguard.models import AlertEmail, AlertPreference, Notification, School, User
from safeguard.school_hours import deliver_at, hours_of, local, morning

logger = logging.getLogger(__name__)

#: Alert emails per send task (one broker message), and claimed per sweep round.
SEND_BATCH = 100
CLAIM_BATCH = 2000


@dataclass(frozen=True)
class Alert:
    kind: str
    #: What it is, with a reference and never a child's name ("New concern HTA-C2612-0003").
    title: str
    url: str
    #: What it asks about ("concern:12"), so it can clear itself when that is done.
    subject: str
    case_id: int | None = None
    #: A child in immediate danger: flagged, at once, whatever the hour or the person's choice.
    urgent: bool = False
    #: At once whatever the person chose (a required police referral), but not in quiet hours.
    always_at_once: bool = False
    #: A change to who can read cases that took effect without a second person: at once, whatever
    #: the hour or the person's choice, so whoever did not expect it can stop it (not flagged urgent).
    security: bool = False
    #: One more line for the email (no child's name, no case content).
    detail: str = ""


def _preferences(users: list[User], kind: str) -> dict[int, bool]:
    rows = AlertPreference.objects.filter(user__in=users, kind=kind).values_list("user_id", "at_once")
    return dict(rows)


def _when(alert: Alert, *, at_once: bool, school: School, now: datetime) -> tuple[datetime, bool]:
    """When its email goes, and whether in the morning summary."""
    if alert.urgent or alert.security:
        return now, False
    hours = hours_of(school)
    if at_once or alert.always_at_once:
        return deliver_at(now, hours), False
    today = local(now).date()
    start = morning(today, hours)
    return (start if now < start else morning(today + timedelta(days=1), hours)), True


#: Rules that take people out of an alert about a case (issue 17: the member of staff an
#: allegation is about never hears of it, not even its number). The core knows no cases: the cases
#: app registers its rule when it is ready (cases/apps.py).
_case_audience_rules: list[Callable[[int, list[User]], list[User]]] = []


def register_case_audience_rule(rule: Callable[[int, list[User]], list[User]]) -> None:
    if rule not in _case_audience_rules:
        _case_audience_rules.append(rule)


def alert_send(*, alert: Alert, recipients: Iterable[User], school: School) -> list[Notification]:
    """Tell each recipient: in Safeguard now, by email once this transaction commits (or in the
    morning summary, or after quiet hours). Call it inside the service that causes it."""
    people = list({user.pk: user for user in recipients if user is not None and user.is_active}.values())
    if alert.case_id is not None:
        for rule in _case_audience_rules:
            people = rule(alert.case_id, people)
    if not people:
        return []
    now = timezone.now()
    chosen = _preferences(people, alert.kind)
    notifications = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            school=school,
            kind=alert.kind,
            title=alert.title[:200],
            url=alert.url,
            subject=alert.subject,
            case_id=alert.case_id,
            urgent=alert.urgent,
            created_at=now,
        )
        for user in people
    )
    subject = ("URGENT: " if alert.urgent else "") + f"Safeguard: {alert.title}"
    body = render_to_string(
        "safeguard/email/alert.txt",
        {"alert": alert, "link": settings.BASE_URL + alert.url, "school": school},
    )
    emails = []
    for user, notification in zip(people, notifications, strict=True):
        when, in_digest = _when(alert, at_once=chosen.get(user.pk, True), school=school, now=now)
        emails.append(
            AlertEmail(
                notification=notification,
                recipient=user,
                school=school,
                subject_line=subject[:200],
                body=body,
                deliver_at=when,
                in_digest=in_digest,
            )
        )
    AlertEmail.objects.bulk_create(emails)
    due_now = [email.pk for email in emails if email.deliver_at <= now and not email.in_digest]
    if due_now:
        transaction.on_commit(lambda: alert_emails_send_soon(due_now), robust=True)
    return notifications


def notifications_clear(
    *,
    subject: str | None = None,
    case_id: int | None = None,
    kinds: Iterable[str] | None = None,
    recipients: Iterable[User] | None = None,
) -> int:
    """What these notifications asked about no longer asks anything of anyone (the concern was
    triaged, the step made, the case closed): they move to the history, and an email not yet sent
    is not sent. Inside the service that finished it."""
    if subject is None and case_id is None and recipients is None:
        raise ValueError("Say which notifications: a subject, a case or the people they are for.")
    qs = Notification.objects.filter(cleared_at__isnull=True)
    if subject is not None:
        qs = qs.filter(subject=subject)
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    if recipients is not None:
        qs = qs.filter(recipient__in=[user.pk for user in recipients])
    now = timezone.now()
    AlertEmail.objects.filter(notification__in=qs.values("pk"), status=outbox.PENDING).update(status=outbox.SKIPPED, sent_at=now)
    return qs.update(cleared_at=now)


# --- Sending -----------------------------------------------------------------------------------------


def alert_emails_send_soon(ids: list[int]) -> int:
    """Straight after a commit: claim these emails and queue them (if the broker is down, the sweep
    sends them a few minutes later)."""
    claimed, token = outbox.claim_these(AlertEmail, ids)
    return _enqueue(claimed, token)


def _enqueue(ids: list[int], token: str) -> int:
    from safeguard.tasks import send_alert_emails  # the task module imports this one

    for position in range(0, len(ids), SEND_BATCH):
        try:
            send_alert_emails.delay(ids[position : position + SEND_BATCH], token)
        except (KombuOperationalError, OSError):  # the broker is down or unreachable
            released = outbox.release(AlertEmail, ids=ids[position:], token=token)
            logger.warning("Broker unavailable: %d alert email(s) left pending for the next sweep.", released)
            return position
    return len(ids)


def alert_emails_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Celery beat, every few minutes: claim and queue what is due (emails after quiet hours, those
    a broker outage held back, retries), and send each person's morning summary."""
    now = now or timezone.now()
    claimed = queued = 0
    while True:
        ids, token = outbox.claim_due(AlertEmail, now=now, limit=CLAIM_BATCH, where=Q(in_digest=False))
        if not ids:
            break
        claimed += len(ids)
        queued += _enqueue(ids, token)
        if len(ids) < CLAIM_BATCH or queued < claimed:
            break
    summaries = 0
    for recipient_id in (
        AlertEmail.objects.filter(in_digest=True, status=outbox.PENDING, deliver_at__lte=now)
        .values_list("recipient_id", flat=True)
        .distinct()
    ):
        ids, token = outbox.claim_due(AlertEmail, now=now, limit=500, where=Q(in_digest=True, recipient_id=recipient_id))
        if ids:
            summaries += 1
            alert_summary_deliver(ids=ids, token=token)
    return {"claimed": claimed, "queued": queued, "summaries": summaries}


def alert_email_deliver(*, email_id: int, token: str) -> str:
    """Send one claimed alert email. Idempotent: does nothing unless still claimed with ``token``."""
    email = AlertEmail.objects.select_related("recipient", "notification").filter(pk=email_id).first()
    if email is None or email.status != outbox.CLAIMED or email.claim_token != token:
        return "not mine"
    if not email.recipient.is_active:
        AlertEmail.objects.filter(pk=email.pk, claim_token=token).update(
            status=outbox.SKIPPED, last_error="The recipient's account is deactivated."
        )
        return outbox.SKIPPED
    if email.notification.cleared_at is not None:
        AlertEmail.objects.filter(pk=email.pk, claim_token=token).update(status=outbox.SKIPPED, sent_at=timezone.now())
        return outbox.SKIPPED
    try:
        send_mail(email.subject_line, email.body, None, [email.recipient.email])
    except (smtplib.SMTPException, OSError) as error:
        return outbox.email_failed(
            AlertEmail, pk=email.pk, token=token, attempts=email.attempts, reason=outbox.smtp_reason(error)
        )
    AlertEmail.objects.filter(pk=email.pk, claim_token=token, status=outbox.CLAIMED).update(
        status=outbox.SENT, sent_at=timezone.now(), attempts=email.attempts + 1, last_error=""
    )
    return outbox.SENT


def alert_summary_deliver(*, ids: list[int], token: str) -> str:
    """One person's morning summary: every alert they chose to get this way, in one email."""
    emails = list(
        AlertEmail.objects.filter(pk__in=ids, claim_token=token, status=outbox.CLAIMED)
        .select_related("recipient", "notification", "school")
        .order_by("created_at", "pk")
    )
    if not emails:
        return "not mine"
    still = [email for email in emails if email.notification.cleared_at is None]
    AlertEmail.objects.filter(pk__in=[e.pk for e in emails if e not in still]).update(
        status=outbox.SKIPPED, sent_at=timezone.now()
    )
    if not still:
        return outbox.SKIPPED
    recipient = still[0].recipient
    body = render_to_string(
        "safeguard/email/alert_summary.txt",
        {"user": recipient, "items": [(e.notification.title, settings.BASE_URL + e.notification.url) for e in still]},
    )
    try:
        send_mail(f"Safeguard: {len(still)} thing{'s' if len(still) != 1 else ''} for you today", body, None, [recipient.email])
    except (smtplib.SMTPException, OSError) as error:
        reason = outbox.smtp_reason(error)
        for email in still:
            outbox.email_failed(AlertEmail, pk=email.pk, token=token, attempts=email.attempts, reason=reason)
        return "retrying"
    AlertEmail.objects.filter(pk__in=[e.pk for e in still], claim_token=token).update(
        status=outbox.SENT, sent_at=timezone.now(), last_error=""
    )
    return outbox.SENT


@transaction.atomic
def alert_preferences_update(*, user: User, choices: dict[str, bool]) -> list[str]:
    """Each person's choice, per kind of alert: the email at once (True) or in the morning summary."""
    changed = []
    current = dict(AlertPreference.objects.filter(user=user).values_list("kind", "at_once"))
    for kind, at_once in choices.items():
        if current.get(kind, True) == at_once:
            continue
        AlertPreference.objects.update_or_create(user=user, kind=kind, defaults={"at_once": at_once})
        changed.append(kind)
    return changed
