"""The child's voice, and contact with parents or carers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from cases.access import get_case_for_user
from cases.views.common import render_case_page
from referrals import forms as ref_forms
from referrals import services
from referrals.selectors import parents_still_to_tell
from safeguard.forms import add_service_errors
from safeguard.roles import CaseAction


def child_voice_add(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    form = ref_forms.ChildVoiceForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.child_voice_record(
                actor=request.user,
                case=case,
                pupil=d["pupil"],
                told_at=d["told_at"],
                told_by=d["told_by"],
                views=d["views"],
                questions=d["questions"],
                next_steps=d["next_steps"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The child's voice is recorded.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/child_voice_form.html",
        {"form": form, "heading": "Record the child's voice", "submit": "Save"},
        page="child_voice_form",
    )


def parent_contact_add(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    left = parents_still_to_tell(case, case.parent_contacts.all())
    form = ref_forms.ParentContactForm(
        request.POST if request.method == "POST" else None, case=case, initial={"pupils": [p.pk for p in left]}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.parent_contact_record(
                actor=request.user,
                case=case,
                pupils=d["pupils"],
                informed=d["informed"],
                how=d["how"],
                who=d["who"],
                contacted_at=d["contacted_at"],
                contacted_by=d["contacted_by"],
                response=d["response"],
                not_informed_reason=d["not_informed_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            still = parents_still_to_tell(case, case.parent_contacts.all())
            messages.success(
                request,
                "Contact with parents or carers is recorded."
                + (f" Still to tell, or record why not: {', '.join(p.full_name for p in still)}." if still else ""),
            )
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/parent_contact_form.html",
        {"form": form, "heading": "Record contact with parents or carers", "submit": "Save"},
        page="parent_contact_form",
    )
