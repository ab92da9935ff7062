"""A child's file to and from a school on another Safeguard (issue 18, part 3): the writes.

KCSIE: the file goes "securely, with confirmation of receipt". Here that is a bundle signed with
this instance's key and encrypted to the receiving instance's key (``bundle``), posted to its
transfer inbox, which answers with a signed receipt kept on the transfer. When the receiving DSL
accepts or declines, their instance posts a signed acknowledgement back, and the transfer moves
(``core.mark_accepted`` / ``core.mark_declined``). When the two cannot reach each other, the DSLs
carry the bundle and the receipt by hand through the same functions.

The sealed bundle is kept as a file beside the transfer's PDF (outside the web root), named by
its bundle id, so a failed delivery is retried with exactly the bytes first sent, the manual
download is those bytes, and the receipt's SHA-256 can be checked against them.

Nothing of a child's file is ever logged: a refusal logs its reason word and the bundle id.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from nacl.public import PublicKey

from cases.access import lead_school_ids
from cases.models import (
    FileTransfer,
    PeerInstance,
    Pupil,
    ReceivedFile,
    ReceivedSource,
    ReceivedStatus,
    TransferInboxRefusal,
    TransferRoute,
    TransferStatus,
)
from desk.transfers import core
from desk.transfers.bundle import (
    BundleRefused,
    ReceiptRefused,
    open_ack,
    open_bundle,
    seal_ack,
    seal_bundle,
    sign_receipt,
    unb64,
    verify_receipt,
)
from desk.transfers.keys import CARD_KIND, CARD_VERSION, instance_id_of, this_identity
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.network import is_loopback_host
from safeguard.permissions import roles_at
from safeguard.roles import Role, can_send_child_files
from safeguard.storage import WholeFileStorage

logger = logging.getLogger(__name__)

#: How long one POST to another Safeguard may take.
POST_TIMEOUT = 20
#: A sealed bundle not yet receipted after this long is posted again by the sweep.
SWEEP_AFTER_MINUTES = 10

#: The HTTP status the inbox answers each refusal with (the body is the reason word alone).
REFUSAL_STATUS = {
    "too_large": 413,
    "malformed": 400,
    "not_decryptable": 400,
    "unsupported": 415,
    "bad_signature": 403,
    "unknown_sender": 403,
    "misaddressed": 422,
    "unknown_bundle": 404,
    "replayed": 409,
    "too_many": 429,
}

#: An address whose posts were refused this many times in ``FLOOD_WINDOW`` is answered 429, with
#: nothing read or recorded, until the window passes (a real Safeguard posts a few bundles a day).
FLOOD_REFUSALS = 20
FLOOD_WINDOW = timedelta(minutes=10)

#: What each refusal means, for the DSL who uploaded a bundle by hand.
REFUSAL_WORDS = {
    "too_large": "The file is too large to be a Safeguard bundle.",
    "malformed": "This is not a Safeguard bundle, or it is damaged.",
    "unsupported": "This is not a Safeguard bundle.",
    "not_decryptable": "This bundle was not made for this Safeguard (it cannot be opened with this Safeguard's key), "
    "or it was changed on the way.",
    "bad_signature": "This bundle has been changed since it was signed: it cannot be trusted. Ask the sending school to send it again.",
    "unknown_sender": "This bundle comes from a Safeguard that is not on your list. Add the sending school's Safeguard "
    '(from their "send a child\'s file to us" details) and upload it again.',
    "misaddressed": "This bundle is addressed to another school, or to a school where you are not the DSL.",
    "replayed": "This bundle has been received already: look for it in the files arrived.",
    "unknown_bundle": "No file sent from here matches this.",
    "too_many": "Too many refused bundles came from this address lately: wait ten minutes and try again.",
}


def inbox_flooded(remote_addr: str | None, *, now=None) -> bool:
    """Whether the inbox should stop listening to ``remote_addr`` for now (one indexed count)."""
    if not remote_addr:
        return False
    since = (now or timezone.now()) - FLOOD_WINDOW
    return TransferInboxRefusal.objects.filter(remote_addr=remote_addr, received_at__gte=since).count() >= FLOOD_REFUSALS


class InboxRefused(Exception):
    """The inbox refused what it was given; the refusal is already recorded."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def status(self) -> int:
        return REFUSAL_STATUS.get(self.reason, 400)

    @property
    def words(self) -> str:
        return REFUSAL_WORDS.get(self.reason, "This bundle was refused.")


# --- Addresses and peers -------------------------------------------------------------------------


def inbox_url_error(url: str) -> str:
    """Why a transfer inbox address cannot be used ('' if it can): HTTPS, or plain HTTP on this
    machine only when ``TRANSFER_ALLOW_HTTP_LOOPBACK`` is on (tests and development)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "The transfer inbox address is not a web address."
    if parts.scheme == "https" and parts.hostname:
        return ""
    if parts.scheme == "http" and parts.hostname and is_loopback_host(parts.hostname) and settings.TRANSFER_ALLOW_HTTP_LOOPBACK:
        return ""
    return "The transfer inbox address must start with https:// (a child's file never travels unencrypted)."


def ack_url(inbox_url: str) -> str:
    return inbox_url.rstrip("/") + "/ack/"


def known_senders() -> dict[str, PeerInstance]:
    """The Safeguards a bundle or acknowledgement may come from: every peer not retired."""
    return {peer.signing_key: peer for peer in PeerInstance.objects.filter(retired_at__isnull=True)}


def _require_some_lead(actor: User) -> list[int]:
    schools = lead_school_ids(actor)
    if not schools:
        raise ValidationError("Only a school's DSL or a deputy can do this.")
    return schools


@dataclass(frozen=True)
class Card:
    name: str
    instance_id: str
    inbox_url: str
    verify_key: str
    encryption_key: str
    schools: list


def card_parse(text: str) -> Card:
    """Another Safeguard's card as its "send a child's file to us" page shows it, checked: each
    problem in the DSL's words (ValidationError)."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ValidationError(
            {"card": "Paste the details exactly as the other school's page shows them (they start with {)."}
        ) from None
    if not isinstance(data, dict) or data.get("kind") != CARD_KIND:
        raise ValidationError({"card": "These are not a Safeguard's \"send a child's file to us\" details."})
    if data.get("version") != CARD_VERSION:
        raise ValidationError({"card": "These details are from a version of Safeguard this one does not read."})
    try:
        verify_key = str(data["verify_key"])
        encryption_key = str(data["encryption_key"])
        unb64(verify_key, size=32)
        unb64(encryption_key, size=32)
        instance_id = str(data["instance_id"])
        inbox = str(data["inbox_url"])
    except (KeyError, ValueError):
        raise ValidationError({"card": "Part of the details is missing or changed: copy them again, whole."}) from None
    if instance_id_of(verify_key) != instance_id:
        raise ValidationError({"card": "The details do not match their own key: copy them again, whole."})
    error = inbox_url_error(inbox)
    if error:
        raise ValidationError({"card": error})
    schools = [s for s in data.get("schools") or [] if isinstance(s, dict)]
    return Card(
        name=str(data.get("name") or "")[:200],
        instance_id=instance_id,
        inbox_url=inbox[:300],
        verify_key=verify_key,
        encryption_key=encryption_key,
        schools=schools,
    )


@transaction.atomic
def peer_add(*, actor: User, card_text: str, name: str = "") -> PeerInstance:
    """Trust another Safeguard: bundles it signs are taken, and files can go to its schools.
    A DSL adds it from the details the other school gave them (checked with them by phone)."""
    _require_some_lead(actor)
    card = card_parse(card_text)
    if card.instance_id == this_identity().instance_id:
        raise ValidationError({"card": "These are this Safeguard's own details: paste the other school's."})
    name = (name.strip() or card.name or "Another Safeguard")[:200]
    peer = PeerInstance.objects.select_for_update().filter(instance_id=card.instance_id).first()
    if peer is not None and peer.retired_at is None:
        raise ValidationError({"card": f"This Safeguard is on the list already, as {peer.name}."})
    if peer is None:
        peer = PeerInstance(instance_id=card.instance_id)
    peer.name = name
    peer.inbox_url = card.inbox_url
    peer.signing_key = card.verify_key
    peer.encryption_key = card.encryption_key
    peer.added_by = actor
    peer.added_at = timezone.now()
    peer.retired_at = None
    peer.save()
    audit_record(
        actor=actor,
        action="desk.transfer_peer.added",
        obj=peer,
        extra={"peer_id": peer.pk, "instance_id": peer.instance_id},
    )
    return peer


@transaction.atomic
def peer_retire(*, actor: User, peer: PeerInstance) -> PeerInstance:
    """No more files to or from that Safeguard (its key was lost, or the schools left it)."""
    _require_some_lead(actor)
    peer = PeerInstance.objects.select_for_update().get(pk=peer.pk)
    if peer.retired_at is not None:
        raise ValidationError("That Safeguard was taken off the list already.")
    peer.retired_at = timezone.now()
    peer.save(update_fields=["retired_at"])
    audit_record(actor=actor, action="desk.transfer_peer.retired", obj=peer, extra={"peer_id": peer.pk})
    return peer


# --- Sending -------------------------------------------------------------------------------------


def _storage() -> FileSystemStorage:
    # Outside the web root, beside the transfers' PDFs.
    return WholeFileStorage(location=settings.ATTACHMENT_ROOT, base_url=None)


def bundle_file_name(transfer: FileTransfer) -> str:
    return f"{transfer.school_id}/bundles/{transfer.bundle_id}.sgbundle"


def bundle_bytes(transfer: FileTransfer) -> bytes:
    """The sealed bundle exactly as first made for this transfer."""
    with _storage().open(bundle_file_name(transfer), "rb") as handle:
        return handle.read()


def prepare_bundle(*, transfer: FileTransfer, actor: User, pdf: bytes, records: dict) -> None:
    """Inside ``transfer_send``'s transaction: seal the file to the peer's key, addressed to the
    new school's URN, and keep it beside the PDF (removed again if the transaction fails)."""
    peer = transfer.peer
    if peer is None or peer.retired_at is not None:
        raise ValidationError("Choose the other Safeguard again: the one chosen is no longer on the list.")
    if not transfer.school.urn:
        raise ValidationError("Set this school's URN in the school settings first: the other Safeguard needs it to answer.")
    me = this_identity()
    pupil = transfer.pupil
    transfer.bundle_id = uuid.uuid4()
    transfer.receipt = None
    now = timezone.now()
    cover = {
        "from_school_name": transfer.school.name,
        "from_school_urn": transfer.school.urn,
        "from_dsl_name": actor.full_name,
        "pupil_name": pupil.full_name,
        "pupil_upn": pupil.upn,
        "pupil_date_of_birth": pupil.date_of_birth.isoformat() if pupil.date_of_birth else "",
        "left_on": transfer.left_on.isoformat(),
        "note": transfer.note_for_receiver,
    }
    data = seal_bundle(
        records=records,
        pdf=pdf,
        attachments=[],
        cover=cover,
        sender_signing_key=me.signing_key,
        recipient_public_key=PublicKey(unb64(peer.encryption_key, size=32)),
        bundle_id=str(transfer.bundle_id),
        to_instance=peer.instance_id,
        to_urn=transfer.receiving_school_urn,
        from_instance=me.instance_id,
        from_urn=transfer.school.urn,
        created_at=now,
    )
    storage = _storage()
    name = storage.save(bundle_file_name(transfer), ContentFile(data))
    # Registered with the lead's cleanup, so no bundle is left on disk if the send rolls back.
    core.remember_written(storage, name)
    transfer.save(update_fields=["bundle_id", "receipt"])


def deliver_soon(transfer_id: int) -> None:
    """After the send commits: queue the delivery. With the broker down, the sweep posts it later."""
    from desk.tasks import deliver_bundle  # the task module imports this one

    try:
        deliver_bundle.delay(transfer_id)
    except (KombuOperationalError, OSError):
        logger.warning("Broker unavailable: child's file T%s will be delivered by the next sweep.", transfer_id)


def _post(url: str, data: bytes) -> tuple[int, bytes]:
    """POST bytes; the status and body (an HTTP error's too). Raises OSError when unreachable."""
    error = inbox_url_error(url)
    if error:
        raise ValueError(error)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url, data=data, method="POST", headers={"Content-Type": "application/octet-stream", "User-Agent": "Safeguard-transfer/1"}
    )
    try:
        with urllib.request.urlopen(request, timeout=POST_TIMEOUT) as response:  # noqa: S310
            return response.status, response.read(64 * 1024)
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read(1024)


def _delivery_failed(transfer: FileTransfer, reason: str) -> None:
    audit_record(
        actor=None,
        action="desk.transfer.delivery_failed",
        obj=("cases.pupil", transfer.pupil_id),
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk, "reason": reason},
    )
    logger.warning("Child's file T%s not delivered to the other Safeguard: %s.", transfer.pk, reason)


def _awaiting_receipt(transfer: FileTransfer) -> bool:
    return (
        transfer.route == TransferRoute.OTHER_SAFEGUARD
        and transfer.bundle_id is not None
        and transfer.receipt is None
        and transfer.status in (TransferStatus.SENT, TransferStatus.VIEWED, TransferStatus.ACCEPTED, TransferStatus.DECLINED)
    )


def receipt_store(*, transfer: FileTransfer, receipt: dict, actor: User | None = None, how: str = "inbox") -> dict:
    """Keep the other Safeguard's signed receipt on the transfer, once it verifies against the
    peer's key and the bundle's bytes. Inside a transaction; the payload returned."""
    transfer = core.lock_transfer(transfer)
    if transfer.route != TransferRoute.OTHER_SAFEGUARD or transfer.bundle_id is None or transfer.peer is None:
        raise ValidationError("This file did not go to another Safeguard, so it has no receipt to record.")
    try:
        payload = verify_receipt(
            receipt,
            verify_key_b64=transfer.peer.signing_key,
            bundle_id=str(transfer.bundle_id),
            bundle_sha256=hashlib.sha256(bundle_bytes(transfer)).hexdigest(),
        )
    except ReceiptRefused:
        raise ValidationError(
            {"receipt": "This receipt is not the other Safeguard's receipt for this file (it does not verify)."}
        ) from None
    if transfer.receipt is not None:
        return payload
    transfer.receipt = receipt
    transfer.save(update_fields=["receipt"])
    audit_record(
        actor=actor,
        action="desk.transfer.delivered",
        obj=transfer.pupil,
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk, "peer_id": transfer.peer_id, "how": how},
    )
    return payload


def bundle_deliver(transfer_id: int) -> str:
    """Post the sealed bundle to the peer's inbox and keep its signed receipt. Idempotent: a
    transfer already receipted is not posted again. Returns "delivered", "already", "skipped",
    "retry" (unreachable: try again later) or "refused" (the other side said no: a person must act)."""
    transfer = FileTransfer.objects.select_related("peer", "school").filter(pk=transfer_id).first()
    if transfer is None or not _awaiting_receipt(transfer):
        return "already" if transfer is not None and transfer.receipt is not None else "skipped"
    peer = transfer.peer
    if peer is None or peer.retired_at is not None:
        _delivery_failed(transfer, "peer_retired")
        return "refused"
    try:
        status, body = _post(peer.inbox_url, bundle_bytes(transfer))
    except ValueError:
        _delivery_failed(transfer, "inbox_not_https")
        return "refused"
    except OSError:
        _delivery_failed(transfer, "unreachable")
        return "retry"
    if status >= 500:
        _delivery_failed(transfer, f"server_error_{status}")
        return "retry"
    if status != 200:
        word = body.decode("ascii", "replace").strip()[:40] or str(status)
        _delivery_failed(transfer, f"refused_{word}" if word.isidentifier() else f"refused_{status}")
        return "refused"
    try:
        receipt = json.loads(body)
        with transaction.atomic():
            receipt_store(transfer=transfer, receipt=receipt, how="inbox")
    except (ValueError, ValidationError):
        _delivery_failed(transfer, "bad_receipt")
        return "refused"
    return "delivered"


def bundles_deliver_sweep(*, now=None) -> int:
    """Celery beat: bundles sent a while ago and still not receipted are queued again (a broker
    that was down, a peer unreachable past the task's retries). The receiver refuses a replay."""
    now = now or timezone.now()
    pending = FileTransfer.objects.filter(
        route=TransferRoute.OTHER_SAFEGUARD,
        bundle_id__isnull=False,
        receipt__isnull=True,
        status__in=[TransferStatus.SENT, TransferStatus.VIEWED],
        sent_at__lte=now - timedelta(minutes=SWEEP_AFTER_MINUTES),
    ).values_list("pk", flat=True)
    count = 0
    for pk in pending:
        deliver_soon(pk)
        count += 1
    # Answers (accepted or declined) that have not reached the sending Safeguard yet.
    unanswered = ReceivedFile.objects.filter(
        source=ReceivedSource.OTHER_SAFEGUARD, answer_sent_at__isnull=True, bundle_id__isnull=False
    ).filter(
        Q(status=ReceivedStatus.ACCEPTED, accepted_at__lte=now - timedelta(minutes=SWEEP_AFTER_MINUTES))
        | Q(status=ReceivedStatus.DECLINED, declined_at__lte=now - timedelta(minutes=SWEEP_AFTER_MINUTES))
    )
    for received in unanswered.select_related("peer"):
        acknowledge_soon(received)
        count += 1
    return count


@transaction.atomic
def bundle_downloaded(*, actor: User, transfer: FileTransfer) -> bytes:
    """The sending DSL takes the sealed bundle to carry by hand (the two Safeguards cannot reach
    each other): audited like every copy of a child's file."""
    if transfer.route != TransferRoute.OTHER_SAFEGUARD or transfer.bundle_id is None:
        raise ValidationError("This file did not go as a bundle to another Safeguard.")
    data = bundle_bytes(transfer)
    audit_record(
        actor=actor,
        action="desk.transfer.bundle_downloaded",
        obj=transfer.pupil,
        school=transfer.school_id,
        extra={"transfer_id": transfer.pk},
    )
    return data


@transaction.atomic
def receipt_upload(*, actor: User, transfer: FileTransfer, receipt_text: str) -> dict:
    """The receipt the receiving DSL gave back by hand, checked and kept on the transfer."""
    if not can_send_child_files(roles_at(actor, transfer.school_id)):
        raise ValidationError("Only the school's DSL or a deputy can do this.")
    try:
        receipt = json.loads(receipt_text)
    except ValueError:
        raise ValidationError({"receipt": "Upload the receipt file exactly as the other school gave it to you."}) from None
    return receipt_store(transfer=transfer, receipt=receipt, actor=actor, how="by_hand")


# --- Receiving -----------------------------------------------------------------------------------


def _refuse(
    reason: str,
    *,
    detail: str = "",
    sender_key: str = "",
    bundle_id: str = "",
    remote_addr=None,
    size: int = 0,
    actor: User | None = None,
    kind: str = "bundle",
) -> InboxRefused:
    """Record a refusal (its own transaction: it outlives the failed request) and return the error."""
    with transaction.atomic():
        row = TransferInboxRefusal.objects.create(
            reason=reason,
            detail=f"{kind}: {detail}"[:300],
            sender_key=sender_key[:64],
            bundle_id=bundle_id[:64],
            remote_addr=_address(remote_addr),
            size=min(size, 2**31 - 1),
        )
        audit_record(
            actor=actor,
            action="desk.transfer_inbox.refused",
            obj=row,
            extra={"reason": reason, "kind": kind},
        )
    logger.warning("Transfer inbox refused a%s %s: %s (bundle %s).", "n" if kind == "ack" else "", kind, reason, bundle_id or "-")
    return InboxRefused(reason)


def _address(value) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def refuse_unopened(reason: str, *, size: int, remote_addr=None, kind: str = "bundle") -> InboxRefused:
    """A refusal before the bundle is read (wrong content type, too large)."""
    return _refuse(reason, detail="refused before reading", remote_addr=remote_addr, size=size, kind=kind)


def _as_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def inbox_receive(data: bytes, remote_addr: str | None = None, *, uploaded_by: User | None = None) -> dict:
    """A bundle at this instance's transfer inbox (posted by another Safeguard, or uploaded by a
    DSL): opened, checked, and kept as a file arrived for the school it is addressed to, whose
    DSLs are told at once. Returns the signed receipt; raises ``InboxRefused`` (recorded) for an
    altered, unknown, misaddressed, replayed or damaged bundle."""
    me = this_identity()
    urns = School.objects.exclude(urn="")
    if uploaded_by is not None:
        urns = urns.filter(pk__in=lead_school_ids(uploaded_by))
    known_urns = set(urns.values_list("urn", flat=True))
    refuse = {"remote_addr": remote_addr, "size": len(data), "actor": uploaded_by}
    try:
        opened = open_bundle(
            data,
            recipient_private_key=me.private_key,
            known_senders=known_senders(),
            this_instance=me.instance_id,
            this_urns=known_urns,
            max_size=settings.TRANSFER_BUNDLE_MAX_MB * 1024 * 1024,
        )
    except BundleRefused as refusal:
        raise _refuse(
            refusal.reason, detail=refusal.detail, sender_key=refusal.sender_key, bundle_id=refusal.bundle_id, **refuse
        ) from None
    ids = {"sender_key": opened.sender_key, "bundle_id": opened.bundle_id}
    try:
        bundle_id = uuid.UUID(opened.bundle_id)
    except ValueError:
        raise _refuse("malformed", detail="bundle id", **ids, **refuse) from None
    if ReceivedFile.objects.filter(bundle_id=bundle_id).exists():
        raise _refuse("replayed", detail="bundle id already received", **ids, **refuse)
    cover = opened.cover
    now = timezone.now()
    try:
        with core.files_removed_on_failure(), transaction.atomic():
            school = School.objects.get(urn=opened.to_urn)
            upn = str(cover.get("pupil_upn") or "")[:13]
            received = ReceivedFile(
                school=school,
                source=ReceivedSource.OTHER_SAFEGUARD,
                status=ReceivedStatus.PENDING,
                from_school_name=str(cover.get("from_school_name") or "A school on another Safeguard")[:200],
                from_school_urn=opened.from_urn[:8],
                from_dsl_name=str(cover.get("from_dsl_name") or "")[:200],
                pupil_name=str(cover.get("pupil_name") or "(not given)")[:200],
                pupil_upn=upn,
                pupil_date_of_birth=_as_date(str(cover.get("pupil_date_of_birth") or "")),
                note_from_sender=str(cover.get("note") or ""),
                records=opened.records,
                bundle_id=bundle_id,
                peer=opened.sender,
                arrived_at=now,
                recorded_by=uploaded_by,
                pupil=Pupil.objects.filter(school=school, upn=upn).first() if upn else None,
            )
            core.store_document(received, opened.pdf, name=f"received-{bundle_id}.pdf")
            received.save()
            core.received_arrived(received=received, actor=uploaded_by)
    except IntegrityError:
        # The same bundle twice at once: the unique bundle id let one in.
        raise _refuse("replayed", detail="bundle id already received", **ids, **refuse) from None
    return sign_receipt(
        signing_key=me.signing_key,
        bundle_id=opened.bundle_id,
        received_at=now,
        bundle_sha256=opened.sha256,
        to_urn=opened.to_urn,
        to_instance=me.instance_id,
    )


# --- Acknowledgements: the receiving DSL's answer goes back -------------------------------------


def acknowledge_soon(received: ReceivedFile) -> None:
    """After an accept or decline commits: queue the signed answer to the sending Safeguard."""
    if received.source != ReceivedSource.OTHER_SAFEGUARD or received.peer_id is None or received.bundle_id is None:
        return
    from desk.tasks import send_acknowledgement  # the task module imports this one

    try:
        send_acknowledgement.delay(received.pk)
    except (KombuOperationalError, OSError):
        logger.warning("Broker unavailable: the answer to file R%s was not queued; retry from the file's page.", received.pk)


def _ack_body(received: ReceivedFile) -> dict:
    if received.status == ReceivedStatus.ACCEPTED:
        user, at, status, reason = received.accepted_by, received.accepted_at, "accepted", ""
    elif received.status == ReceivedStatus.DECLINED:
        user, at, status, reason = received.declined_by, received.declined_at, "declined", received.declined_reason
    else:
        raise ValueError("not answered yet")
    role = "Staff"
    if user is not None:
        held = roles_at(user, received.school_id)
        role = next((Role(r).label for r in (Role.DSL, Role.DEPUTY_DSL) if r in held), "Staff")
    return {
        "status": status,
        "by_name": user.full_name if user is not None else "",
        "by_role": f"{role}, {received.school.name}",
        "reason": reason,
        "at": at.isoformat() if at else "",
    }


def ack_deliver(received_id: int) -> str:
    """Post the signed answer (accepted or declined, by whom) to the sending Safeguard. Returns
    "sent", "already" (it had it), "skipped", "retry" or "refused"."""
    received = ReceivedFile.objects.select_related("peer", "school", "accepted_by", "declined_by").filter(pk=received_id).first()
    if received is None or received.peer is None or received.bundle_id is None:
        return "skipped"
    try:
        body = _ack_body(received)
    except ValueError:
        return "skipped"
    me = this_identity()
    peer = received.peer
    data = seal_ack(
        ack=body,
        sender_signing_key=me.signing_key,
        recipient_public_key=PublicKey(unb64(peer.encryption_key, size=32)),
        bundle_id=str(received.bundle_id),
        to_instance=peer.instance_id,
        to_urn=received.from_school_urn,
        from_instance=me.instance_id,
        from_urn=received.school.urn,
        created_at=timezone.now(),
    )
    try:
        status, answer = _post(ack_url(peer.inbox_url), data)
    except ValueError:
        outcome, reason = "refused", "inbox_not_https"
    except OSError:
        outcome, reason = "retry", "unreachable"
    else:
        word = answer.decode("ascii", "replace").strip()[:40]
        if status == 200:
            outcome, reason = "sent", ""
        elif status == 409:
            outcome, reason = "already", ""
        elif status >= 500:
            outcome, reason = "retry", f"server_error_{status}"
        else:
            outcome, reason = "refused", f"refused_{word}" if word.isidentifier() else f"refused_{status}"
    with transaction.atomic():
        if outcome in ("sent", "already"):
            ReceivedFile.objects.filter(pk=received.pk, answer_sent_at__isnull=True).update(answer_sent_at=timezone.now())
        audit_record(
            actor=None,
            action="desk.received_file.answer_sent" if outcome in ("sent", "already") else "desk.received_file.answer_failed",
            obj=received,
            school=received.school_id,
            extra={"status": body["status"], **({"reason": reason} if reason else {})},
        )
    if reason:
        logger.warning("The answer to file R%s did not reach the sending Safeguard: %s.", received.pk, reason)
    return outcome


def ack_receive(data: bytes, remote_addr: str | None = None) -> dict:
    """The receiving Safeguard's signed answer to a bundle sent from here: the transfer becomes
    accepted (with the name and role they gave) or declined (with their reason; it stays open).
    An answer for no bundle of ours, from another key, or given twice is refused (recorded)."""
    me = this_identity()
    refuse = {"remote_addr": remote_addr, "size": len(data), "kind": "ack"}
    try:
        opened = open_ack(data, recipient_private_key=me.private_key, known_senders=known_senders(), this_instance=me.instance_id)
    except BundleRefused as refusal:
        raise _refuse(
            refusal.reason, detail=refusal.detail, sender_key=refusal.sender_key, bundle_id=refusal.bundle_id, **refuse
        ) from None
    ids = {"sender_key": opened.sender_key, "bundle_id": opened.bundle_id}
    ack = opened.ack
    status = ack.get("status")
    with transaction.atomic():
        try:
            transfer = (
                FileTransfer.objects.select_for_update(of=("self",))
                .select_related("school", "peer")
                .filter(bundle_id=uuid.UUID(opened.bundle_id))
                .first()
            )
        except ValueError:
            transfer = None
        if transfer is None or transfer.peer is None or transfer.peer.signing_key != opened.sender_key:
            refusal = "unknown_bundle"
        elif opened.to_urn != transfer.school.urn:
            refusal = "misaddressed"
        elif status not in ("accepted", "declined"):
            refusal = "malformed"
        elif transfer.status in (TransferStatus.ACCEPTED, TransferStatus.CANCELLED) or (
            status == "declined" and transfer.status == TransferStatus.DECLINED
        ):
            refusal = "replayed"
        else:
            refusal = ""
            name = str(ack.get("by_name") or "the new school's DSL")
            if status == "accepted":
                core.mark_accepted(transfer=transfer, name=name, role=str(ack.get("by_role") or ""), how="other")
            else:
                core.mark_declined(transfer=transfer, name=name, reason=str(ack.get("reason") or "No reason given."))
    if refusal:
        raise _refuse(refusal, detail=f"answer {status}", **ids, **refuse)
    return {"status": "applied"}


__all__ = [
    "InboxRefused",
    "ack_deliver",
    "ack_receive",
    "acknowledge_soon",
    "bundle_deliver",
    "bundle_downloaded",
    "bundles_deliver_sweep",
    "card_parse",
    "deliver_soon",
    "inbox_receive",
    "inbox_url_error",
    "peer_add",
    "peer_retire",
    "prepare_bundle",
    "receipt_store",
    "receipt_upload",
]
