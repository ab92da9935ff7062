"""The pages a link to a child's file opens, for a DSL at a school without Safeguard: no login,
the one-time code first. Thin: each view calls one service of ``links``.

Once the code is right, the session (a cookie of this browser) holds a flag for that one link, for
an hour: the download and the receipt need it. Nothing on these pages names the child; the PDF
does. A link that does not open says why and what to do, and nothing more.
"""

from __future__ import annotations

import logging
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.access import get_transfer_for_lead
from desk.transfers import links
from desk.transfers.forms_links import LinkCodeForm, LinkReceiptForm
from safeguard.forms import add_service_errors

logger = logging.getLogger(__name__)

#: How long a right code keeps the link open in this browser.
UNLOCKED_FOR = 3600
SESSION_PREFIX = "sg_transfer_link:"

REFUSED_STATUS = {"unknown": 404, "expired": 410, "ended": 410, "locked": 403}


def _private(response):
    """No copy kept by the browser or anything between, not indexed. (The address, which holds the
    token, goes to no other site: the project's Referrer-Policy is same-origin.)"""
    response["Cache-Control"] = "no-store, private, max-age=0"
    response["X-Robots-Tag"] = "noindex, nofollow"
    if response.status_code >= 400:
        # Django logs a refused request with its path, and the path holds the link's token: the
        # line is written here instead, without it (``_has_been_logged`` is what django.utils.log
        # checks before logging a response).
        logger.warning("Child's file link page answered %s.", response.status_code)
        response._has_been_logged = True
    return response


def _session_key(token: str) -> str:
    return SESSION_PREFIX + links.token_hash(token)


def _unlocked(request, token: str, transfer) -> bool:
    flag = request.session.get(_session_key(token))
    return bool(
        isinstance(flag, dict) and flag.get("transfer") == transfer.pk and time.time() - float(flag.get("at", 0)) < UNLOCKED_FOR
    )


def _refused(request, refusal: links.LinkRefused):
    response = render(
        request,
        "desk/transfers/link_refused.html",
        {"heading": refusal.heading, "advice": refusal.advice, "school": getattr(refusal.transfer, "school", None)},
        status=REFUSED_STATUS[refusal.reason],
    )
    return _private(response)


def _file_page(request, token: str, transfer, *, receipt_form=None, status=200):
    return _private(
        render(
            request,
            "desk/transfers/link_file.html",
            {
                "token": token,
                "transfer": transfer,
                "school": transfer.school,
                "receipt_form": receipt_form or LinkReceiptForm(),
                "downloaded": transfer.viewed_at is not None,
            },
            status=status,
        )
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def transfer_link(request, token: str):
    """Enter the code (GET shows the form, POST checks it); once it is right, the file's page."""
    try:
        transfer = links.link_open(token)
    except links.LinkRefused as refusal:
        return _refused(request, refusal)
    if _unlocked(request, token, transfer):
        if request.method == "POST":
            return redirect("transfer_link", token=token)
        return _file_page(request, token, transfer)
    form = LinkCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = links.link_unlock(transfer=transfer, code=form.cleaned_data["code"], remote_addr=request.client_ip)
            except links.LinkRefused as refusal:
                return _refused(request, refusal)
            if result.opened:
                # A new session key once the code is right: a key planted before cannot ride on it.
                request.session.cycle_key()
                request.session[_session_key(token)] = {"transfer": transfer.pk, "at": time.time()}
                return redirect("transfer_link", token=token)
            if result.locked:
                return _refused(request, links.LinkRefused("locked", transfer))
            tries = f"{result.tries_left} more {'try' if result.tries_left == 1 else 'tries'}"
            form.add_error("code", f"{links.WRONG_CODE} You have {tries} before the link locks.")
    return _private(render(request, "desk/transfers/link_unlock.html", {"form": form, "school": transfer.school}, status=status))


@login_not_required
@require_GET
def transfer_link_download(request, token: str):
    """The PDF, only in the browser that entered the code: audited each time, never cached."""
    try:
        transfer = links.link_open(token)
        if not _unlocked(request, token, transfer):
            return redirect("transfer_link", token=token)
        transfer = links.link_download(transfer=transfer, remote_addr=request.client_ip)
    except links.LinkRefused as refusal:
        return _refused(request, refusal)
    response = FileResponse(
        transfer.document.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"child-protection-file-T{transfer.pk}.pdf",
    )
    return _private(response)


@login_not_required
@require_POST
def transfer_link_confirm(request, token: str):
    """The recipient confirms receipt with their name and role: the link ends."""
    try:
        transfer = links.link_open(token)
        if not _unlocked(request, token, transfer):
            return redirect("transfer_link", token=token)
        form = LinkReceiptForm(request.POST)
        if form.is_valid():
            try:
                transfer = links.link_confirm(transfer=transfer, name=form.cleaned_data["name"], role=form.cleaned_data["role"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                request.session.pop(_session_key(token), None)
                return _private(
                    render(request, "desk/transfers/link_done.html", {"transfer": transfer, "school": transfer.school})
                )
    except links.LinkRefused as refusal:
        return _refused(request, refusal)
    return _file_page(request, token, transfer, receipt_form=form, status=400)


# --- The sending DSL ---------------------------------------------------------------------------


@require_POST
def transfer_link_reissue(request, pk: int):
    """A new link and code (the old ones die): the code is shown once, to give by phone."""
    transfer = get_transfer_for_lead(request.user, pk)
    try:
        code = links.link_reissue(actor=request.user, transfer=transfer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("transfer_detail", pk=transfer.pk)
    transfer.refresh_from_db()
    return _private(render(request, "desk/transfers/link_code.html", {"transfer": transfer, "code": code}))
