"""What the link and paper routes add to a transfer's page (``selectors.route_extras`` merges it):
the link's state with "send a new link", and the form to record who signed for a printed file."""

from __future__ import annotations

from django.utils import timezone

from cases.models import FileTransfer, TransferRoute, TransferStatus
from desk.transfers.forms_paper import ReceiptByHandForm
from desk.transfers.links import link_state


def link_and_paper_extras(transfer: FileTransfer) -> dict:
    """Context and the templates to include, for a transfer sent by a link or in person."""
    if transfer.route == TransferRoute.LINK and transfer.link_token_hash:
        return {"route_templates": ["desk/transfers/_link_status.html"], "link_state": link_state(transfer)}
    if transfer.route == TransferRoute.IN_PERSON and transfer.status in (TransferStatus.SENT, TransferStatus.VIEWED):
        return {
            "route_templates": ["desk/transfers/_receipt_by_hand.html"],
            "receipt_form": ReceiptByHandForm(initial={"received_on": timezone.localdate()}),
        }
    return {}
