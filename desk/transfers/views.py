"""The pages of a child's file leaving and arriving (issue 18). Thin: each view parses the request,
calls one service, and says what happened in the DSL's words."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases.access import (
    get_pupil_for_lead,
    get_received_for_lead,
    get_received_for_reader,
    get_transfer_for_lead,
    lead_school_ids,
)
from cases.models import Case, ReceivedStatus, TransferRoute, TransferStatus
from desk.transfers import selectors, services
from desk.transfers.forms import AcceptForm, CancelForm, DeclineForm, DestinationForm, LeftForm, SendForm
from safeguard.forms import add_service_errors
from safeguard.permissions import roles_at
from safeguard.roles import can_send_child_files


def _require_sender(request, school_id: int) -> None:
    if not can_send_child_files(roles_at(request.user, school_id)):
        raise PermissionDenied("Only the school's DSL or a deputy sends and receives children's files.")


@require_GET
def transfer_list(request):
    """Files leaving (due first) and files arriving, at the schools where the user is a lead."""
    schools = lead_school_ids(request.user)
    if not schools:
        raise Http404("No such page.")
    return render(request, "desk/transfers/list.html", selectors.transfer_overview(schools, today=timezone.localdate()))


def pupil_leave(request, pk: int):
    """Mark a pupil as left: the checklist for their file starts if they have anything on record."""
    pupil = get_pupil_for_lead(request.user, pk)
    form = LeftForm(request.POST or None, initial={"left_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.pupil_mark_left(actor=request.user, pupil=pupil, left_on=form.cleaned_data["left_on"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if transfer is None:
                messages.success(
                    request, f"{pupil.full_name} is marked as left. They have nothing on record, so there is no file to send."
                )
                return redirect("pupil_detail", pk=pupil.pk)
            messages.success(request, f"{pupil.full_name} is marked as left. Their file is due by {transfer.due_on:%-d %B %Y}.")
            return redirect("transfer_detail", pk=transfer.pk)
    return render(request, "desk/transfers/leave.html", {"pupil": pupil, "form": form})


@require_POST
def transfer_start(request, pk: int):
    pupil = get_pupil_for_lead(request.user, pk)
    try:
        transfer = services.transfer_start(actor=request.user, pupil=pupil)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("pupil_detail", pk=pupil.pk)
    return redirect("transfer_detail", pk=transfer.pk)


def _destination_initial(transfer) -> dict:
    return {
        "route": transfer.route or None,
        "move": transfer.move,
        "on_roll_confirmed_on": transfer.on_roll_confirmed_on,
        "receiving_school": transfer.receiving_school_id,
        "peer": transfer.peer_id,
        "receiving_school_name": transfer.receiving_school_name,
        "receiving_school_urn": transfer.receiving_school_urn,
        "receiving_dsl_name": transfer.receiving_dsl_name,
        "receiving_dsl_email": transfer.receiving_dsl_email,
    }


def _page(request, transfer, *, destination_form=None, send_form=None, cancel_form=None, status=200, **extra):
    pupil = transfer.pupil
    cases = Case.objects.filter(pk__in=services.pupil_case_ids(pupil, viewer=request.user)).order_by("created_at")
    context = {
        "transfer": transfer,
        "pupil": pupil,
        "page": selectors.transfer_page(transfer, today=timezone.localdate()),
        "destination_form": destination_form or DestinationForm(initial=_destination_initial(transfer), school=transfer.school),
        "send_form": send_form or SendForm(cases=cases),
        "cancel_form": cancel_form or CancelForm(),
        "routes": TransferRoute,
        "statuses": TransferStatus,
        **extra,
    }
    context.update(selectors.route_extras(request, transfer))
    return render(request, "desk/transfers/detail.html", context, status=status)


@require_GET
def transfer_detail(request, pk: int):
    transfer = get_transfer_for_lead(request.user, pk)
    return _page(request, transfer)


@require_POST
def transfer_destination(request, pk: int):
    transfer = get_transfer_for_lead(request.user, pk)
    form = DestinationForm(request.POST, school=transfer.school)
    if form.is_valid():
        data = form.cleaned_data
        where = services.Destination(
            route=data["route"],
            move=data["move"] or "in_year",
            receiving_school=data["receiving_school"],
            receiving_school_name=data["receiving_school_name"],
            receiving_school_urn=data["receiving_school_urn"],
            receiving_dsl_name=data["receiving_dsl_name"],
            receiving_dsl_email=data["receiving_dsl_email"],
            peer=data["peer"],
            on_roll_confirmed_on=data["on_roll_confirmed_on"],
        )
        try:
            transfer = services.transfer_destination_set(actor=request.user, transfer=transfer, where=where)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Saved. The file is due by {transfer.due_on:%-d %B %Y}.")
            return redirect("transfer_detail", pk=transfer.pk)
    return _page(request, transfer, destination_form=form, status=400)


@require_POST
def transfer_send(request, pk: int):
    transfer = get_transfer_for_lead(request.user, pk)
    cases = Case.objects.filter(pk__in=services.pupil_case_ids(transfer.pupil, viewer=request.user)).order_by("created_at")
    form = SendForm(request.POST, cases=cases)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sent = services.transfer_send(
                actor=request.user,
                transfer=transfer,
                case_ids=[case.pk for case in data["cases"]],
                include_concerns=data["include_concerns"],
                note=data["note"],
                name_others=data["name_others"],
                name_others_reason=data["name_others_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if sent.code:
                # Shown once: only its hash is kept. The DSL gives it to the new school by phone.
                return render(request, "desk/transfers/link_code.html", {"transfer": sent.transfer, "code": sent.code})
            messages.success(request, selectors.sent_words(sent.transfer))
            return redirect("transfer_detail", pk=transfer.pk)
    return _page(request, transfer, send_form=form, status=400)


@require_POST
def transfer_cancel(request, pk: int):
    transfer = get_transfer_for_lead(request.user, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.transfer_cancel(actor=request.user, transfer=transfer, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "No file will be sent; your reason is on the record.")
            return redirect("pupil_detail", pk=transfer.pupil_id)
    return _page(request, transfer, cancel_form=form, status=400)


# --- At the receiving school -------------------------------------------------------------------


def _received_page(request, received, *, accept_form=None, decline_form=None, status=200):
    return render(
        request,
        "desk/transfers/received.html",
        {
            "received": received,
            "records_html": selectors.received_records_html(received),
            "accept_form": accept_form
            or AcceptForm(initial={"pupil": getattr(services.match_pupil(received), "pk", None)}, school=received.school),
            "decline_form": decline_form or DeclineForm(),
            "waiting": received.status in (ReceivedStatus.PENDING, ReceivedStatus.VIEWED),
            "can_answer": can_send_child_files(roles_at(request.user, received.school_id)),
            "document_url": reverse("received_document", args=[received.pk]) if received.document else "",
        },
        status=status,
    )


@require_GET
def received_detail(request, pk: int):
    """The receiving school's DSLs, deputies and head read it (it joins the pupil's record); the
    DSLs answer it."""
    received = get_received_for_reader(request.user, pk)
    received = services.received_open(actor=request.user, received=received)
    return _received_page(request, received)


@require_POST
def received_accept(request, pk: int):
    received = get_received_for_lead(request.user, pk)
    _require_sender(request, received.school_id)
    form = AcceptForm(request.POST, school=received.school)
    if form.is_valid():
        try:
            received = services.received_accept(
                actor=request.user, received=received, pupil=form.cleaned_data["pupil"], confirmed=form.cleaned_data["confirmed"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Receipt confirmed. The file is on {received.pupil.full_name}'s record, from {received.from_school_name}.",
            )
            return redirect("pupil_detail", pk=received.pupil_id)
    return _received_page(request, received, accept_form=form, status=400)


@require_POST
def received_decline(request, pk: int):
    received = get_received_for_lead(request.user, pk)
    _require_sender(request, received.school_id)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.received_decline(actor=request.user, received=received, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Declined. {received.from_school_name} is told, with your reason.")
            return redirect("transfer_list")
    return _received_page(request, received, decline_form=form, status=400)


@require_GET
def transfer_document(request, pk: int):
    """The PDF as it was sent (to print it for a handover, or to check what went): audited."""
    transfer = get_transfer_for_lead(request.user, pk)
    if not transfer.document:
        raise Http404("No file was made for this transfer.")
    services.transfer_document_read(actor=request.user, transfer=transfer)
    response = FileResponse(
        transfer.document.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"child-file-T{transfer.pk}.pdf",
    )
    response["Cache-Control"] = "no-store"
    return response
