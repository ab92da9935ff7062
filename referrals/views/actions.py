"""Actions for the school's own team (route R6): given by the DSLs, completed by their owners."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect

from cases.access import get_case_for_user
from cases.views.common import render_case_page
from referrals import forms as ref_forms
from referrals import services
from referrals.models import Action, Step
from referrals.ownership import ACTION_OWNER_ROLES
from referrals.routes import RouteCode
from safeguard.forms import add_service_errors
from safeguard.roles import CaseAction


def action_add(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    form = ref_forms.ActionForm(request.POST or None, school_id=case.school_id, owner_roles=ACTION_OWNER_ROLES)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        step = Step.objects.filter(case=case, route__code=RouteCode.SCHOOL).order_by("id").first()
        try:
            services.action_create(
                actor=request.user, case=case, owner=d["owner"], title=d["title"], due_date=d["due_date"], step=step
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Action given to {d['owner'].full_name}; they can now see this case and their action.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/action_form.html",
        {"form": form, "heading": "Give someone an action", "submit": "Give the action"},
        page="action_form",
    )


def _action(case, action_id) -> Action:
    action = Action.objects.filter(case=case, pk=action_id).select_related("owner").first()
    if action is None:
        raise Http404("No such action.")
    return action


def action_complete(request, pk: int, action_id: int):
    case = get_case_for_user(request.user, pk, CaseAction.COMPLETE_OWN_ACTION)
    action = _action(case, action_id)
    is_lead = CaseAction.MANAGE in case.allowed_actions
    if action.owner_id != request.user.pk and not is_lead:
        raise Http404("No such action.")  # pastoral staff see only their own actions
    form = ref_forms.ActionCompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_complete(actor=request.user, action=action, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Action marked as done.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/action_done.html",
        {"action": action, "form": form, "heading": "Mark an action as done", "submit": "Mark as done"},
        page="action_done",
    )


def action_cancel(request, pk: int, action_id: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    action = _action(case, action_id)
    form = ref_forms.ActionCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_cancel(actor=request.user, action=action, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Action cancelled, with your reason.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/action_cancel.html",
        {"action": action, "form": form, "heading": "Cancel an action", "submit": "Cancel the action"},
        page="action_cancel",
    )


def action_reassign(request, pk: int, action_id: int):
    """A DSL gives an open action to someone else (its owner left, or it sits better elsewhere)."""
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    action = _action(case, action_id)
    form = ref_forms.ActionOwnerForm(
        request.POST or None, school_id=case.school_id, owner_roles=ACTION_OWNER_ROLES, initial={"owner": action.owner_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_reassign(actor=request.user, action=action, owner=form.cleaned_data["owner"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Action given to {form.cleaned_data['owner'].full_name}, who has been told.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/action_owner.html",
        {"action": action, "form": form, "heading": "Give this action to someone else", "submit": "Save"},
        page="action_reassign",
    )
