"""A child's file for a school without Safeguard: a link emailed to the new school's DSL, opened
only with a one-time code the sending DSL gives them by phone (issue 18, part 4).

KCSIE: the file goes securely, separately from the main pupil file, with confirmation of receipt.
Signal and CPOMS do the same for a school without the product: a link, checked by phone.

- The link holds a random token (``secrets.token_urlsafe(32)``); Safeguard keeps only its SHA-256,
  so a copy of the database opens nothing. The code (three groups of four digits, easy to read
  out on the phone) is kept only as a password hash (``make_password``).
- The email names the sending school and says a child's file is waiting and that the code comes
  by phone: never the child's name, never the code (docs/domain.md, "Security").
- The link is valid for 7 days. Every wrong code counts, in a transaction of its own so a request
  that fails afterwards still counts it; after 5 the link locks and the sending DSLs are told.
- Every download is audited; the recipient confirms receipt with their name and role, and the
  link dies. The sending DSL can send a new link and code (the old ones die at once).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from cases.models import FileTransfer, TransferRoute, TransferStatus
from desk.transfers import core
from safeguard.audit import audit_record
from safeguard.models import User
from safeguard.permissions import roles_at
from safeguard.roles import can_send_child_files
from safeguard.services.alerts import Alert, alert_send, notifications_clear

logger = logging.getLogger(__name__)

#: How long a link opens (issue 18: valid for 7 days).
LINK_VALID = timedelta(days=7)
#: Wrong codes before the link locks.
MAX_ATTEMPTS = 5
#: The code: this many groups of four digits (10^12 codes; five tries at most).
CODE_GROUPS = 3
#: A token as ``secrets.token_urlsafe(32)`` makes it is 43 characters; anything far off is no token.
TOKEN_MAX = 100

#: Why a link does not open, in the recipient's words (never the child, never the school's records).
REFUSALS = {
    "unknown": (
        "This link does not open anything",
        "Check that you copied the whole link from the email. If it still does not work, ask the school that "
        "sent it for a new link.",
    ),
    "expired": (
        "This link has expired",
        "Links to a child's file work for 7 days. Ask the school that sent it for a new link: they can send one straight away.",
    ),
    "locked": (
        "This link is locked",
        f"The code was entered wrongly {MAX_ATTEMPTS} times, so the link has been locked to keep the file safe. "
        "The school that sent it has been told. Ask them for a new link and code.",
    ),
    "ended": (
        "This link has ended",
        "Receipt of this file has been confirmed, so the link no longer opens. If you need the file again, ask the "
        "school that sent it.",
    ),
}

WRONG_CODE = "That code is not right. Check it with the person who gave it to you and try again."


class LinkRefused(Exception):
    """The link does not open: ``reason`` is a key of ``REFUSALS``."""

    def __init__(self, reason: str, transfer: FileTransfer | None = None):
        super().__init__(reason)
        self.reason = reason
        self.transfer = transfer

    @property
    def heading(self) -> str:
        return REFUSALS[self.reason][0]

    @property
    def advice(self) -> str:
        return REFUSALS[self.reason][1]


@dataclass(frozen=True)
class Unlock:
    """What a code did: opened the link, or not (and how many tries are left)."""

    opened: bool
    tries_left: int
    locked: bool = False

    def __bool__(self) -> bool:
        return self.opened


# --- Pure helpers ------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    """Three groups of four digits ("4821 0937 5530"): easy to read out and type."""
    digits = f"{secrets.randbelow(10 ** (4 * CODE_GROUPS)):0{4 * CODE_GROUPS}d}"
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def code_digits(text: str) -> str:
    """The code as typed, without the spaces or dashes people put in it."""
    return "".join(ch for ch in str(text or "") if ch.isdigit())[: 4 * CODE_GROUPS + 4]


def link_state(transfer: FileTransfer, *, now: datetime | None = None) -> str:
    """ "open", or why it does not open: "ended" (receipt given), "locked", "expired", "unknown"."""
    now = now or timezone.now()
    if not transfer.link_token_hash or transfer.route != TransferRoute.LINK:
        return "unknown"
    if transfer.link_ended_at is not None or transfer.status not in (TransferStatus.SENT, TransferStatus.VIEWED):
        return "ended"
    if transfer.link_locked_at is not None:
        return "locked"
    if transfer.link_expires_at is None or now >= transfer.link_expires_at:
        return "expired"
    return "open"


def link_url(token: str) -> str:
    return settings.BASE_URL + reverse("transfer_link", args=[token])


# --- Issuing -----------------------------------------------------------------------------------


def _issue(transfer: FileTransfer, *, actor: User, action: str, extra: dict | None = None) -> str:
    if transfer.route != TransferRoute.LINK:
        raise ValidationError("This file is not going by a link.")
    if not transfer.receiving_dsl_email:
        raise ValidationError("Give the new school's DSL's email address first, checked with them by phone.")
    token = new_token()
    code = new_code()
    now = timezone.now()
    transfer.link_token_hash = token_hash(token)
    transfer.link_code_hash = make_password(code_digits(code))
    transfer.link_expires_at = now + LINK_VALID
    transfer.link_failed_attempts = 0
    transfer.link_locked_at = None
    transfer.link_ended_at = None
    transfer.save(
        update_fields=[
            "link_token_hash",
            "link_code_hash",
            "link_expires_at",
            "link_failed_attempts",
            "link_locked_at",
            "link_ended_at",
        ]
    )
    audit_record(
        actor=actor,
        action=action,
        obj=transfer.pupil,
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk, "expires_at": transfer.link_expires_at.isoformat(), **(extra or {})},
    )
    transfer_id = transfer.pk
    transaction.on_commit(lambda: link_email_soon(transfer_id, token))
    return code


def link_issue(*, transfer: FileTransfer, actor: User) -> str:
    """Inside ``services.transfer_send``'s transaction (the transfer locked): a new link and code,
    the email queued for after the commit. Returns the code, shown once to the sending DSL."""
    return _issue(transfer, actor=actor, action="desk.transfer_link.issued")


@transaction.atomic
def link_reissue(*, actor: User, transfer: FileTransfer) -> str:
    """The sending DSL sends a new link and code (the link locked or expired, or the code lost):
    the old link dies at once. Returns the new code, shown once."""
    if not can_send_child_files(roles_at(actor, transfer.school_id)):
        raise ValidationError("Only the school's DSL or a deputy can do this.")
    transfer = core.lock_transfer(transfer)
    if transfer.route != TransferRoute.LINK or not transfer.link_token_hash:
        raise ValidationError("This file has not been sent by a link.")
    state = link_state(transfer)
    if state == "ended":
        raise ValidationError("The new school has confirmed receipt: no new link is needed.")
    code = _issue(transfer, actor=actor, action="desk.transfer_link.reissued", extra={"was": state})
    notifications_clear(subject=core.transfer_subject(transfer), kinds=["transfer_link_locked"])
    return code


def link_email_soon(transfer_id: int, token: str) -> None:
    """After the commit: the email goes from the worker (retried there); if the broker cannot be
    reached it is sent here and now, so the DSL's phone call is not waiting on an email that never
    went. The token travels in the task's arguments: it opens nothing without the code."""
    from desk.tasks import transfer_link_email  # the task module imports this one

    try:
        transfer_link_email.delay(transfer_id, token)
    except (KombuOperationalError, OSError):
        logger.warning("Broker unavailable: sending the link email for transfer %s in the request.", transfer_id)
        try:
            link_email_send(transfer_id=transfer_id, token=token)
        except Exception:
            logger.exception("The link email for transfer %s could not be sent.", transfer_id)


def link_email_send(*, transfer_id: int, token: str) -> bool:
    """Send the email with the link to the new school's DSL. Not if the link has been replaced or
    has ended since (a retry after a new link must not send the dead one). True if sent."""
    transfer = FileTransfer.objects.select_related("school").filter(pk=transfer_id).first()
    if transfer is None or transfer.link_token_hash != token_hash(token) or link_state(transfer) != "open":
        return False
    body = render_to_string(
        "desk/transfers/link_email.txt",
        {
            "transfer": transfer,
            "school": transfer.school,
            "link": link_url(token),
            "expires_at": timezone.localtime(transfer.link_expires_at),
        },
    )
    send_mail(
        f"A child protection file from {transfer.school.name} is waiting for you", body, None, [transfer.receiving_dsl_email]
    )
    return True


# --- The recipient's side (no login) -----------------------------------------------------------


def link_find(token: str) -> FileTransfer | None:
    """The transfer a link's token belongs to, whatever its state (None if it is no link of ours)."""
    token = str(token or "")
    if not token or len(token) > TOKEN_MAX:
        return None
    return FileTransfer.objects.select_related("school").filter(link_token_hash=token_hash(token)).first()


def link_open(token: str) -> FileTransfer:
    """The transfer behind a link that still opens; otherwise ``LinkRefused`` saying why (expired,
    ended on receipt, locked after wrong codes, or no such link). A refusal of a real link is
    audited (in its own transaction)."""
    transfer = link_find(token)
    if transfer is None:
        raise LinkRefused("unknown")
    state = link_state(transfer)
    if state != "open":
        with transaction.atomic():
            audit_record(
                actor=None,
                action="desk.transfer_link.refused",
                obj=("cases.pupil", transfer.pupil_id),
                school=transfer.school_id,
                extra={"transfer_id": transfer.pk, "reason": state},
            )
        raise LinkRefused(state, transfer)
    return transfer


def link_unlock(*, transfer: FileTransfer, code: str, remote_addr: str | None) -> Unlock:
    """Check the code. A wrong one is counted and audited in a transaction of its own, committed
    before this returns, so it counts whatever the request does next; the fifth locks the link and
    tells the sending DSLs (once). ``Unlock.opened`` is true if the code was right.

    Call it outside any transaction (views are not atomic)."""
    with transaction.atomic():
        transfer = core.lock_transfer(transfer)
        state = link_state(transfer)
        if state != "open":
            raise LinkRefused(state, transfer)
        if check_password(code_digits(code), transfer.link_code_hash):
            audit_record(
                actor=None,
                action="desk.transfer_link.unlocked",
                obj=transfer.pupil,
                school=transfer.school_id,
                extra={"transfer_id": transfer.pk, "remote_addr": remote_addr or ""},
            )
            return Unlock(opened=True, tries_left=MAX_ATTEMPTS - transfer.link_failed_attempts)
        transfer.link_failed_attempts += 1
        attempts = transfer.link_failed_attempts
        locked = attempts >= MAX_ATTEMPTS
        if locked:
            transfer.link_locked_at = timezone.now()
        transfer.save(update_fields=["link_failed_attempts", "link_locked_at"])
        audit_record(
            actor=None,
            action="desk.transfer_link.code_refused",
            obj=transfer.pupil,
            school=transfer.school_id,
            extra={"transfer_id": transfer.pk, "attempt": attempts, "remote_addr": remote_addr or ""},
        )
        if locked:
            audit_record(
                actor=None,
                action="desk.transfer_link.locked",
                obj=transfer.pupil,
                school=transfer.school_id,
                extra={"transfer_id": transfer.pk, "attempts": attempts},
            )
            alert_send(
                alert=Alert(
                    kind="transfer_link_locked",
                    title=f"The link for child's file T{transfer.pk} locked after {attempts} wrong codes",
                    url=reverse("transfer_detail", args=[transfer.pk]),
                    subject=core.transfer_subject(transfer),
                    always_at_once=True,
                    detail=(
                        "Phone the new school's DSL: if it was them, send a new link and code from the transfer's "
                        "page. If it was not, someone else has the link: tell your data protection officer."
                    ),
                ),
                recipients=core.leads_of(transfer.school_id),
                school=transfer.school,
            )
    return Unlock(opened=False, tries_left=max(0, MAX_ATTEMPTS - attempts), locked=locked)


@transaction.atomic
def link_download(*, transfer: FileTransfer, remote_addr: str | None) -> FileTransfer:
    """The recipient downloads the PDF (after the code): audited each time; the first moves the
    transfer to "opened by the new school"."""
    transfer = core.lock_transfer(transfer)
    state = link_state(transfer)
    if state != "open":
        raise LinkRefused(state, transfer)
    if not transfer.document:
        raise LinkRefused("unknown", transfer)
    audit_record(
        actor=None,
        action="desk.transfer_link.downloaded",
        obj=transfer.pupil,
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk, "remote_addr": remote_addr or ""},
    )
    core.mark_viewed(transfer=transfer)
    return transfer


NAME_REQUIRED = "Give your name, as the school's records should show who received the file."
ROLE_REQUIRED = "Give your role at your school, for example Designated Safeguarding Lead."
DOWNLOAD_FIRST = "Download the file first, then confirm that you have received it."


@transaction.atomic
def link_confirm(*, transfer: FileTransfer, name: str, role: str) -> FileTransfer:
    """The recipient confirms receipt with their name and role (KCSIE: confirmation of receipt):
    the transfer is done, the sending DSLs are told, and the link dies."""
    transfer = core.lock_transfer(transfer)
    state = link_state(transfer)
    if state != "open":
        raise LinkRefused(state, transfer)
    name, role = (name or "").strip(), (role or "").strip()
    errors = {}
    if not name:
        errors["name"] = NAME_REQUIRED
    if not role:
        errors["role"] = ROLE_REQUIRED
    if transfer.viewed_at is None:
        errors["__all__"] = DOWNLOAD_FIRST
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    transfer.link_ended_at = now  # saved with the receipt
    core.mark_accepted(transfer=transfer, name=name, role=role, actor=None, now=now, how="link")
    return transfer


__all__ = [
    "LINK_VALID",
    "MAX_ATTEMPTS",
    "REFUSALS",
    "LinkRefused",
    "Unlock",
    "code_digits",
    "link_confirm",
    "link_download",
    "link_email_send",
    "link_find",
    "link_issue",
    "link_open",
    "link_reissue",
    "link_state",
    "link_unlock",
    "token_hash",
]
