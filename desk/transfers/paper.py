"""Children's files on paper (issue 18, parts 4 and 6): a file printed and handed over in person,
whose receipt the sending DSL records by hand; and a file that came on paper or by secure email
from a school without Safeguard, recorded on the pupil by the receiving DSL.

KCSIE: the sending school keeps a record of what was sent, when, and who acknowledged it; the
receiving school's record shows when the file came, from which school, and who received it.
A scanned file is an attachment like any other: it passes the project's checks
(``cases.attachments.classify``: judged by its content, a PDF only here, every picture in it shown
to the nudity check; UKCIS: nude or semi-nude imagery of a child is never stored).
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.attachments import classify
from cases.models import FileTransfer, Pupil, ReceivedFile, ReceivedSource, ReceivedStatus, TransferRoute, TransferStatus
from desk.transfers import core
from safeguard.audit import audit_record
from safeguard.models import User
from safeguard.permissions import roles_at
from safeguard.roles import can_send_child_files

ONLY_LEADS = "Only the school's DSL or a deputy can do this."
NAME_REQUIRED = "Give the name of the person who signed for the file."
ROLE_REQUIRED = "Give their role at the new school, for example Designated Safeguarding Lead."
DATE_IN_FUTURE = "That date is in the future: give the day the file was handed over."
FROM_SCHOOL_REQUIRED = "Give the name of the school the file came from."
URN_WRONG = "A URN is 6 digits, as Get Information about Schools shows it. Leave it blank if you do not know it."
RECEIVED_IN_FUTURE = "That date is in the future: give the day the file reached you."
RECEIVED_BEFORE_BIRTH = "That date is before the pupil was born: check it."
ONLY_PDF = (
    "Only a PDF can be kept as the file from the previous school. Scan the paper file, or save the email's "
    "attachment, as a PDF and attach that."
)
CONFIRMATION_REQUIRED = (
    "Tick the box to confirm the file holds no photograph or video of a child. If it might, do not attach it: "
    "record that it came, and keep the paper file securely as your policy says."
)


def _require_lead(actor: User, school_id: int) -> None:
    if not can_send_child_files(roles_at(actor, school_id)):
        raise ValidationError(ONLY_LEADS)


def noon_on(day: date) -> datetime:
    """A day given without a time, as a moment: noon there, local time (UK)."""
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


# --- A file handed over in person --------------------------------------------------------------


def receipt_by_hand_errors(
    transfer: FileTransfer, *, name: str, role: str, received_on: date | None, today: date
) -> dict[str, str]:
    """What stops the receipt being recorded, in the DSL's words (pure)."""
    errors: dict[str, str] = {}
    if transfer.route != TransferRoute.IN_PERSON:
        errors["__all__"] = "This file was not handed over in person: its receipt comes from the new school."
        return errors
    if transfer.status not in (TransferStatus.SENT, TransferStatus.VIEWED):
        if transfer.status == TransferStatus.ACCEPTED:
            errors["__all__"] = "The receipt for this file is already recorded."
        else:
            errors["__all__"] = "Make the file to print first (Send the file above), hand it over, then record who signed for it."
        return errors
    if not name.strip():
        errors["name"] = NAME_REQUIRED
    if not role.strip():
        errors["role"] = ROLE_REQUIRED
    if received_on is None:
        errors["received_on"] = "Give the day the file was handed over."
    elif received_on > today:
        errors["received_on"] = DATE_IN_FUTURE
    elif transfer.sent_at is not None and received_on < timezone.localdate(transfer.sent_at):
        errors["received_on"] = (
            f"The file was made to print on {timezone.localdate(transfer.sent_at):%-d %B %Y}: it cannot have been handed "
            "over before then."
        )
    return errors


@transaction.atomic
def transfer_receipt_by_hand(
    *, actor: User, transfer: FileTransfer, name: str, role: str, received_on: date, today: date | None = None
) -> FileTransfer:
    """The sending DSL records who signed for a file printed and handed over in person, and when
    (KCSIE: confirmation of receipt). The transfer is done; the other DSLs are told."""
    _require_lead(actor, transfer.school_id)
    today = today or timezone.localdate()
    transfer = core.lock_transfer(transfer)
    errors = receipt_by_hand_errors(transfer, name=name, role=role, received_on=received_on, today=today)
    if errors:
        raise ValidationError(errors)
    at = timezone.now() if received_on == today else noon_on(received_on)
    core.mark_accepted(transfer=transfer, name=name.strip(), role=role.strip(), actor=actor, now=at, how="in_person")
    return transfer


# --- A file received on paper or by secure email -----------------------------------------------


def _refuse(*, actor: User, pupil: Pupil, reason: str, size: int, errors: dict) -> None:
    # Its own transaction: the refusal is on record although nothing is stored. Never the file's
    # name or content: its size and why.
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="desk.received_file.refused",
            obj=pupil,
            school=pupil.school_id,
            extra={"size": size, "reason": reason},
        )
    raise ValidationError(errors)


def record_by_hand_errors(
    pupil: Pupil, *, from_school_name: str, from_school_urn: str, received_on: date | None, today: date
) -> dict[str, str]:
    """What is missing or wrong in a file recorded by hand (pure)."""
    errors: dict[str, str] = {}
    if not from_school_name.strip():
        errors["from_school_name"] = FROM_SCHOOL_REQUIRED
    urn = from_school_urn.strip()
    if urn and not (urn.isdigit() and len(urn) == 6):
        errors["from_school_urn"] = URN_WRONG
    elif urn and urn == pupil.school.urn:
        errors["from_school_urn"] = "That is this school's URN: give the previous school's."
    if received_on is None:
        errors["received_on"] = "Give the day the file reached you."
    elif received_on > today:
        errors["received_on"] = RECEIVED_IN_FUTURE
    elif received_on < pupil.date_of_birth:
        errors["received_on"] = RECEIVED_BEFORE_BIRTH
    return errors


def received_record_by_hand(
    *,
    actor: User,
    pupil: Pupil,
    from_school_name: str,
    from_school_urn: str = "",
    received_on: date,
    from_dsl_name: str = "",
    note: str = "",
    pdf_file=None,
    confirmed_no_child_images: bool = False,
    today: date | None = None,
) -> ReceivedFile:
    """A child's file that came on paper or by secure email from a school without Safeguard, on
    the pupil's record: received when, by whom, from which school, and the PDF (a scan, or the
    email's attachment) kept as an attachment once it has passed the attachment checks.

    The school's REMOVE setting (take pictures out of documents) does not apply: a scan is made of
    pictures, and one taken out would leave blank pages. A picture the nudity check flags, or one
    it cannot check, refuses the file instead, and nothing is stored."""
    _require_lead(actor, pupil.school_id)
    today = today or timezone.localdate()
    errors = record_by_hand_errors(
        pupil, from_school_name=from_school_name, from_school_urn=from_school_urn, received_on=received_on, today=today
    )
    if errors:
        raise ValidationError(errors)
    data = b""
    if pdf_file is not None:
        size = getattr(pdf_file, "size", 0) or 0
        if confirmed_no_child_images is not True:
            _refuse(
                actor=actor,
                pupil=pupil,
                reason="not_confirmed",
                size=size,
                errors={"confirmed_no_child_images": CONFIRMATION_REQUIRED},
            )
        limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
        too_large = {
            "pdf_file": f"The file is larger than {settings.ATTACHMENT_MAX_MB} MB. Scan it at a lower resolution, or in black "
            "and white, and attach that."
        }
        if size > limit:
            _refuse(actor=actor, pupil=pupil, reason="too_large", size=size, errors=too_large)
        data = pdf_file.read(limit + 1)
        if len(data) > limit:
            _refuse(actor=actor, pupil=pupil, reason="too_large", size=len(data), errors=too_large)
        # Outside any transaction: it can take a second or two, and touches no table.
        verdict = classify(data)
        if not verdict.accepted:
            _refuse(actor=actor, pupil=pupil, reason=verdict.reason, size=len(data), errors={"pdf_file": verdict.message})
        if verdict.extension != "pdf":
            _refuse(actor=actor, pupil=pupil, reason="not_pdf", size=len(data), errors={"pdf_file": ONLY_PDF})
        data = verdict.data
    with core.files_removed_on_failure(), transaction.atomic():
        pupil = Pupil.objects.select_related("school").get(pk=pupil.pk)
        now = timezone.now()
        received = ReceivedFile(
            school=pupil.school,
            pupil=pupil,
            source=ReceivedSource.BY_HAND,
            status=ReceivedStatus.ACCEPTED,
            from_school_name=from_school_name.strip()[:200],
            from_school_urn=from_school_urn.strip(),
            from_dsl_name=from_dsl_name.strip()[:200],
            pupil_name=pupil.full_name[:200],
            pupil_upn=pupil.upn or "",
            pupil_date_of_birth=pupil.date_of_birth,
            note_from_sender=note.strip(),
            arrived_at=noon_on(received_on),
            accepted_at=now,
            accepted_by=actor,
            recorded_by=actor,
        )
        if data:
            core.store_document(received, data, name="received-by-hand.pdf")
        received.save()
        audit_record(
            actor=actor,
            action="desk.received_file.recorded",
            obj=received,
            school=received.school_id,
            extra={"pupil_id": pupil.pk, "with_pdf": bool(data), "size": len(data)},
        )
    return received


@transaction.atomic
def received_document_read(*, actor: User, received: ReceivedFile) -> None:
    """Every read of a file from a previous school is on record."""
    audit_record(
        actor=actor,
        action="desk.received_file.downloaded",
        obj=received,
        school=received.school_id,
        extra={"sha256": received.document_sha256[:16]},
    )


__all__ = [
    "noon_on",
    "receipt_by_hand_errors",
    "received_document_read",
    "received_record_by_hand",
    "record_by_hand_errors",
    "transfer_receipt_by_hand",
]
