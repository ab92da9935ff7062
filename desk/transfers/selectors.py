"""Reads for children's files: the DSL's list, one transfer's page, the home panel, the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from cases.models import OPEN_TRANSFER_STATUSES, FileTransfer, ReceivedFile, ReceivedStatus, TransferRoute, TransferStatus
from desk.child_file.render import render_received_records_html
from desk.transfers import core
from desk.transfers.deadlines import receipt_chase_on, school_days_left
from desk.transfers.page_extras import link_and_paper_extras
from desk.transfers.records import pupil_has_records
from desk.transfers.selectors_remote import remote_extras

#: Rows in each panel of the home page (the list page holds the rest).
HOME_LIMIT = 5
#: Files done (accepted or called off) shown on the list page.
DONE_LIMIT = 30


@dataclass(frozen=True)
class Due:
    """A transfer's deadline as the DSL reads it."""

    transfer: FileTransfer
    days_left: int
    overdue: bool

    @property
    def words(self) -> str:
        if self.overdue:
            late = -self.days_left
            return f"overdue by {late} school day{'s' if late != 1 else ''}" if late else "overdue"
        if self.days_left == 0:
            return "due today"
        return f"due in {self.days_left} school day{'s' if self.days_left != 1 else ''}"


def _due(transfer: FileTransfer, today: date) -> Due:
    calendar = core.calendar_around(transfer.school_id, min(today, transfer.due_on))
    return Due(transfer=transfer, days_left=school_days_left(today, transfer.due_on, calendar), overdue=today > transfer.due_on)


def open_transfers(school_ids, *, limit: int | None = None):
    qs = (
        FileTransfer.objects.filter(school_id__in=list(school_ids), status__in=OPEN_TRANSFER_STATUSES)
        .select_related("pupil", "school", "receiving_school")
        .order_by("due_on", "id")
    )
    return qs[:limit] if limit else qs


def waiting_received(school_ids, *, limit: int | None = None):
    qs = (
        ReceivedFile.objects.filter(school_id__in=list(school_ids), status__in=[ReceivedStatus.PENDING, ReceivedStatus.VIEWED])
        .select_related("school")
        .order_by("arrived_at", "id")
    )
    return qs[:limit] if limit else qs


def transfer_overview(school_ids, *, today: date) -> dict:
    transfers = list(open_transfers(school_ids))
    to_send = [_due(t, today) for t in transfers if t.status in (TransferStatus.TO_SEND, TransferStatus.DECLINED)]
    awaiting = [t for t in transfers if t.status in (TransferStatus.SENT, TransferStatus.VIEWED)]
    done = list(
        FileTransfer.objects.filter(
            school_id__in=list(school_ids), status__in=[TransferStatus.ACCEPTED, TransferStatus.CANCELLED]
        )
        .select_related("pupil", "school")
        .order_by("-accepted_at", "-cancelled_at", "-id")[:DONE_LIMIT]
    )
    return {
        "to_send": to_send,
        "awaiting": [(t, _chase_on(t)) for t in awaiting],
        "done": done,
        "received_waiting": list(waiting_received(school_ids)),
        "received_done": list(
            ReceivedFile.objects.filter(
                school_id__in=list(school_ids), status__in=[ReceivedStatus.ACCEPTED, ReceivedStatus.DECLINED]
            )
            .select_related("pupil")
            .order_by("-arrived_at", "-id")[:DONE_LIMIT]
        ),
        "many_schools": len(list(school_ids)) > 1,
        "today": today,
    }


def _chase_on(transfer: FileTransfer) -> date | None:
    if transfer.sent_at is None:
        return None
    sent_on = timezone.localdate(transfer.sent_at)
    return receipt_chase_on(sent_on, core.calendar_around(transfer.school_id, sent_on))


@dataclass(frozen=True)
class Stage:
    words: str
    at: datetime | date | None
    done: bool
    detail: str = ""


def transfer_page(transfer: FileTransfer, *, today: date) -> dict:
    """The checklist and the record of what was sent, when, to whom, and who accepted it."""
    received = list(transfer.copies_received.order_by("arrived_at"))
    stages = [
        Stage("The pupil left", transfer.left_on, True),
        Stage(
            "Where the child is going",
            None,
            bool(transfer.route),
            transfer.receiving_school_name + (f" — {transfer.get_route_display()}" if transfer.route else ""),
        ),
        Stage(
            "Sent",
            transfer.sent_at,
            transfer.sent_at is not None,
            f"by {transfer.sent_by.full_name}" if transfer.sent_by_id else "",
        ),
    ]
    if transfer.route != TransferRoute.IN_PERSON:
        stages.append(Stage("Opened by the new school", transfer.viewed_at, transfer.viewed_at is not None))
    stages.append(
        Stage(
            "Receipt confirmed",
            transfer.accepted_at,
            transfer.accepted_at is not None,
            f"by {transfer.accepted_by_name}, {transfer.accepted_by_role}" if transfer.accepted_at else "",
        )
    )
    return {
        "due": _due(transfer, today) if transfer.is_open else None,
        "stages": stages,
        "chase_on": _chase_on(transfer),
        "received": received,
        "case_refs": list(transfer.cases.order_by("created_at").values_list("reference", flat=True)),
    }


def route_extras(request, transfer: FileTransfer) -> dict:
    """What each route adds to the transfer's page: for another Safeguard the list of Safeguards,
    the signed receipt and the bundle to send by hand; for a link its state and "send a new link";
    for a file handed over the form to record who signed for it."""
    remote, others = remote_extras(transfer), link_and_paper_extras(transfer)
    return {**remote, **others, "route_templates": [*remote.get("route_templates", []), *others.get("route_templates", [])]}


def sent_words(transfer: FileTransfer) -> str:
    if transfer.route == TransferRoute.THIS_SAFEGUARD:
        return f"Sent. {transfer.receiving_school_name}'s DSLs have been told; you will see here when they confirm receipt."
    if transfer.route == TransferRoute.OTHER_SAFEGUARD:
        return "Sent to the other Safeguard. Its signed receipt will show here; then its DSL confirms receipt by name."
    if transfer.route == TransferRoute.IN_PERSON:
        return "Recorded as sent. Print the file, hand it over in person, and record here who signed for it."
    return "Sent."


def received_records_html(received: ReceivedFile) -> str:
    """The records that came with the file, read-only (a file from a Safeguard); '' for paper."""
    if not received.records:
        return ""
    return render_received_records_html(received.records)


# --- The home page and the reports --------------------------------------------------------------


def home_transfers(school_id: int, *, today: date) -> dict:
    """The DSL's home page: files to send (soonest due first) with how many and how many are
    overdue, and files arrived to open. Counted only when more are waiting than are shown."""
    to_send = FileTransfer.objects.filter(school_id=school_id, status__in=[TransferStatus.TO_SEND, TransferStatus.DECLINED])
    shown = list(to_send.select_related("pupil", "school", "receiving_school").order_by("due_on", "id")[:HOME_LIMIT])
    if len(shown) < HOME_LIMIT:
        counts = {"open": len(shown), "overdue": sum(1 for t in shown if t.due_on is not None and t.due_on < today)}
    else:
        counts = to_send.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    due = [_due(t, today) for t in shown]
    arrived = list(waiting_received([school_id], limit=HOME_LIMIT))
    return {"due": due, "counts": counts, "arrived": arrived, "any": bool(due or arrived)}


def transfers_timeliness(school_id: int, *, start: date, end: date) -> dict:
    """Files sent in a period, how many went by their due date, how many the new school confirmed,
    and how many are still to send today (the head's reports): one query."""
    sent = Q(sent_at__isnull=False, sent_at__date__gte=start, sent_at__date__lte=end)
    waiting = Q(status__in=[TransferStatus.TO_SEND, TransferStatus.DECLINED])
    figures = FileTransfer.objects.filter(school_id=school_id).aggregate(
        sent=Count("pk", filter=sent),
        on_time=Count("pk", filter=sent & Q(sent_at__date__lte=F("due_on"))),
        receipted=Count("pk", filter=sent & Q(accepted_at__isnull=False)),
        open=Count("pk", filter=waiting),
        overdue=Count("pk", filter=waiting & Q(due_on__lt=timezone.localdate())),
    )
    return {**figures, "late": figures["sent"] - figures["on_time"]}


def pupil_files(pupil) -> dict:
    """For the pupil's page: the open transfer of their file, and files from previous schools."""
    return {
        "has_records": pupil_has_records(pupil),
        "open_transfer": FileTransfer.objects.filter(pupil=pupil, status__in=OPEN_TRANSFER_STATUSES).first(),
        "past_transfers": list(
            FileTransfer.objects.filter(pupil=pupil).exclude(status__in=OPEN_TRANSFER_STATUSES).order_by("-started_at")
        ),
        "received_files": list(ReceivedFile.objects.filter(pupil=pupil, status=ReceivedStatus.ACCEPTED).order_by("arrived_at")),
        "can_record_received": True,
        "record_received_url": reverse("received_record_by_hand", args=[pupil.pk]),
    }
