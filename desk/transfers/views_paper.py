"""Pages for children's files on paper: the receipt of a file handed over in person, a file from
a previous school recorded by hand, and the download of a file from a previous school. Thin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.access import get_pupil_for_lead, get_received_for_reader, get_transfer_for_lead
from desk.transfers import paper
from desk.transfers.forms_paper import ReceiptByHandForm, ReceivedByHandForm
from safeguard.forms import add_service_errors


@require_POST
def transfer_receipt_by_hand(request, pk: int):
    """The sending DSL records who signed for the printed file, and when."""
    transfer = get_transfer_for_lead(request.user, pk)
    form = ReceiptByHandForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            paper.transfer_receipt_by_hand(
                actor=request.user, transfer=transfer, name=data["name"], role=data["role"], received_on=data["received_on"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Receipt recorded: {data['name'].strip()} signed for the file.")
            return redirect("transfer_detail", pk=transfer.pk)
    return render(request, "desk/transfers/receipt_by_hand.html", {"transfer": transfer, "receipt_form": form}, status=400)


@require_http_methods(["GET", "POST"])
def received_record_by_hand(request, pk: int):
    """A file that came on paper or by secure email from a school without Safeguard."""
    pupil = get_pupil_for_lead(request.user, pk)
    form = ReceivedByHandForm(request.POST or None, request.FILES or None, initial={"received_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                received = paper.received_record_by_hand(
                    actor=request.user,
                    pupil=pupil,
                    from_school_name=data["from_school_name"],
                    from_school_urn=data["from_school_urn"],
                    received_on=data["received_on"],
                    from_dsl_name=data["from_dsl_name"],
                    note=data["note"],
                    pdf_file=data["pdf_file"],
                    confirmed_no_child_images=data["confirmed_no_child_images"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                kept = " The PDF is kept with it." if received.document else ""
                messages.success(
                    request, f"Recorded: the file from {received.from_school_name} is on {pupil.full_name}'s record.{kept}"
                )
                return redirect("pupil_detail", pk=pupil.pk)
    return render(request, "desk/transfers/received_by_hand.html", {"pupil": pupil, "form": form}, status=status)


@require_GET
def received_document(request, pk: int):
    """The PDF that came from the previous school: audited each time, never cached."""
    received = get_received_for_reader(request.user, pk)
    if not received.document:
        raise Http404("No PDF came with this file.")
    paper.received_document_read(actor=request.user, received=received)
    response = FileResponse(
        received.document.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"file-from-previous-school-R{received.pk}.pdf",
    )
    response["Cache-Control"] = "no-store"
    return response
