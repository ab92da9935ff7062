"""Pages for children's files to and from another Safeguard (issue 18, part 3). Thin: parse the
request, call one service or selector, answer.

The inbox (and its acknowledgement address) is the one place another machine talks to Safeguard:
no login, no CSRF token (a bundle is signed and encrypted instead), a size limit, bytes in and a
signed receipt or a refusal word out.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from cases.access import get_transfer_for_lead, lead_school_ids
from cases.models import PeerInstance, TransferRoute
from desk.transfers import remote, selectors_remote
from desk.transfers.forms_remote import BundleUploadForm, PeerAddForm, PeerRetireForm, ReceiptUploadForm
from safeguard.forms import add_service_errors
from safeguard.middleware import client_ip

#: Where the receipt of a bundle uploaded by hand waits for the DSL to download it.
RECEIPT_SESSION_KEY = "safeguard_transfer_receipt"


def _require_lead(request) -> None:
    if not lead_school_ids(request.user):
        raise PermissionDenied("Only a school's DSL or a deputy sends and receives children's files.")


def _refused(refusal: remote.InboxRefused) -> HttpResponse:
    return HttpResponse(refusal.reason, status=refusal.status, content_type="text/plain; charset=utf-8")


def _read_posted(request, *, kind: str) -> bytes:
    """The POSTed bytes, or InboxRefused (recorded) for the wrong kind of body or too many bytes.
    An address refused many times lately gets 429 before anything is read or written, so junk
    posted in a loop cannot fill the refusal table or the audit log."""
    address = client_ip(request)
    if remote.inbox_flooded(address):
        raise remote.InboxRefused("too_many")
    limit = settings.TRANSFER_BUNDLE_MAX_MB * 1024 * 1024
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if request.content_type != "application/octet-stream":
        raise remote.refuse_unopened("unsupported", size=length, remote_addr=address, kind=kind)
    if length > limit:
        raise remote.refuse_unopened("too_large", size=length, remote_addr=address, kind=kind)
    # Read from the stream: request.body would stop at DATA_UPLOAD_MAX_MEMORY_SIZE (5 MB).
    data = request.read(limit + 1)
    if len(data) > limit:
        raise remote.refuse_unopened("too_large", size=len(data), remote_addr=address, kind=kind)
    return data


@csrf_exempt
@login_not_required
@require_POST
def transfer_inbox(request):
    """Another Safeguard posts a sealed bundle; the answer is this instance's signed receipt."""
    try:
        data = _read_posted(request, kind="bundle")
        receipt = remote.inbox_receive(data, client_ip(request))
    except remote.InboxRefused as refusal:
        return _refused(refusal)
    return JsonResponse(receipt)


@csrf_exempt
@login_not_required
@require_POST
def transfer_inbox_ack(request):
    """Another Safeguard posts its signed answer to a bundle sent from here."""
    try:
        data = _read_posted(request, kind="ack")
        answer = remote.ack_receive(data, client_ip(request))
    except remote.InboxRefused as refusal:
        return _refused(refusal)
    return JsonResponse(answer)


@require_GET
def transfer_send_to_us(request):
    """This instance's card: what another school's DSL adds to their Safeguard to send files here."""
    _require_lead(request)
    return render(request, "desk/transfers/send_to_us.html", selectors_remote.card_page())


def transfer_peers(request):
    """The other Safeguards files may go to and come from: add one from its card, or retire one."""
    _require_lead(request)
    form = PeerAddForm()
    status = 200
    if request.method == "POST":
        if "retire" in request.POST:
            retire = PeerRetireForm(request.POST)
            peer = PeerInstance.objects.filter(pk=retire.cleaned_data["peer"]).first() if retire.is_valid() else None
            if peer is None:
                messages.error(request, "That Safeguard is not on the list.")
            else:
                try:
                    remote.peer_retire(actor=request.user, peer=peer)
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(request, f"{peer.name} is off the list: no file goes there or is taken from it.")
            return redirect("transfer_peers")
        form = PeerAddForm(request.POST)
        if form.is_valid():
            try:
                peer = remote.peer_add(actor=request.user, card_text=form.cleaned_data["card"], name=form.cleaned_data["name"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Added {peer.name}. Files can now go to its schools, and come from them.")
                return redirect("transfer_peers")
        status = 400
    return render(request, "desk/transfers/peers.html", {"form": form, **selectors_remote.peers_page()}, status=status)


@require_GET
def transfer_bundle(request, pk: int):
    """The sealed bundle as sent, to carry by hand when the two Safeguards cannot reach each other."""
    transfer = get_transfer_for_lead(request.user, pk)
    try:
        data = remote.bundle_downloaded(actor=request.user, transfer=transfer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("transfer_detail", pk=transfer.pk)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="child-file-T{transfer.pk}.sgbundle"'
    return response


def transfer_receipt(request, pk: int):
    """The receiving school's receipt, brought back by hand, checked and kept on the transfer."""
    transfer = get_transfer_for_lead(request.user, pk)
    if transfer.route != TransferRoute.OTHER_SAFEGUARD or transfer.bundle_id is None:
        messages.error(request, "This file did not go as a bundle to another Safeguard, so it has no receipt to record.")
        return redirect("transfer_detail", pk=transfer.pk)
    form = ReceiptUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                remote.receipt_upload(actor=request.user, transfer=transfer, receipt_text=form.cleaned_data["receipt"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The other Safeguard's signed receipt is checked and kept on the transfer.")
                return redirect("transfer_detail", pk=transfer.pk)
        status = 400
    return render(request, "desk/transfers/receipt_upload.html", {"transfer": transfer, "form": form}, status=status)


def transfer_inbox_upload(request):
    """A bundle brought by hand: the receiving DSL uploads it, and gets the receipt to give back."""
    _require_lead(request)
    form = BundleUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                receipt = remote.inbox_receive(form.cleaned_data["bundle"].read(), client_ip(request), uploaded_by=request.user)
            except remote.InboxRefused as refusal:
                form.add_error("bundle", refusal.words)
            else:
                request.session[RECEIPT_SESSION_KEY] = receipt
                messages.success(
                    request,
                    "The file is received: it is in the files arrived. Download the receipt and give it to the sending school.",
                )
                return redirect("transfer_inbox_upload")
        status = 400
    receipt = request.session.get(RECEIPT_SESSION_KEY)
    return render(request, "desk/transfers/inbox_upload.html", {"form": form, "receipt": receipt}, status=status)


@require_GET
def transfer_inbox_receipt(request):
    """The signed receipt of the bundle this DSL uploaded last, as a file for the sending school."""
    _require_lead(request)
    receipt = request.session.get(RECEIPT_SESSION_KEY)
    if not receipt:
        messages.error(request, "There is no receipt to download: upload the bundle first.")
        return redirect("transfer_inbox_upload")
    bundle_id = json.loads(receipt["payload"]).get("bundle_id", "receipt")
    response = HttpResponse(json.dumps(receipt, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="receipt-{bundle_id}.json"'
    return response
