"""Sending exactly once: the claim, the back-off and the mail server's reason, shared by every
kind of row that leaves Safeguard as an email (reminders, alert emails).

A row to send has ``status`` (pending, claimed, sent, skipped, failed), ``deliver_at``,
``claim_token``, ``claimed_at``, ``attempts`` and ``last_error``. A sweep claims the rows due with
a fresh token (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite the IMMEDIATE
transaction already holds the only write lock) and queues a task with the ids and the token; the
task sends only rows still claimed with its token, so a stale or redelivered task sends nothing
twice. A claim no task finished (a worker killed mid-way) expires after ``CLAIM_LEASE`` and is
claimed again with a new token. An address the mail server refuses is tried again with back-off
(2, 4, 8… minutes, at most an hour apart) and after ``MAX_EMAIL_ATTEMPTS`` marked failed, with the
server's reason, for the DSLs to see.
"""

from __future__ import annotations

import smtplib
import uuid
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

PENDING, CLAIMED, SENT, SKIPPED, FAILED = "pending", "claimed", "sent", "skipped", "failed"
CLAIM_LEASE = timedelta(minutes=10)
MAX_EMAIL_ATTEMPTS = 6


def claim_due(model: type[Model], *, now: datetime, limit: int, where: Q | None = None) -> tuple[list[int], str]:
    """Claim up to ``limit`` rows due at ``now`` (and claims left unfinished past the lease).

    Pending rows first, then stale claims: two queries that each walk the (status, deliver_at)
    index, rather than one OR that would scan every row on each batch."""
    token = uuid.uuid4().hex
    wanted = (
        Q(status=PENDING, deliver_at__lte=now),
        Q(status=CLAIMED, deliver_at__lte=now, claimed_at__lt=now - CLAIM_LEASE),
    )
    ids: list[int] = []
    with transaction.atomic():
        for condition in wanted:
            if len(ids) >= limit:
                break
            due = model.objects.filter(condition)
            if where is not None:
                due = due.filter(where)
            due = due.order_by("deliver_at", "id")
            if connection.vendor == "postgresql":
                due = due.select_for_update(skip_locked=True)
            ids += list(due.values_list("id", flat=True)[: limit - len(ids)])
        if ids:
            model.objects.filter(id__in=ids).update(status=CLAIMED, claim_token=token, claimed_at=now)
    return ids, token


def claim_these(model: type[Model], ids: list[int], *, now: datetime | None = None) -> tuple[list[int], str]:
    """Claim the given rows, if still pending and due (to send them straight after a commit)."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        claimable = list(model.objects.filter(id__in=ids, status=PENDING, deliver_at__lte=now).values_list("id", flat=True))
        model.objects.filter(id__in=claimable, status=PENDING).update(status=CLAIMED, claim_token=token, claimed_at=now)
    return claimable, token


def release(model: type[Model], *, ids: list[int], token: str) -> int:
    """Give back claims whose tasks could not be queued (the broker is down): the next sweep retries."""
    with transaction.atomic():
        return model.objects.filter(id__in=ids, claim_token=token, status=CLAIMED).update(
            status=PENDING, claim_token="", claimed_at=None
        )


def email_failed(model: type[Model], *, pk: int, token: str, attempts: int, reason: str) -> str:
    """Record a refused email: try again later with back-off, or give up and show it.
    Returns "failed" or "retrying"."""
    attempts += 1
    with transaction.atomic():
        mine = model.objects.filter(pk=pk, claim_token=token, status=CLAIMED)
        if attempts >= MAX_EMAIL_ATTEMPTS:
            mine.update(status=FAILED, attempts=attempts, last_error=reason)
            return FAILED
        retry_at = timezone.now() + min(timedelta(minutes=2**attempts), timedelta(hours=1))
        mine.update(status=PENDING, claim_token="", claimed_at=None, deliver_at=retry_at, attempts=attempts, last_error=reason)
    return "retrying"


def smtp_reason(error: Exception) -> str:
    """The SMTP server's reason, without any message content."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [
            f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}" for code, msg in error.recipients.values()
        ]
        return ("The mail server refused the address: " + "; ".join(codes))[:300]
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        return f"The mail server answered {error.smtp_code}: {text}"[:300]
    return f"The mail server could not be reached ({type(error).__name__})."[:300]
