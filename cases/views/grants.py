"""Granting one case to the trust's safeguarding lead, from the case page (its DSLs and deputies)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases.access import get_case_for_user
from cases.forms.grants import TrustGrantForm
from cases.services.grants import case_grant_end, case_grant_trust_lead
from cases.trust_grants import granted_to, trust_leads_for
from safeguard.roles import CaseAction


def _back(case) -> str:
    return reverse("case_detail", args=[case.pk]) + "#trust-grants-heading"


@require_POST
def case_trust_grant(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    form = TrustGrantForm(request.POST, case=case, leads=trust_leads_for(case))
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["user"]))
        return redirect(_back(case))
    lead = form.cleaned_data["user"]
    try:
        case_grant_trust_lead(actor=request.user, case=case, user=lead)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{lead.full_name} can now read this case. They cannot change it; you can take it back at any time."
        )
    return redirect(_back(case))


@require_POST
def case_trust_grant_end(request, pk: int, user_id: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    lead = next((user for user in granted_to(case) if user.pk == user_id), None)
    if lead is None:
        raise Http404("Nobody by that number has been granted this case.")
    try:
        case_grant_end(actor=request.user, case=case, user=lead)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{lead.full_name} can no longer open this case.")
    return redirect(_back(case))
