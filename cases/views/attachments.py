"""Attachments: added by the DSLs, downloaded through the permission gateway only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from cases.attachments import IMAGERY_REFUSAL
from cases.models import Attachment
from cases.services.attachments import attachment_add, attachment_record_download
from safeguard.forms import add_service_errors
from safeguard.permissions import get_case_for_user
from safeguard.roles import CaseAction


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="File (PDF or office document)",
        help_text="For example a referral form or a letter. " + IMAGERY_REFUSAL.split(". ", 1)[0] + ".",
        widget=forms.FileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.rtf"}),
        error_messages={"required": "Choose the file to attach.", "empty": "The file is empty."},
    )
    description = forms.CharField(label="What it is", max_length=300, required=False)


def attachment_add_view(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            attachment_add(
                actor=request.user, case=case, upload=form.cleaned_data["file"], description=form.cleaned_data["description"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The file is attached.")
            return redirect("case_detail", pk=case.pk)
    return render(request, "cases/attachment_form.html", {"case": case, "form": form})


def attachment_download(request, pk: int, attachment_id: int):
    case = get_case_for_user(request.user, pk, CaseAction.VIEW)
    attachment = Attachment.objects.filter(case=case, pk=attachment_id).first()
    if attachment is None:
        raise Http404("No such attachment on this case.")
    attachment_record_download(actor=request.user, attachment=attachment)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
