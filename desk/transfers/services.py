"""The DSL's moves with a child's file (issue 18): mark a pupil as left, say where they are going,
send the file, cancel; at the receiving school, open, accept and decline; and the reminders.

Each write is one transaction with its audit event. Sending builds the document from the records
(``desk.child_file``), keeps the PDF as sent, and hands it to its route: a school on this Safeguard
(here), another Safeguard (``remote``), a one-time link (``links``), or in person (printed; the
receipt is recorded by hand, ``paper``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    OPEN_TRANSFER_STATUSES,
    Concern,
    FileTransfer,
    MoveKind,
    PeerInstance,
    Pupil,
    ReceivedFile,
    ReceivedSource,
    ReceivedStatus,
    TransferRoute,
    TransferStatus,
)
from desk.child_file.records import child_file, readable_cases
from desk.child_file.render import child_file_json, render_child_file_pdf
from desk.child_file.services import child_file_made
from desk.transfers import core, links, remote
from desk.transfers.deadlines import receipt_chase_on
from desk.transfers.records import pupil_has_records
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import Role, can_send_child_files
from safeguard.services.alerts import Alert, alert_send, notifications_clear

#: A pupil's leaving date may be recorded this far ahead (the end of term, known in advance).
LEFT_ON_AHEAD = timedelta(days=120)


def _require_lead(actor: User, school_id: int) -> None:
    if not can_send_child_files(roles_at(actor, school_id)):
        raise ValidationError("Only the school's DSL or a deputy can do this.")


def pupil_case_ids(pupil: Pupil, *, viewer: User) -> list[int]:
    """The pupil's cases the viewer may read in full: what a file of theirs can hold (one
    definition, the child's file's)."""
    return [case.pk for case in readable_cases(pupil, viewer)]


def _open_transfer(pupil: Pupil) -> FileTransfer | None:
    return FileTransfer.objects.filter(pupil=pupil, status__in=OPEN_TRANSFER_STATUSES).first()


def _start(*, actor: User | None, pupil: Pupil, left_on: date) -> FileTransfer:
    transfer = FileTransfer(school=pupil.school, pupil=pupil, left_on=left_on, started_by=actor or pupil_import_actor(pupil))
    transfer.due_on = core.due_for(transfer)
    transfer.save()
    audit_record(
        actor=actor,
        action="desk.transfer.started",
        obj=pupil,
        school=pupil.school_id,
        extra={"transfer_id": transfer.pk, "due_on": transfer.due_on.isoformat()},
    )
    alert_send(
        alert=Alert(
            kind="transfer_to_send",
            title=f"A pupil with a child protection file has left: file T{transfer.pk} is due by {transfer.due_on:%-d %B}",
            url=reverse("transfer_detail", args=[transfer.pk]),
            subject=core.transfer_subject(transfer),
            detail="Say where the child is going, and send the file to their new school's DSL.",
        ),
        recipients=[user for user in core.leads_of(pupil.school_id) if user.pk != getattr(actor, "pk", None)],
        school=pupil.school,
    )
    return transfer


def pupil_import_actor(pupil: Pupil) -> User:
    """Who a transfer started by the MIS import is recorded as started by: the school's first DSL
    (the import itself has no person; the audit event says it was the import)."""
    lead = core.leads_of(pupil.school_id).filter(roles__role=Role.DSL).order_by("pk").first()
    if lead is None:
        raise ValidationError("The school has no DSL to send the child's file.")
    return lead


@transaction.atomic
def pupil_mark_left(*, actor: User | None, pupil: Pupil, left_on: date, today: date | None = None) -> FileTransfer | None:
    """The pupil left the roll on ``left_on`` (by hand, or ``actor=None`` for the MIS import).
    If they have anything on record, the checklist for their file starts; None if nothing to send."""
    today = today or timezone.localdate()
    if actor is not None:
        _require_lead(actor, pupil.school_id)
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    if pupil.left_on is not None:
        raise ValidationError({"left_on": f"{pupil.full_name} is already marked as left, on {pupil.left_on:%-d %B %Y}."})
    if left_on < pupil.date_of_birth:
        raise ValidationError({"left_on": "The leaving date is before the pupil's date of birth."})
    if left_on > today + LEFT_ON_AHEAD:
        raise ValidationError({"left_on": "The leaving date is more than four months away: record it nearer the time."})
    pupil.left_on = left_on
    pupil.save(update_fields=["left_on", "updated_at"])
    audit_record(
        actor=actor,
        action="desk.pupil.marked_left",
        obj=pupil,
        school=pupil.school_id,
        extra={"left_on": left_on.isoformat(), "by": "hand" if actor else "import"},
    )
    if not pupil_has_records(pupil) or _open_transfer(pupil) is not None:
        return None
    return _start(actor=actor, pupil=pupil, left_on=left_on)


def pupils_left_by_import(*, actor: User, pupils: Iterable[Pupil]) -> list[FileTransfer]:
    """The MIS import marked these pupils as left (``cases.signals.pupils_left``, inside the
    import's transaction): each is on the record, and each with anything on record has the
    checklist for their file started, as marking them by hand does."""
    started = []
    for pupil in pupils:
        audit_record(
            actor=actor,
            action="desk.pupil.marked_left",
            obj=pupil,
            school=pupil.school_id,
            extra={"left_on": pupil.left_on.isoformat(), "by": "import"},
        )
        if pupil_has_records(pupil) and _open_transfer(pupil) is None:
            started.append(_start(actor=actor, pupil=pupil, left_on=pupil.left_on))
    return started


@transaction.atomic
def transfer_start(*, actor: User, pupil: Pupil) -> FileTransfer:
    """Send a file for a pupil already marked as left whose earlier transfer was cancelled or done
    (a file sent on again, to a school the child moved to next)."""
    _require_lead(actor, pupil.school_id)
    if pupil.left_on is None:
        raise ValidationError("Mark the pupil as left first: the file is due from the day they leave.")
    if not pupil_has_records(pupil):
        raise ValidationError(f"{pupil.full_name} has nothing on record: no case or concern, so there is no file to send.")
    if _open_transfer(pupil) is not None:
        raise ValidationError("A transfer of this pupil's file is already open.")
    return _start(actor=actor, pupil=pupil, left_on=pupil.left_on)


@dataclass(frozen=True)
class Destination:
    route: str
    move: str = MoveKind.IN_YEAR
    receiving_school: School | None = None
    receiving_school_name: str = ""
    receiving_school_urn: str = ""
    receiving_dsl_name: str = ""
    receiving_dsl_email: str = ""
    peer: PeerInstance | None = None
    on_roll_confirmed_on: date | None = None


def destination_errors(transfer: FileTransfer, where: Destination) -> dict[str, str]:
    """What is missing or wrong for the route chosen, in the DSL's words (pure, no database)."""
    errors: dict[str, str] = {}
    if where.route not in TransferRoute.values:
        errors["route"] = "Choose how the file goes to the new school."
        return errors
    if where.route == TransferRoute.THIS_SAFEGUARD:
        if where.receiving_school is None:
            errors["receiving_school"] = "Choose the new school."
        elif where.receiving_school.pk == transfer.school_id:
            errors["receiving_school"] = "That is this school: choose the school the child is moving to."
    elif where.route == TransferRoute.OTHER_SAFEGUARD:
        if where.peer is None:
            errors["peer"] = "Choose the other Safeguard (add it first from the details the new school gave you)."
        if not (where.receiving_school_urn.isdigit() and len(where.receiving_school_urn) == 6):
            errors["receiving_school_urn"] = "Give the new school's URN: 6 digits, as Get Information about Schools shows it."
        elif where.receiving_school_urn == transfer.school.urn:
            errors["receiving_school_urn"] = "That is this school's URN: give the new school's."
        if not transfer.school.urn:
            errors["route"] = (
                "This school has no URN in Safeguard yet, and another Safeguard addresses its answer by it: "
                "a DSL sets it under Settings (the school's URN), or send the file by a secure link instead."
            )
    else:
        if not where.receiving_school_name.strip():
            errors["receiving_school_name"] = "Give the name of the new school."
        if where.route == TransferRoute.LINK:
            if not where.receiving_dsl_name.strip():
                errors["receiving_dsl_name"] = "Give the name of the new school's DSL."
            if not where.receiving_dsl_email.strip():
                errors["receiving_dsl_email"] = "Give the new school's DSL's email address, checked with them by phone."
    if where.on_roll_confirmed_on is not None and where.on_roll_confirmed_on < transfer.left_on - timedelta(days=120):
        errors["on_roll_confirmed_on"] = "That date is long before the child left: check it."
    return errors


@transaction.atomic
def transfer_destination_set(*, actor: User, transfer: FileTransfer, where: Destination) -> FileTransfer:
    """Where the child is going and how the file will go there; the due date follows from it."""
    _require_lead(actor, transfer.school_id)
    transfer = core.lock_transfer(transfer)
    if transfer.status not in (TransferStatus.TO_SEND, TransferStatus.DECLINED):
        raise ValidationError("The file has been sent: the new school's details can no longer change.")
    errors = destination_errors(transfer, where)
    if errors:
        raise ValidationError(errors)
    transfer.route = where.route
    transfer.move = where.move
    transfer.receiving_school = where.receiving_school if where.route == TransferRoute.THIS_SAFEGUARD else None
    if transfer.receiving_school is not None:
        transfer.receiving_school_name = transfer.receiving_school.name
        transfer.receiving_school_urn = transfer.receiving_school.urn
    else:
        transfer.receiving_school_name = where.receiving_school_name.strip()
        transfer.receiving_school_urn = where.receiving_school_urn.strip()
    transfer.receiving_dsl_name = where.receiving_dsl_name.strip()
    transfer.receiving_dsl_email = where.receiving_dsl_email.strip()
    transfer.peer = where.peer if where.route == TransferRoute.OTHER_SAFEGUARD else None
    transfer.on_roll_confirmed_on = where.on_roll_confirmed_on
    transfer.due_on = core.due_for(transfer)
    transfer.save()
    audit_record(
        actor=actor,
        action="desk.transfer.destination_set",
        obj=transfer.pupil,
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk, "route": transfer.route, "due_on": transfer.due_on.isoformat()},
    )
    return transfer


@dataclass(frozen=True)
class Sent:
    transfer: FileTransfer
    #: A link's one-time code, shown once to the sending DSL to give by phone.
    code: str = ""


def send_errors(
    transfer: FileTransfer, *, case_ids: list[int], include_concerns: bool, readable: set[int], has_concerns: bool
) -> list[str]:
    """Why the file cannot go yet (pure)."""
    errors = []
    if transfer.status not in (TransferStatus.TO_SEND, TransferStatus.DECLINED):
        errors.append("This file has been sent already.")
    if not transfer.route:
        errors.append("Say where the child is going first.")
    if set(case_ids) - readable:
        errors.append("One of the cases chosen is not this pupil's, or not yours to send.")
    if not case_ids and not (include_concerns and has_concerns):
        errors.append("Nothing is chosen to send: tick at least one case, or the concerns on the pupil's record.")
    return errors


def transfer_send(
    *,
    actor: User,
    transfer: FileTransfer,
    case_ids: Iterable[int],
    include_concerns: bool,
    note: str = "",
    name_others: bool = False,
    name_others_reason: str = "",
) -> Sent:
    """Make the file and send it by the route chosen. The PDF is kept as sent."""
    _require_lead(actor, transfer.school_id)
    with core.files_removed_on_failure(), transaction.atomic():
        transfer = core.lock_transfer(transfer)
        pupil = transfer.pupil
        chosen = sorted({int(pk) for pk in case_ids})
        readable = set(pupil_case_ids(pupil, viewer=actor))
        has_concerns = Concern.objects.filter(pupil_links__pupil=pupil).exists()
        errors = send_errors(
            transfer, case_ids=chosen, include_concerns=include_concerns, readable=readable, has_concerns=has_concerns
        )
        if name_others and not name_others_reason.strip():
            errors.append("Say why the other children are named in this file.")
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        record = child_file(pupil, viewer=actor, case_ids=chosen, include_concerns=include_concerns, name_others=name_others)
        pdf = render_child_file_pdf(record, made_by=actor, made_at=now)
        child_file_made(actor=actor, pupil=pupil, file=record, purpose="transfer", name_others_reason=name_others_reason)
        core.store_document(transfer, pdf, name=f"child-file-{transfer.pk}.pdf")
        transfer.note_for_receiver = note.strip()
        transfer.include_concerns = include_concerns
        transfer.save()
        transfer.cases.set(chosen)
        code = ""
        if transfer.route == TransferRoute.THIS_SAFEGUARD:
            _deliver_here(transfer, actor=actor, pdf=pdf, records=child_file_json(record))
        elif transfer.route == TransferRoute.OTHER_SAFEGUARD:
            remote.prepare_bundle(transfer=transfer, actor=actor, pdf=pdf, records=child_file_json(record))
            transfer_id = transfer.pk
            transaction.on_commit(lambda: remote.deliver_soon(transfer_id))
        elif transfer.route == TransferRoute.LINK:
            code = links.link_issue(transfer=transfer, actor=actor)
        core.mark_sent(
            transfer=transfer,
            actor=actor,
            route=transfer.route,
            now=now,
            extra={"concerns": include_concerns, "others_named": bool(name_others)},
        )
    return Sent(transfer=transfer, code=code)


def _deliver_here(transfer: FileTransfer, *, actor: User, pdf: bytes, records: dict) -> ReceivedFile:
    pupil = transfer.pupil
    received = ReceivedFile(
        school=transfer.receiving_school,
        source=ReceivedSource.THIS_SAFEGUARD,
        transfer=transfer,
        from_school_name=transfer.school.name,
        from_school_urn=transfer.school.urn,
        from_dsl_name=actor.full_name,
        pupil_name=pupil.full_name,
        pupil_upn=pupil.upn,
        pupil_date_of_birth=pupil.date_of_birth,
        note_from_sender=transfer.note_for_receiver,
        records=records,
        pupil=Pupil.objects.filter(school=transfer.receiving_school, upn=pupil.upn).first(),
    )
    core.store_document(received, pdf, name=f"received-{transfer.pk}.pdf")
    received.save()
    core.received_arrived(received=received, actor=actor)
    return received


@transaction.atomic
def transfer_cancel(*, actor: User, transfer: FileTransfer, reason: str) -> FileTransfer:
    """No file is needed after all (the child did not leave, or went where no file goes): with a reason."""
    _require_lead(actor, transfer.school_id)
    transfer = core.lock_transfer(transfer)
    if transfer.status not in (TransferStatus.TO_SEND, TransferStatus.DECLINED):
        raise ValidationError("A file that has been sent cannot be called off: wait for the new school's answer.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why no file is being sent."})
    transfer.status = TransferStatus.CANCELLED
    transfer.cancelled_reason = reason.strip()
    transfer.cancelled_by = actor
    transfer.cancelled_at = timezone.now()
    transfer.save()
    audit_record(
        actor=actor,
        action="desk.transfer.cancelled",
        obj=transfer.pupil,
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk},
    )
    notifications_clear(subject=core.transfer_subject(transfer))
    return transfer


@transaction.atomic
def transfer_document_read(*, actor: User, transfer: FileTransfer) -> None:
    _require_lead(actor, transfer.school_id)
    audit_record(
        actor=actor,
        action="desk.transfer.document_downloaded",
        obj=transfer.pupil,
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk},
    )


# --- At the receiving school -------------------------------------------------------------------


@transaction.atomic
def received_open(*, actor: User, received: ReceivedFile) -> ReceivedFile:
    """Someone of the receiving school opened it: audited each time; the first DSL or deputy to open
    it moves it to viewed, and the sender sees that (this Safeguard)."""
    received = core.lock_received(received)
    audit_record(actor=actor, action="desk.received_file.viewed", obj=received, school=received.school_id)
    # Opened by one who answers it (a DSL or deputy): the head reading it does not move it on.
    answers = can_send_child_files(roles_at(actor, received.school_id))
    if answers and core.received_mark_viewed(received=received, actor=actor) and received.transfer_id:
        core.mark_viewed(transfer=core.lock_transfer(received.transfer))
    return received


def match_pupil(received: ReceivedFile) -> Pupil | None:
    """The pupil on the receiving school's roll with the file's UPN, if there is one."""
    if not received.pupil_upn:
        return None
    return Pupil.objects.filter(school_id=received.school_id, upn=received.pupil_upn).first()


@transaction.atomic
def received_accept(*, actor: User, received: ReceivedFile, pupil: Pupil | None, confirmed: bool) -> ReceivedFile:
    """The receiving DSL confirms receipt by name: the records join the pupil's record, read-only,
    as "from the previous school"; the sending school sees who accepted and when."""
    _require_lead(actor, received.school_id)
    received = core.lock_received(received)
    errors = {}
    if received.status in (ReceivedStatus.ACCEPTED, ReceivedStatus.DECLINED):
        raise ValidationError(f"This file was {received.get_status_display().lower()} already.")
    if not confirmed:
        errors["confirmed"] = "Tick to confirm that you have received the file and read it."
    pupil = pupil or match_pupil(received)
    if pupil is None:
        errors["pupil"] = "Choose the pupil on your roll this file is about (add them to the roll first if they are not there)."
    elif pupil.school_id != received.school_id:
        errors["pupil"] = "Choose a pupil of your school."
    if errors:
        raise ValidationError(errors)
    received.status = ReceivedStatus.ACCEPTED
    received.pupil = pupil
    received.accepted_at = timezone.now()
    received.accepted_by = actor
    received.save()
    audit_record(
        actor=actor,
        action="desk.received_file.accepted",
        obj=received,
        school=received.school_id,
        extra={"pupil_id": pupil.pk, "matched_by_upn": bool(received.pupil_upn) and pupil.upn == received.pupil_upn},
    )
    notifications_clear(subject=core.received_subject(received))
    role = _role_words(actor, received.school_id)
    if received.transfer_id:
        core.mark_accepted(
            transfer=core.lock_transfer(received.transfer),
            name=actor.full_name,
            role=f"{role}, {received.school.name}",
            actor=actor,
            how="this",
        )
    elif received.source == ReceivedSource.OTHER_SAFEGUARD:
        received_pk = received.pk
        transaction.on_commit(lambda: remote.acknowledge_soon(ReceivedFile.objects.get(pk=received_pk)))
    return received


@transaction.atomic
def received_decline(*, actor: User, received: ReceivedFile, reason: str) -> ReceivedFile:
    """Not for this school (the child is not on its roll, or it came to the wrong school): with a
    reason the sending DSL reads; their transfer stays open."""
    _require_lead(actor, received.school_id)
    received = core.lock_received(received)
    if received.status in (ReceivedStatus.ACCEPTED, ReceivedStatus.DECLINED):
        raise ValidationError(f"This file was {received.get_status_display().lower()} already.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why you are declining it, so the sending school can put it right."})
    received.status = ReceivedStatus.DECLINED
    received.declined_at = timezone.now()
    received.declined_by = actor
    received.declined_reason = reason.strip()
    received.save()
    audit_record(actor=actor, action="desk.received_file.declined", obj=received, school=received.school_id)
    notifications_clear(subject=core.received_subject(received))
    if received.transfer_id:
        core.mark_declined(
            transfer=core.lock_transfer(received.transfer), name=actor.full_name, reason=received.declined_reason, actor=actor
        )
    elif received.source == ReceivedSource.OTHER_SAFEGUARD:
        received_pk = received.pk
        transaction.on_commit(lambda: remote.acknowledge_soon(ReceivedFile.objects.get(pk=received_pk)))
    return received


def _role_words(user: User, school_id: int) -> str:
    held = roles_at(user, school_id)
    for role in (Role.DSL, Role.DEPUTY_DSL):
        if role in held:
            return Role(role).label
    return "Staff"


# --- Reminders ---------------------------------------------------------------------------------

#: An overdue file is raised again every this many days until it goes.
OVERDUE_REPEAT = timedelta(days=7)


def transfer_reminders_sweep(*, today: date | None = None) -> dict[str, int]:
    """Tell the sending DSLs: a file due today and not sent; a file overdue (again each week);
    a file sent 5 school days ago with no receipt. Each reminder is recorded on the transfer
    first, so a sweep run twice (two beats, or a retry) sends it once."""
    today = today or timezone.localdate()
    counts = {"due": 0, "overdue": 0, "no_receipt": 0}
    # Only those with a reminder to send: the query finds none in a sweep with nothing new.
    waiting = FileTransfer.objects.filter(status__in=[TransferStatus.TO_SEND, TransferStatus.DECLINED]).filter(
        Q(due_on=today, due_reminded_on__isnull=True)
        | Q(due_on__lt=today, overdue_reminded_on__isnull=True)
        | Q(due_on__lt=today, overdue_reminded_on__lte=today - OVERDUE_REPEAT)
    )
    for pk in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            transfer = FileTransfer.objects.select_for_update().select_related("school").get(pk=pk)
            if transfer.status not in (TransferStatus.TO_SEND, TransferStatus.DECLINED):
                continue
            if transfer.due_on == today and transfer.due_reminded_on is None:
                transfer.due_reminded_on = today
                transfer.save(update_fields=["due_reminded_on"])
                _remind(
                    transfer,
                    f"Child's file T{transfer.pk} is due today",
                    "Send it to the new school's DSL today.",
                    kind="transfer_due",
                )
                counts["due"] += 1
            elif transfer.due_on < today and (
                transfer.overdue_reminded_on is None or transfer.overdue_reminded_on + OVERDUE_REPEAT <= today
            ):
                transfer.overdue_reminded_on = today
                transfer.save(update_fields=["overdue_reminded_on"])
                _remind(
                    transfer,
                    f"Child's file T{transfer.pk} is overdue: it was due by {transfer.due_on:%-d %B}",
                    "KCSIE: the file goes to the new school within 5 school days. Send it now, or say why not.",
                    kind="transfer_due",
                )
                counts["overdue"] += 1
    # Five school days are never fewer than seven calendar days: a cheap first cut before the calendar.
    sent = FileTransfer.objects.filter(
        status__in=[TransferStatus.SENT, TransferStatus.VIEWED],
        no_receipt_reminded_at__isnull=True,
        sent_at__date__lte=today - timedelta(days=7),
    )
    for pk, school_id, sent_at in sent.values_list("pk", "school_id", "sent_at"):
        sent_on = timezone.localdate(sent_at)
        if receipt_chase_on(sent_on, core.calendar_around(school_id, sent_on)) > today:
            continue
        with transaction.atomic():
            transfer = FileTransfer.objects.select_for_update().select_related("school").get(pk=pk)
            if transfer.no_receipt_reminded_at is not None or transfer.status not in (TransferStatus.SENT, TransferStatus.VIEWED):
                continue
            transfer.no_receipt_reminded_at = timezone.now()
            transfer.save(update_fields=["no_receipt_reminded_at"])
            _remind(
                transfer,
                f"No receipt yet for child's file T{transfer.pk}, sent {sent_on:%-d %B}",
                "Five school days have passed: phone the new school's DSL to check they have it.",
                kind="transfer_no_receipt",
            )
            counts["no_receipt"] += 1
    return counts


def _remind(transfer: FileTransfer, title: str, detail: str, *, kind: str) -> None:
    audit_record(
        actor=None,
        action="desk.transfer.reminded",
        obj=("cases.pupil", transfer.pupil_id),
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk, "kind": kind},
    )
    alert_send(
        alert=Alert(
            kind=kind,
            title=title,
            url=reverse("transfer_detail", args=[transfer.pk]),
            subject=core.transfer_subject(transfer),
            detail=detail,
        ),
        recipients=core.leads_of(transfer.school_id),
        school=transfer.school,
    )


__all__ = [
    "Destination",
    "Sent",
    "destination_errors",
    "match_pupil",
    "pupil_case_ids",
    "pupil_mark_left",
    "received_accept",
    "received_decline",
    "received_open",
    "send_errors",
    "transfer_cancel",
    "transfer_destination_set",
    "transfer_reminders_sweep",
    "transfer_send",
    "transfer_start",
]
