"""A child's file leaving the school, and files arriving from a previous school (issue 18).

KCSIE: when a child leaves, the DSL sends the child protection file to the new school separately
from the main pupil file, securely, with confirmation of receipt, within 5 school days of the new
school confirming the child is on its roll (an in-year move), or within the first 5 school days
of the new term; the sending school keeps a record of what was sent, when, and who acknowledged it.

``FileTransfer`` is the sending school's record of one file going to one school, by one of four
routes (``TransferRoute``): to a school on this Safeguard, to a school on another Safeguard (a
signed and encrypted bundle, ``cases.transfer_bundle``), by a one-time link for a school without
Safeguard, or on paper handed over in person. It opens as a checklist when the pupil is marked as
left (``Status.TO_SEND``) and stays open until the receiving school accepts it.

``ReceivedFile`` is the receiving school's record of a file that came in: from a school on this
Safeguard (beside the sender's ``FileTransfer``), from another Safeguard (a bundle at the transfer
inbox), or on paper or by secure email (recorded by hand). Once accepted it joins the pupil's
record, read-only, as "from the previous school".

Nothing here is deleted: a transfer declined stays open for the sender, one cancelled keeps its
reason, a link that dies keeps its row.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models.cases import Case
from cases.models.pupils import Pupil
from safeguard.models import School
from safeguard.storage import WholeFileStorage


def _transfer_storage():
    # Outside the web root, beside the attachments: served only by the views that audit each read.
    return WholeFileStorage(location=settings.ATTACHMENT_ROOT, base_url=None)


def _transfer_path(instance, filename: str) -> str:
    return f"{instance.school_id}/files/{uuid.uuid4().hex}"


class TransferRoute(models.TextChoices):
    THIS_SAFEGUARD = "this", "To a school on this Safeguard"
    OTHER_SAFEGUARD = "other", "To a school on another Safeguard (signed and encrypted)"
    LINK = "link", "By a secure link, for a school without Safeguard"
    IN_PERSON = "in_person", "Printed and handed over in person"


class MoveKind(models.TextChoices):
    IN_YEAR = "in_year", "During the school year"
    NEW_TERM = "new_term", "At the end of a school year (due in the first 5 school days of the new term)"


class TransferStatus(models.TextChoices):
    TO_SEND = "to_send", "To send"
    SENT = "sent", "Sent, waiting for the new school"
    VIEWED = "viewed", "Opened by the new school"
    ACCEPTED = "accepted", "Receipt confirmed"
    DECLINED = "declined", "Declined by the new school"
    CANCELLED = "cancelled", "Not needed"


#: A transfer in one of these is still the sending DSL's work.
OPEN_TRANSFER_STATUSES = (
    TransferStatus.TO_SEND,
    TransferStatus.SENT,
    TransferStatus.VIEWED,
    TransferStatus.DECLINED,
)


class PeerInstance(models.Model):
    """Another Safeguard, as its own "send a file to us" page publishes it: where its transfer
    inbox is and the public keys it signs with and receives with. Added by a DSL from the details
    the other school gave them; a bundle from an instance not listed here is refused."""

    name = models.CharField(
        "name", max_length=200, help_text="How the other Safeguard is known, e.g. the trust or local authority."
    )
    instance_id = models.CharField(max_length=64, unique=True)
    inbox_url = models.URLField("transfer inbox address", max_length=300)
    #: Ed25519 verify key and X25519 public key, base64 (libsodium, through PyNaCl).
    signing_key = models.CharField(max_length=64)
    encryption_key = models.CharField(max_length=64)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FileTransfer(models.Model):
    """The sending school's record of one child's file going to one school."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="file_transfers")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="file_transfers")
    status = models.CharField(max_length=10, choices=TransferStatus.choices, default=TransferStatus.TO_SEND)
    route = models.CharField(max_length=10, choices=TransferRoute.choices, blank=True)
    move = models.CharField(max_length=10, choices=MoveKind.choices, default=MoveKind.IN_YEAR)

    # Where the child is going ("where is this child going?").
    receiving_school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="incoming_transfers"
    )
    receiving_school_name = models.CharField("the new school", max_length=200, blank=True)
    receiving_school_urn = models.CharField("the new school's URN", max_length=8, blank=True)
    receiving_dsl_name = models.CharField("the new school's DSL", max_length=200, blank=True)
    receiving_dsl_email = models.EmailField("the new school's DSL's email address", blank=True)
    peer = models.ForeignKey(PeerInstance, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    # The deadline, in the sending school's school days (safeguard.school_days).
    left_on = models.DateField("left on")
    on_roll_confirmed_on = models.DateField("the new school confirmed the child is on its roll on", null=True, blank=True)
    due_on = models.DateField("the file is due by")

    # What goes: every case by default; concerns kept on the pupil's record go with them.
    cases = models.ManyToManyField(Case, blank=True, related_name="+")
    include_concerns = models.BooleanField(default=True)
    note_for_receiver = models.TextField("a note for the new school's DSL", blank=True)

    # The document as sent: the PDF (and, for another Safeguard, the bundle's identity).
    document = models.FileField(storage=_transfer_storage, upload_to=_transfer_path, max_length=200, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    bundle_id = models.UUIDField(null=True, blank=True, unique=True)
    #: The receiving instance's signed receipt, as it answered (another Safeguard).
    receipt = models.JSONField(null=True, blank=True)

    # A link for a school without Safeguard: the token and one-time code are kept only as hashes.
    link_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    link_code_hash = models.CharField(max_length=128, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    link_failed_attempts = models.PositiveSmallIntegerField(default=0)
    link_locked_at = models.DateTimeField(null=True, blank=True)
    link_ended_at = models.DateTimeField(null=True, blank=True)

    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    #: Who confirmed receipt, by name and role as they gave it (a user of this Safeguard, another
    #: Safeguard's DSL, a link's recipient, or someone handed the paper file).
    accepted_by_name = models.CharField(max_length=200, blank=True)
    accepted_by_role = models.CharField(max_length=200, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_reason = models.TextField(blank=True)
    declined_by_name = models.CharField(max_length=200, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.TextField(blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    # Reminders, each sent once (cases.tasks): when due and not sent; when sent and no receipt.
    due_reminded_on = models.DateField(null=True, blank=True)
    overdue_reminded_on = models.DateField(null=True, blank=True)
    no_receipt_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["school", "status", "due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=models.Q(status__in=["to_send", "sent", "viewed", "declined"]),
                name="one_open_transfer_per_pupil",
            )
        ]

    def __str__(self) -> str:
        return f"File transfer {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TRANSFER_STATUSES

    @property
    def made_on_time(self) -> bool | None:
        """Sent by the due date (None while not sent)."""
        if self.sent_at is None:
            return None
        return timezone.localdate(self.sent_at) <= self.due_on


class ReceivedSource(models.TextChoices):
    THIS_SAFEGUARD = "this", "From a school on this Safeguard"
    OTHER_SAFEGUARD = "other", "From a school on another Safeguard"
    BY_HAND = "by_hand", "On paper or by secure email, recorded by hand"


class ReceivedStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be opened"
    VIEWED = "viewed", "Opened, receipt not yet confirmed"
    ACCEPTED = "accepted", "Receipt confirmed"
    DECLINED = "declined", "Declined"


class ReceivedFile(models.Model):
    """A child's file that came to this school from the child's previous school."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="received_files")
    #: The pupil it joins, matched by UPN or chosen by the DSL when it is accepted.
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="received_files")
    source = models.CharField(max_length=10, choices=ReceivedSource.choices)
    status = models.CharField(max_length=10, choices=ReceivedStatus.choices, default=ReceivedStatus.PENDING)
    #: The sender's record, for a school on this Safeguard (a file declined and sent again is a new one).
    transfer = models.ForeignKey(FileTransfer, on_delete=models.PROTECT, null=True, blank=True, related_name="copies_received")

    # Who it is about and where it came from, as the sender gave them.
    from_school_name = models.CharField("the previous school", max_length=200)
    from_school_urn = models.CharField("the previous school's URN", max_length=8, blank=True)
    from_dsl_name = models.CharField("sent by", max_length=200, blank=True)
    pupil_name = models.CharField(max_length=200)
    pupil_upn = models.CharField("UPN", max_length=13, blank=True)
    pupil_date_of_birth = models.DateField(null=True, blank=True)
    note_from_sender = models.TextField(blank=True)

    # What came: the PDF, and for a Safeguard-to-Safeguard transfer the records as documented JSON.
    document = models.FileField(storage=_transfer_storage, upload_to=_transfer_path, max_length=200, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    records = models.JSONField(null=True, blank=True)
    #: The bundle's identity (another Safeguard): a bundle seen once is refused again (replay).
    bundle_id = models.UUIDField(null=True, blank=True, unique=True)
    peer = models.ForeignKey(PeerInstance, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    arrived_at = models.DateTimeField(default=timezone.now)
    viewed_at = models.DateTimeField(null=True, blank=True)
    viewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    declined_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    declined_reason = models.TextField(blank=True)
    #: From another Safeguard: when the signed answer (accepted or declined) reached the sender;
    #: until then the beat's sweep sends it again.
    answer_sent_at = models.DateTimeField(null=True, blank=True)
    #: Recorded by hand: who recorded it (received when is ``arrived_at``).
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-arrived_at", "-id"]
        indexes = [models.Index(fields=["school", "status", "arrived_at"])]

    def __str__(self) -> str:
        return f"File from {self.from_school_name}"


class TransferInboxRefusal(models.Model):
    """A bundle the transfer inbox refused (altered, unknown key, replayed, misaddressed, not
    decryptable): kept for the operator and the DSLs, with no content of the bundle."""

    received_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=40)
    detail = models.CharField(max_length=300, blank=True)
    sender_key = models.CharField(max_length=64, blank=True)
    bundle_id = models.CharField(max_length=64, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at"]
        # The inbox counts an address's recent refusals before listening to it (a flood of junk).
        indexes = [models.Index(fields=["remote_addr", "received_at"])]

    def __str__(self) -> str:
        return f"Refused bundle ({self.reason})"
