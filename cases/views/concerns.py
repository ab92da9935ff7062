"""Raising a concern (any member of staff) and triaging concerns (the DSLs)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cases import selectors, services
from cases.access import get_concern_for_user
from cases.forms import ConcernForm, NoFurtherActionForm
from cases.models import ConcernStatus
from cases.services.cases import concern_record_view
from cases.views.common import lead_school
from safeguard.forms import add_service_errors
from safeguard.permissions import roles_at
from safeguard.roles import can_raise_concern
from safeguard.selectors import current_school

SESSION_SENT_KEY = "safeguard_concern_sent"


def concern_new(request):
    school = current_school(request)
    if school is None or not can_raise_concern(roles_at(request.user, school.pk)):
        raise PermissionDenied("You need a role at a school to raise a concern.")
    form = ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            concern = services.concern_raise(
                actor=request.user,
                school=school,
                children=form.cleaned_data["children"],
                what_happened=form.cleaned_data["what_happened"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Only the reference and time are kept for the thank-you page: never the content.
            request.session[SESSION_SENT_KEY] = {"reference": concern.reference, "at": concern.raised_at.isoformat()}
            return redirect("concern_sent")
    return render(request, "cases/concern_form.html", {"school": school, "form": form})


@require_GET
def concern_sent(request):
    sent = request.session.get(SESSION_SENT_KEY)
    return render(request, "cases/concern_sent.html", {"sent": sent})


@require_GET
def concern_list(request):
    school = lead_school(request)
    return render(
        request,
        "cases/concern_list.html",
        {"school": school, "queue": selectors.triage_queue(school), "done": selectors.concerns_dealt_with(school)},
    )


@require_GET
def concern_detail(request, pk: int):
    concern = get_concern_for_user(request.user, pk)
    concern_record_view(actor=request.user, concern=concern)
    form = NoFurtherActionForm()
    return render(
        request, "cases/concern_detail.html", {"concern": concern, "form": form, "is_new": concern.status == ConcernStatus.NEW}
    )


@require_POST
def concern_nfa(request, pk: int):
    concern = get_concern_for_user(request.user, pk)
    form = NoFurtherActionForm(request.POST)
    if form.is_valid():
        try:
            services.concern_no_further_action(actor=request.user, concern=concern, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Concern {concern.reference}: no further action, with your reason recorded.")
            return redirect("concern_list")
    return render(
        request, "cases/concern_detail.html", {"concern": concern, "form": form, "is_new": concern.status == ConcernStatus.NEW}
    )
