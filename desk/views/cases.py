"""The case page, which gathers the case, its referral steps, its chronology and its access log."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from cases import selectors as case_selectors
from cases.access import get_case_for_user
from cases.forms import AssignForm, NoteForm
from cases.services import case_record_view
from desk.reports.selectors import case_access_log as access_log
from desk.selectors import case_chronology
from referrals.selectors import case_referrals
from safeguard.roles import CaseAction


@require_GET
def case_detail(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.VIEW, queryset=case_selectors.case_for_page())
    allowed = case.allowed_actions
    case_record_view(actor=request.user, case=case)
    own_only = CaseAction.MANAGE not in allowed and CaseAction.VIEW_ACCESS_LOG not in allowed  # pastoral staff
    viewer = request.user if own_only else None
    page = case_selectors.case_page(case)
    referrals = case_referrals(case, user=request.user, own_actions_only=own_only, people=page.people)
    chronology = case_chronology(page, also_loaded=referrals.loaded, only_actions_of=viewer)
    assign_form = None
    if CaseAction.MANAGE in allowed:
        assign_form = AssignForm(school_id=case.school_id, exclude_ids=[a.user_id for a in page.assignments])
    return render(
        request,
        "desk/case_detail.html",
        {
            "case": page.case,
            "page": page,
            "chronology": chronology,
            "referrals": referrals,
            "allowed": allowed,
            "can_manage": CaseAction.MANAGE in allowed,
            "can_note": CaseAction.ADD_NOTE in allowed,
            "assign_form": assign_form,
            "note_form": NoteForm() if CaseAction.ADD_NOTE in allowed else None,
        },
    )


@require_GET
def case_access_log(request, pk: int):
    """The per-case access log (DSLs and the head): who opened, changed or was refused this case.
    Opened from its section of the case page (htmx swaps the table in) or as a page of its own."""
    case = get_case_for_user(request.user, pk, CaseAction.VIEW_ACCESS_LOG)
    case_record_view(actor=request.user, case=case, what="access_log")
    template = "desk/includes/access_log.html" if request.htmx else "desk/access_log.html"
    response = render(request, template, {"case": case, "access_log": access_log(case)})
    patch_vary_headers(response, ("HX-Request",))
    return response
