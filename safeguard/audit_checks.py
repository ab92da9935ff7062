"""The nightly check of the audit log, and who is told about it.

The walk itself (``safeguard.audit.verify_log``) runs outside any transaction; the record of the
check, the alerts to every DSL, deputy and head teacher when it finds a break, and the nightly
digest of each school's chain head to its head teachers are written together.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from safeguard.audit import ChainReport, verification_record, verify_log
from safeguard.models import AuditVerification, Notification, StaffRole, User
from safeguard.roles import READS_ALL_CASES, Role

logger = logging.getLogger(__name__)

CHAIN_ALERT_KIND = "audit_chain_broken"
CHAIN_ALERT_TITLE = "The audit log failed its integrity check"


def audit_chain_check(*, alert: bool = True, digest: bool = False) -> AuditVerification:
    """Check the whole audit log (every chain, every verification record's seal) and record the
    result, sealed, with the head of every chain; see :func:`audit_chain_record`."""
    return audit_chain_record(report=verify_log(), alert=alert, digest=digest)


def audit_chain_record(*, report: ChainReport, alert: bool = True, digest: bool = False) -> AuditVerification:
    """Record one check of the audit log. On a newly found break, alert every DSL, Deputy DSL and
    head teacher of every school, in Safeguard and by email; with ``digest`` (the nightly check),
    email each school's head teachers the result and their school's chain head.

    The walk itself runs outside any transaction (it streams every event); only the record, the
    alerts and the emails (sent after commit) are written together. A break already reported is
    not alerted again each night.
    """
    previous = AuditVerification.objects.order_by("-ran_at", "-pk").first()
    with transaction.atomic():
        check = verification_record(report)
        if not report.ok:
            logger.error("Audit log broken at %s (%s).", report.broken.where, report.broken.problem)
            already = (
                previous is not None
                and not previous.ok
                and (previous.first_broken_id, previous.detail) == (check.first_broken_id, check.detail)
            )
            if alert and not already:
                _alert_chain_broken(report)
        if digest:
            _email_head_digests(check, report)
    return check


def chain_alert_recipients() -> dict[int, tuple[User, int]]:
    """Every active DSL, Deputy DSL and head teacher, once each, with one school of theirs."""
    people: dict[int, tuple[User, int]] = {}
    for role in (
        StaffRole.objects.filter(role__in=READS_ALL_CASES, user__is_active=True).select_related("user").order_by("school_id")
    ):
        people.setdefault(role.user_id, (role.user, role.school_id))
    return people


def _alert_chain_broken(report: ChainReport) -> None:
    url = reverse("reports")
    people = chain_alert_recipients()
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(recipient=user, school_id=school_id, kind=CHAIN_ALERT_KIND, title=CHAIN_ALERT_TITLE, url=url, created_at=now)
        for user, school_id in people.values()
    )
    # The email names the event number and what is wrong with it: never case content.
    body = (
        "Safeguard's check of its audit log found that the log has been altered.\n\n"
        f"{report.broken.detail}\n\n"
        "The audit log records who opened and changed each safeguarding record. Ask your IT administrator "
        "to investigate, and keep this email.\n\n"
        f"The reports page shows the result of each check: {settings.BASE_URL}{url}\n"
    )
    addresses = sorted(user.email for user, _ in people.values())

    def send() -> None:
        for address in addresses:
            try:
                send_mail("Safeguard: the audit log failed its integrity check", body, None, [address])
            except (smtplib.SMTPException, OSError):  # one refused address must not stop the others
                logger.exception("Could not email the audit-chain alert to one recipient.")

    transaction.on_commit(send, robust=True)


DIGEST_TEMPLATE = "safeguard/email/audit_digest.txt"


def _email_head_digests(check: AuditVerification, report: ChainReport) -> None:
    """Each school's head teachers get a short email after the nightly check: the date, whether
    it passed, and the head of their school's chain (last event id and the start of its hash).

    Kept in the head's inbox, the chain head is a record outside Safeguard's database: were the
    log ever rewritten, that event would no longer have that hash. No case content, no names
    of children: only numbers and the school's name.
    """
    day = timezone.localdate(check.ran_at)
    messages = []
    roles = (
        StaffRole.objects.filter(role=Role.HEAD, user__is_active=True)
        .select_related("user", "school")
        .order_by("school_id", "user_id")
    )
    for role in roles:
        head = report.heads.get(role.school_id)
        context = {
            "name": role.user.full_name,
            "school": role.school.name,
            "day": f"{day.day} {day:%B %Y}",
            "ok": check.ok,
            "detail": check.detail,
            "head_id": head[0] if head else None,
            "head_hash": head[1][:16] if head else "",
            "url": f"{settings.BASE_URL}{reverse('reports')}",
        }
        subject = f"Safeguard: audit log check {'passed' if check.ok else 'FAILED'} for {role.school.name}, {context['day']}"
        messages.append((subject, render_to_string(DIGEST_TEMPLATE, context), role.user.email))

    def send() -> None:
        for subject, body, address in messages:
            try:
                send_mail(subject, body, None, [address])
            except Exception as error:  # a refused digest must neither stop the others nor fail the check
                logger.warning("Could not email the nightly audit digest to one head teacher (%s).", type(error).__name__)

    transaction.on_commit(send, robust=True)
