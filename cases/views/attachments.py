"""Attachments: added by the DSLs, downloaded through the permission gateway only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from cases.access import get_case_for_user, refuse_on_case
from cases.attachments import IMAGERY_REFUSAL
from cases.models import Attachment
from cases.services.attachments import (
    CONFIRMATION_REQUIRED,
    DESCRIPTION_MAX,
    DESCRIPTION_REQUIRED,
    DESCRIPTION_TOO_LONG,
    attachment_add,
    attachment_record_download,
)
from cases.views.common import render_case_page
from safeguard.forms import add_service_errors
from safeguard.roles import CaseAction


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="File (PDF or office document)",
        help_text="For example a referral form or a letter. " + IMAGERY_REFUSAL.split(". ", 1)[0] + ".",
        widget=forms.FileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.rtf"}),
        error_messages={"required": "Choose the file to attach.", "empty": "The file is empty."},
    )
    description = forms.CharField(
        label="What this document is",
        max_length=DESCRIPTION_MAX,
        help_text="For example 'police referral form' or 'letter from children's social care'. This is how the document is listed on the case.",
        error_messages={"required": DESCRIPTION_REQUIRED, "max_length": DESCRIPTION_TOO_LONG},
    )
    confirmed_no_child_images = forms.BooleanField(
        label="I confirm this file holds no image of a child",
        help_text="No photograph, screenshot or video of any pupil or other child, in the file or in any document inside it.",
        error_messages={"required": CONFIRMATION_REQUIRED},
    )


def attachment_add_view(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            attachment = attachment_add(
                actor=request.user,
                case=case,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                confirmed_no_child_images=form.cleaned_data["confirmed_no_child_images"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if attachment.pictures_removed:
                messages.success(
                    request, "The file is attached, with its pictures and any video taken out (the school's setting)."
                )
            else:
                messages.success(request, "The file is attached.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(request, case, "cases/attachment_form.html", {"form": form}, page="attachment_add")


@require_GET
def attachment_download(request, pk: int, attachment_id: int):
    case = get_case_for_user(request.user, pk, CaseAction.VIEW)
    if CaseAction.READ_IN_FULL not in case.allowed_actions:
        # The support view shows no attachments: a 404, as for a file that is not there.
        refuse_on_case(request.user, case, "attachment", reason="not_visible")
        raise Http404("No such attachment on this case.")
    attachment = Attachment.objects.filter(case=case, pk=attachment_id).first()
    if attachment is None:
        raise Http404("No such attachment on this case.")
    attachment_record_download(actor=request.user, attachment=attachment)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
