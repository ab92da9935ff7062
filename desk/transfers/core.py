"""The writes every route of a child's file shares: sent, opened, receipt confirmed, declined.

Each is called inside its caller's transaction (the routes' services: ``services``, ``remote``,
``links``), writes the audit event beside the change, and tells the people who must act. Alerts
name the school and the transfer's number, never the child (docs/domain.md, "Security").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cases.models import FileTransfer, ReceivedFile, ReceivedStatus, TransferStatus
from desk.transfers.deadlines import file_due
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.roles import SAFEGUARDING_LEADS
from safeguard.selectors import school_calendar, users_with_role
from safeguard.services.alerts import Alert, alert_send, notifications_clear
from safeguard.terms import academic_year_of


def leads_of(school: School | int):
    """The school's DSLs and deputies: who sends and receives children's files."""
    school_id = school if isinstance(school, int) else school.pk
    return users_with_role(school_id, SAFEGUARDING_LEADS)


def calendar_around(school_id: int, day) -> dict:
    """The school's term dates for the year of ``day`` and the two after (a file due in the new term)."""
    start = academic_year_of(day)
    return school_calendar(school_id, [start - 1, start, start + 1, start + 2])


def due_for(transfer: FileTransfer) -> date:
    return file_due(
        left_on=transfer.left_on,
        calendar=calendar_around(transfer.school_id, transfer.left_on),
        new_term=transfer.move == "new_term",
        on_roll_confirmed_on=transfer.on_roll_confirmed_on,
    )


def transfer_subject(transfer: FileTransfer) -> str:
    return f"transfer:{transfer.pk}"


def received_subject(received: ReceivedFile) -> str:
    return f"received:{received.pk}"


def lock_transfer(transfer: FileTransfer) -> FileTransfer:
    """The transfer's row, locked for this transaction (two DSLs moving it at once)."""
    return FileTransfer.objects.select_for_update().get(pk=transfer.pk)


def lock_received(received: ReceivedFile) -> ReceivedFile:
    return ReceivedFile.objects.select_for_update().get(pk=received.pk)


#: The files written inside the current ``files_removed_on_failure`` block.
_written: ContextVar[list | None] = ContextVar("safeguard_transfer_files", default=None)


@contextmanager
def files_removed_on_failure() -> Iterator[None]:
    """Around a transaction that stores a document: if it fails, the files it wrote are removed,
    so no copy of a child's file is left on disk without its record. Outside ``transaction.atomic``."""
    written: list = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
    finally:
        _written.reset(token)


def remember_written(storage, name: str) -> None:
    """A file this transaction wrote: removed again if it fails (``files_removed_on_failure``)."""
    written = _written.get()
    if written is not None:
        written.append((storage, name))


def store_document(row, pdf: bytes, *, name: str = "child-file.pdf") -> None:
    """Keep the PDF as made (outside the web root) with its SHA-256, on a transfer or a received
    file; saved with the row by the caller."""
    row.document.save(name, ContentFile(pdf), save=False)
    row.document_sha256 = hashlib.sha256(pdf).hexdigest()
    remember_written(row.document.storage, row.document.name)


def mark_sent(*, transfer: FileTransfer, actor: User, route: str, now: datetime | None = None, extra: dict | None = None) -> None:
    """The file has gone (or been handed over): from now the receipt is awaited."""
    now = now or timezone.now()
    transfer.status = TransferStatus.SENT
    transfer.route = route
    transfer.sent_by = actor
    transfer.sent_at = now
    transfer.save()
    audit_record(
        actor=actor,
        action="desk.transfer.sent",
        obj=transfer.pupil,
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk, "route": route, "cases": transfer.cases.count(), **(extra or {})},
    )
    notifications_clear(subject=transfer_subject(transfer), kinds=["transfer_due", "transfer_declined"])


def mark_viewed(*, transfer: FileTransfer, now: datetime | None = None) -> None:
    if transfer.status == TransferStatus.SENT:
        transfer.status = TransferStatus.VIEWED
        transfer.viewed_at = now or timezone.now()
        transfer.save(update_fields=["status", "viewed_at"])


def mark_accepted(
    *, transfer: FileTransfer, name: str, role: str, actor: User | None = None, now: datetime | None = None, how: str = ""
) -> None:
    """The new school confirmed receipt, by name: the transfer is done. The sending DSLs are told."""
    now = now or timezone.now()
    transfer.status = TransferStatus.ACCEPTED
    transfer.accepted_by_name = name[:200]
    transfer.accepted_by_role = role[:200]
    transfer.accepted_at = now
    transfer.save()
    audit_record(
        actor=actor,
        action="desk.transfer.receipt_confirmed",
        obj=transfer.pupil,
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk, "route": transfer.route, "how": how},
    )
    notifications_clear(subject=transfer_subject(transfer))
    alert_send(
        alert=Alert(
            kind="transfer_receipt",
            title=f"The new school confirmed receipt of child's file T{transfer.pk}",
            url=reverse("transfer_detail", args=[transfer.pk]),
            subject=transfer_subject(transfer),
            detail=f"Confirmed by {transfer.accepted_by_name} ({transfer.accepted_by_role}).",
        ),
        recipients=[user for user in leads_of(transfer.school_id) if user.pk != getattr(actor, "pk", None)],
        school=transfer.school,
    )


def mark_declined(
    *, transfer: FileTransfer, name: str, reason: str, actor: User | None = None, now: datetime | None = None
) -> None:
    """The new school declined the file: the transfer stays open, and the sending DSLs are told why."""
    now = now or timezone.now()
    transfer.status = TransferStatus.DECLINED
    transfer.declined_by_name = name[:200]
    transfer.declined_reason = reason
    transfer.declined_at = now
    transfer.save()
    audit_record(
        actor=actor,
        action="desk.transfer.declined",
        obj=transfer.pupil,
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk, "route": transfer.route},
    )
    alert_send(
        alert=Alert(
            kind="transfer_declined",
            title=f"The new school declined child's file T{transfer.pk}",
            url=reverse("transfer_detail", args=[transfer.pk]),
            subject=transfer_subject(transfer),
            detail="Open it to read their reason and send it again or another way.",
        ),
        recipients=leads_of(transfer.school_id),
        school=transfer.school,
    )


def received_arrived(*, received: ReceivedFile, actor: User | None = None) -> None:
    """A file arrived for this school: its DSLs are alerted at once (KCSIE: the receiving DSL
    must know a child with a file has joined)."""
    audit_record(
        actor=actor,
        action="desk.received_file.arrived",
        obj=received,
        school=received.school_id,
        extra={"source": received.source},
    )
    alert_send(
        alert=Alert(
            kind="transfer_arrived",
            title=f"A child's file arrived from {received.from_school_name}",
            url=reverse("received_detail", args=[received.pk]),
            subject=received_subject(received),
            always_at_once=True,
            detail="Open it in Safeguard to read it and confirm that you have received it.",
        ),
        recipients=leads_of(received.school_id),
        school=received.school,
    )


def received_mark_viewed(*, received: ReceivedFile, actor: User) -> bool:
    """The first DSL to open it moves it to viewed (and the sender sees that). True if it moved."""
    if received.status != ReceivedStatus.PENDING:
        return False
    received.status = ReceivedStatus.VIEWED
    received.viewed_at = timezone.now()
    received.viewed_by = actor
    received.save(update_fields=["status", "viewed_at", "viewed_by"])
    return True
