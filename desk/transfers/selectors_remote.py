"""Reads for children's files to and from another Safeguard: the peers, the card, the receipt."""

from __future__ import annotations

import json
from datetime import datetime

from django.urls import reverse

from cases.models import FileTransfer, PeerInstance, TransferInboxRefusal, TransferRoute
from desk.transfers.bundle import ReceiptRefused, verify_receipt
from desk.transfers.keys import instance_card
from desk.transfers.remote import REFUSAL_WORDS

#: Refusals shown on the peers page (the newest).
REFUSALS_SHOWN = 20


def peers_page() -> dict:
    peers = list(PeerInstance.objects.select_related("added_by").order_by("retired_at", "name"))
    return {
        "active_peers": [p for p in peers if p.retired_at is None],
        "retired_peers": [p for p in peers if p.retired_at is not None],
        "refusals": [
            (row, REFUSAL_WORDS.get(row.reason, "Refused."))
            for row in TransferInboxRefusal.objects.order_by("-received_at")[:REFUSALS_SHOWN]
        ],
    }


def card_page() -> dict:
    card = instance_card()
    return {"card": card, "card_json": json.dumps(card, indent=2)}


def receipt_payload(transfer: FileTransfer) -> dict | None:
    """The stored receipt's signed payload, checked again against the peer's key (None if none)."""
    if not transfer.receipt or transfer.peer is None or transfer.bundle_id is None:
        return None
    try:
        payload = verify_receipt(transfer.receipt, verify_key_b64=transfer.peer.signing_key, bundle_id=str(transfer.bundle_id))
    except ReceiptRefused:
        return None
    try:
        payload["received"] = datetime.fromisoformat(payload["received_at"])
    except (KeyError, TypeError, ValueError):
        payload["received"] = None
    return payload


def remote_extras(transfer: FileTransfer) -> dict:
    """What the other-Safeguard route adds to a transfer's page (``selectors.route_extras``): the
    link to the list of Safeguards, and once sent, the receipt and the by-hand bundle."""
    extras = {"peers_url": reverse("transfer_peers")}
    if transfer.route == TransferRoute.OTHER_SAFEGUARD and transfer.bundle_id is not None:
        extras["route_templates"] = ["desk/transfers/remote_sent.html"]
        extras["remote_receipt"] = receipt_payload(transfer)
    return extras
