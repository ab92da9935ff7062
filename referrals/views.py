"""Referral views: the step page and its moves, actions, the child's voice, parents, closure."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cases.access import get_case_for_user
from cases.models import CaseStatus
from cases.views.common import lead_school, render_case_page
from referrals import forms as ref_forms
from referrals import selectors, services
from referrals.models import Action, Route, Step, StepState
from referrals.routes import RouteCode
from referrals.services.steps import due_date_for
from referrals.steps import next_states
from safeguard.forms import add_service_errors
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS, CaseAction, Role

OWNER_ROLES = SAFEGUARDING_LEADS | {Role.PASTORAL}


def _step(case, step_id) -> Step:
    step = Step.objects.filter(case=case, pk=step_id).select_related("route", "owner", "case__school").first()
    if step is None:
        raise Http404("No such step on this case.")
    return step


def _step_forms(case, step, bound=None, bound_name: str = "") -> dict:
    school_id = case.school_id
    platform = step.route.code == RouteCode.PLATFORM
    required = case.outcome == "required"
    builders = {
        "accept": lambda data: ref_forms.StepAcceptForm(
            data,
            school_id=school_id,
            owner_roles=OWNER_ROLES,
            show_platform=platform,
            initial={
                "owner": step.owner_id,
                "due_date": step.due_date or due_date_for(case, step.route, required=required),
                "platform": step.platform,
            },
            prefix="accept",
        ),
        "made": lambda data: ref_forms.StepMadeForm(
            data, show_platform=platform, initial={"platform": step.platform}, prefix="made"
        ),
        "acknowledged": lambda data: ref_forms.StepAcknowledgeForm(data, prefix="ack"),
        "outcome": lambda data: ref_forms.StepOutcomeForm(data, prefix="outcome"),
        "not_needed": lambda data: ref_forms.StepNotNeededForm(data, prefix="nn"),
        "update": lambda data: ref_forms.StepUpdateForm(
            data,
            school_id=school_id,
            owner_roles=OWNER_ROLES,
            initial={"owner": step.owner_id, "due_date": step.due_date, "reference": step.reference, "contact": step.contact},
            prefix="update",
        ),
    }
    allowed = set(next_states(step.state))
    wanted = []
    if StepState.TODO in allowed:
        wanted.append("accept")
    if StepState.MADE in allowed:
        wanted.append("made")
    if StepState.ACKNOWLEDGED in allowed:
        wanted.append("acknowledged")
    if StepState.OUTCOME_RECORDED in allowed:
        wanted.append("outcome")
    if StepState.NOT_NEEDED in allowed:
        wanted.append("not_needed")
    if step.state in (StepState.TODO, StepState.MADE, StepState.ACKNOWLEDGED, StepState.OUTCOME_RECORDED):
        wanted.append("update")
    return {name: (bound if name == bound_name else builders[name](None)) for name in wanted} | (
        {bound_name: bound} if bound_name and bound_name not in wanted else {}
    )


@require_GET
def step_detail(request, pk: int, step_id: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    return _step_page(request, case, _step(case, step_id))


def _step_page(request, case, step, *, bound=None, bound_name: str = "", status: int = 200):
    """The step page: its moves, with the form that was just sent (and its errors) if any."""
    return render_case_page(
        request,
        case,
        "referrals/step_detail.html",
        {
            "step": step,
            "forms": _step_forms(case, step, bound, bound_name),
            "can_close": StepState.CLOSED in next_states(step.state),
            "events": step.events.select_related("by").order_by("at", "id"),
            "contact_details": selectors.route_details(case.school, step.route),
        },
        page="step_detail",
        status=status,
    )


@require_POST
def step_act(request, pk: int, step_id: int, act: str):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    step = _step(case, step_id)
    platform = step.route.code == RouteCode.PLATFORM
    user = request.user
    try:
        if act in ("accept", "reinstate"):
            form = ref_forms.StepAcceptForm(
                request.POST, school_id=case.school_id, owner_roles=OWNER_ROLES, show_platform=platform, prefix="accept"
            )
            if form.is_valid():
                services.step_accept(
                    actor=user,
                    step=step,
                    owner=form.cleaned_data["owner"],
                    due_date=form.cleaned_data["due_date"],
                    platform=form.cleaned_data.get("platform") if platform else None,
                )
                messages.success(request, f"{step.title}: accepted.")
                return redirect("case_detail", pk=case.pk)
            act = "accept"
        elif act == "made":
            form = ref_forms.StepMadeForm(request.POST, show_platform=platform, prefix="made")
            if form.is_valid():
                d = form.cleaned_data
                services.step_mark_made(
                    actor=user,
                    step=step,
                    made_at=d["made_at"],
                    made_how=d["made_how"],
                    reference=d["reference"],
                    contact=d["contact"],
                    platform=d.get("platform") if platform else None,
                )
                messages.success(request, f"{step.title}: marked as made.")
                return redirect("case_detail", pk=case.pk)
        elif act == "acknowledged":
            form = ref_forms.StepAcknowledgeForm(request.POST, prefix="ack")
            if form.is_valid():
                d = form.cleaned_data
                services.step_acknowledge(
                    actor=user, step=step, acknowledged_at=d["acknowledged_at"], reference=d["reference"], contact=d["contact"]
                )
                messages.success(request, f"{step.title}: acknowledgement recorded.")
                return redirect("case_detail", pk=case.pk)
        elif act == "outcome":
            form = ref_forms.StepOutcomeForm(request.POST, prefix="outcome")
            if form.is_valid():
                services.step_record_outcome(
                    actor=user, step=step, outcome=form.cleaned_data["outcome"], reference=form.cleaned_data["reference"]
                )
                messages.success(request, f"{step.title}: outcome recorded.")
                return redirect("case_detail", pk=case.pk)
        elif act == "not_needed":
            form = ref_forms.StepNotNeededForm(request.POST, prefix="nn")
            if form.is_valid():
                services.step_not_needed(actor=user, step=step, reason=form.cleaned_data["reason"])
                messages.success(request, f"{step.title}: marked not needed, with your reason.")
                return redirect("case_detail", pk=case.pk)
        elif act == "update":
            form = ref_forms.StepUpdateForm(request.POST, school_id=case.school_id, owner_roles=OWNER_ROLES, prefix="update")
            if form.is_valid():
                d = form.cleaned_data
                services.step_update(
                    actor=user,
                    step=step,
                    owner=d["owner"],
                    due_date=d["due_date"],
                    reference=d["reference"],
                    contact=d["contact"],
                )
                messages.success(request, f"{step.title}: changes saved.")
                return redirect("case_detail", pk=case.pk)
        elif act == "close":
            services.step_close(actor=user, step=step)
            messages.success(request, f"{step.title}: closed.")
            return redirect("case_detail", pk=case.pk)
        elif act in ("up", "down"):
            services.step_move(actor=user, step=step, direction=-1 if act == "up" else 1)
            return redirect("case_detail", pk=case.pk)
        else:
            raise Http404("No such move.")
    except ValidationError as error:
        if act == "close":
            messages.error(request, " ".join(error.messages))
            return _step_page(request, case, _step(case, step_id))
        add_service_errors(form, error)
    return _step_page(request, case, _step(case, step_id), bound=form, bound_name=act)


def step_add(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    initial = {}
    route_code = request.GET.get("route")
    if route_code:
        route = Route.objects.filter(code=route_code).first()
        if route:
            initial = {"route": route.pk, "due_date": due_date_for(case, route)}
    form = ref_forms.StepAddForm(request.POST or None, school_id=case.school_id, owner_roles=OWNER_ROLES, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.step_add(
                actor=request.user,
                case=case,
                route=d["route"],
                owner=d["owner"],
                due_date=d["due_date"],
                platform=d["platform"],
                reason=d["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Step added: {d['route'].name}.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/step_add.html",
        {"form": form, "heading": "Add a step", "submit": "Add the step"},
        page="step_add",
    )


# --- Actions ------------------------------------------------------------------------------------


def action_add(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    form = ref_forms.ActionForm(request.POST or None, school_id=case.school_id, owner_roles=OWNER_ROLES)
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


# --- The child's voice and parents ----------------------------------------------------------------


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
    form = ref_forms.ParentContactForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.parent_contact_record(
                actor=request.user,
                case=case,
                pupil=d["pupil"],
                informed=d["informed"],
                who=d["who"],
                contacted_at=d["contacted_at"],
                contacted_by=d["contacted_by"],
                response=d["response"],
                not_informed_reason=d["not_informed_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Contact with parents or carers is recorded.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/parent_contact_form.html",
        {"form": form, "heading": "Record contact with parents or carers", "submit": "Save"},
        page="parent_contact_form",
    )


# --- Closure and reviews ---------------------------------------------------------------------------


def case_close(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    if case.status == CaseStatus.CLOSED:
        return redirect("case_reopen", pk=case.pk)
    form = ref_forms.CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_close(actor=request.user, case=case, summary=form.cleaned_data["summary"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Case {case.reference} is closed. It can be reopened if needed.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/case_close.html",
        {
            "form": form,
            "referrals": selectors.case_referrals(case),
            "heading": "Close the case",
            "submit": "Close the case",
        },
        page="case_close",
    )


def case_reopen(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    if case.status != CaseStatus.CLOSED:
        return redirect("case_detail", pk=case.pk)
    form = ref_forms.ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_reopen(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Case {case.reference} is open again.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/case_reopen.html",
        {"form": form, "heading": "Reopen the case", "submit": "Reopen the case"},
        page="case_reopen",
    )


def case_review(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    form = ref_forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_review(actor=request.user, case=case, notes=form.cleaned_data["notes"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Review recorded; the next review date has moved on.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/case_review.html",
        {"form": form, "heading": "Review the case", "submit": "Record the review"},
        page="case_review",
    )


# --- The school's route details -----------------------------------------------------------------


@require_GET
def route_list(request):
    school = lead_school(request)
    return render(
        request,
        "referrals/route_list.html",
        {
            "school": school,
            "routes": selectors.school_routes(school),
            "can_edit": bool(roles_at(request.user, school.pk) & SAFEGUARDING_LEADS),
        },
    )


def route_edit(request, code: str):
    school = lead_school(request)
    route = Route.objects.filter(code=code).first()
    if route is None:
        raise Http404("No such route.")
    own = selectors.school_routes(school)
    current = next((entry for r, entry in own if r.pk == route.pk), None)
    initial = {
        "contact_details": current.contact_details if current else "",
        "due_working_days": current.due_working_days if current else None,
    }
    form = ref_forms.SchoolRouteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_route_update(
                actor=request.user,
                school=school,
                route=route,
                contact_details=form.cleaned_data["contact_details"],
                due_working_days=form.cleaned_data["due_working_days"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{route.name}: your details are saved.")
            return redirect("route_list")
    return render(request, "referrals/route_edit.html", {"school": school, "route": route, "form": form})
