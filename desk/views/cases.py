"""The case page, which gathers the case, its referral steps, its chronology and its access log."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from cases import selectors as case_selectors
from cases.access import get_case_for_user
from cases.chronology import note_on_support_view
from cases.forms import AssignForm, NoteForm
from cases.models import AssignmentView
from cases.rules import children_supported
from cases.services import case_record_view
from desk.reports.selectors import case_access_log as access_log
from desk.selectors import case_chronology
from referrals.selectors import case_referrals
from safeguard.roles import CaseAction

#: The assigned list's choice of what someone sees, in words short enough for a phone.
VIEW_WORDS = {AssignmentView.SUPPORT: "The support view", AssignmentView.FULL: "The full case"}


@require_GET
def case_detail(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.VIEW, queryset=case_selectors.case_for_page())
    allowed = case.allowed_actions
    case_record_view(actor=request.user, case=case)
    own_only = CaseAction.MANAGE not in allowed and CaseAction.VIEW_ACCESS_LOG not in allowed  # pastoral staff
    # Issue 17: pastoral staff the DSL chose to tell what support to give, not what happened.
    support_view = CaseAction.READ_IN_FULL not in allowed
    viewer = request.user if own_only or support_view else None
    page = case_selectors.case_page(case)
    referrals = case_referrals(case, user=request.user, own_actions_only=viewer is not None, people=page.people)
    chronology = case_chronology(page, also_loaded=referrals.loaded, only_actions_of=viewer, support_view=support_view)
    if support_view:
        return _support_view(request, page, referrals, chronology, allowed)
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
            "note_form": NoteForm(can_share=CaseAction.MANAGE in allowed) if CaseAction.ADD_NOTE in allowed else None,
            "view_choices": VIEW_WORDS.items() if CaseAction.MANAGE in allowed else (),
            "restriction_summary": case_selectors.restriction_summary(case, request.user, allowed),
        },
    )


def _support_view(request, page, referrals, chronology, allowed):
    """The support view of the case page: the child's name and year, the actions and steps asked
    of this person, the notes they may read (a DSL's marked for them, and their own) and a
    chronology of only those. Never the child's account, the imagery's description, references,
    the criteria, the other children involved or attachments."""
    user = request.user
    supported = children_supported([(link.pupil_id, link.part) for link in page.children])
    return render(
        request,
        "desk/case_support.html",
        {
            "case": page.case,
            "children": [link for link in page.children if link.pupil_id in supported],
            "actions": referrals.actions,
            "steps": [step for step in referrals.steps if step.owner_id == user.pk],
            "notes": [note for note in page.notes if note_on_support_view(note, user)],
            "chronology": chronology,
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
