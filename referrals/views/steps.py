"""The step page and its moves. Each move is a row of ``MOVES``: when the page offers it, the form
it takes, the service it calls and what the DSL is told. The state machine (``referrals.steps``)
decides what each move may do; the view only parses and renders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from cases.access import get_case_for_user, refuse_on_case
from cases.views.common import render_case_page
from referrals import forms as ref_forms
from referrals import selectors, services
from referrals.models import Route, Step, StepState
from referrals.ownership import moves_for_owner, step_owner_roles
from referrals.routes import RouteCode
from referrals.services.steps import due_date_for
from referrals.steps import next_states
from safeguard.forms import add_service_errors
from safeguard.roles import CaseAction


def _accept_form(case, step, data):
    return ref_forms.StepAcceptForm(
        data,
        school_id=case.school_id,
        owner_roles=step_owner_roles(step.route.code),
        show_platform=step.route.code == RouteCode.PLATFORM and step.state != StepState.NOT_NEEDED,
        initial={
            "owner": step.owner_id,
            "due_date": step.due_date or due_date_for(case, step.route, required=case.police_required),
            "platform": step.platform,
        },
        prefix="accept",
    )


def _platform(step, data) -> str | None:
    return data.get("platform") if step.route.code == RouteCode.PLATFORM else None


@dataclass(frozen=True)
class Move:
    heading: str
    button: str
    #: Whether the step page offers this move for the step as it is.
    offered: Callable[[Step], bool]
    #: The move's form (None: a move that needs nothing but the button).
    form: Callable[[object, Step, object], forms.Form] | None
    #: Calls the service with the form's cleaned data.
    act: Callable[[object, Step, dict], object]
    #: What the DSL is told, with the step's title.
    done: str
    secondary: bool = False


def _under_way(step: Step) -> bool:
    return step.state in (StepState.TODO, StepState.MADE, StepState.ACKNOWLEDGED, StepState.OUTCOME_RECORDED)


MOVES: dict[str, Move] = {
    "accept": Move(
        "Accept: give it an owner and a due date",
        "Save",
        lambda step: step.state == StepState.SUGGESTED,
        _accept_form,
        lambda user, step, d: services.step_accept(
            actor=user, step=step, owner=d["owner"], due_date=d["due_date"], platform=_platform(step, d)
        ),
        "{title}: accepted.",
    ),
    "reinstate": Move(
        "Reinstate this step",
        "Reinstate",
        lambda step: step.state == StepState.NOT_NEEDED,
        _accept_form,
        lambda user, step, d: services.step_reinstate(actor=user, step=step, owner=d["owner"], due_date=d["due_date"]),
        "{title}: reinstated, to do again.",
    ),
    "made": Move(
        "Mark as made",
        "Save",
        lambda step: StepState.MADE in next_states(step.state),
        lambda case, step, data: ref_forms.StepMadeForm(
            data, show_platform=step.route.code == RouteCode.PLATFORM, initial={"platform": step.platform}, prefix="made"
        ),
        lambda user, step, d: services.step_mark_made(
            actor=user,
            step=step,
            made_at=d["made_at"],
            made_how=d["made_how"],
            reference=d["reference"],
            contact=d["contact"],
            platform=_platform(step, d),
        ),
        "{title}: marked as made.",
    ),
    "acknowledged": Move(
        "Record an acknowledgement",
        "Save",
        lambda step: StepState.ACKNOWLEDGED in next_states(step.state),
        lambda case, step, data: ref_forms.StepAcknowledgeForm(data, prefix="ack"),
        lambda user, step, d: services.step_acknowledge(
            actor=user, step=step, acknowledged_at=d["acknowledged_at"], reference=d["reference"], contact=d["contact"]
        ),
        "{title}: acknowledgement recorded.",
    ),
    "outcome": Move(
        "Record the outcome",
        "Save",
        lambda step: StepState.OUTCOME_RECORDED in next_states(step.state),
        lambda case, step, data: ref_forms.StepOutcomeForm(data, prefix="outcome"),
        lambda user, step, d: services.step_record_outcome(actor=user, step=step, outcome=d["outcome"], reference=d["reference"]),
        "{title}: outcome recorded.",
    ),
    "not_needed": Move(
        "Not needed",
        "Mark not needed",
        lambda step: StepState.NOT_NEEDED in next_states(step.state),
        lambda case, step, data: ref_forms.StepNotNeededForm(data, prefix="nn"),
        lambda user, step, d: services.step_not_needed(actor=user, step=step, reason=d["reason"]),
        "{title}: marked not needed, with your reason.",
        secondary=True,
    ),
    "update": Move(
        "Change the owner, due date or reference",
        "Save",
        _under_way,
        lambda case, step, data: ref_forms.StepUpdateForm(
            data,
            school_id=case.school_id,
            owner_roles=step_owner_roles(step.route.code),
            initial={"owner": step.owner_id, "due_date": step.due_date, "reference": step.reference, "contact": step.contact},
            prefix="update",
        ),
        lambda user, step, d: services.step_update(
            actor=user, step=step, owner=d["owner"], due_date=d["due_date"], reference=d["reference"], contact=d["contact"]
        ),
        "{title}: changes saved.",
    ),
    "close": Move(
        "Close this step",
        "Close the step",
        lambda step: StepState.CLOSED in next_states(step.state),
        None,
        lambda user, step, d: services.step_close(actor=user, step=step),
        "{title}: closed.",
    ),
    "up": Move(
        "", "", lambda step: True, None, lambda user, step, d: services.step_move(actor=user, step=step, direction=-1), ""
    ),
    "down": Move(
        "", "", lambda step: True, None, lambda user, step, d: services.step_move(actor=user, step=step, direction=1), ""
    ),
}


def _step(case, step_id) -> Step:
    step = Step.objects.filter(case=case, pk=step_id).select_related("route", "owner", "case__school").first()
    if step is None:
        raise Http404("No such step on this case.")
    return step


def _moves_for(user, case, step) -> list[str]:
    """The moves this person may make on this step: all of them for the case's DSLs; the owner's
    moves on their own school-support step for its pastoral owner (``referrals.ownership``)."""
    return moves_for_owner(
        leads_case=CaseAction.MANAGE in case.allowed_actions,
        owns_step=step.owner_id == user.pk,
        route_code=step.route.code,
        moves=MOVES,
    )


def _step_for(request, pk: int, step_id: int) -> tuple[object, Step, list[str]]:
    """The case, the step and the moves this person may make on it. Someone who may read the case
    but not make any move on this step is told it is not theirs (404, as for another's action)."""
    case = get_case_for_user(request.user, pk, CaseAction.WORK_OWN_STEP)
    step = _step(case, step_id)
    allowed = _moves_for(request.user, case, step)
    if not allowed:
        refuse_on_case(request.user, case, "step", reason="not_visible")
        raise Http404("No such step on this case.")
    return case, step, allowed


def _step_page(request, case, step, allowed, *, bound=None, bound_name: str = ""):
    """The step page: the moves it offers, with the form that was just sent (and its errors) if any."""
    offered = [
        (name, move, bound if name == bound_name else (move.form(case, step, None) if move.form else None))
        for name, move in MOVES.items()
        if name in allowed and move.heading and (move.offered(step) or name == bound_name)
    ]
    return render_case_page(
        request,
        case,
        "referrals/step_detail.html",
        {
            "step": step,
            "moves": offered,
            "leads_case": CaseAction.MANAGE in case.allowed_actions,
            "events": step.events.select_related("by").order_by("at", "id"),
            "contact_details": selectors.route_details(case.school, step.route),
        },
        page="step_detail",
    )


@require_GET
def step_detail(request, pk: int, step_id: int):
    case, step, allowed = _step_for(request, pk, step_id)
    return _step_page(request, case, step, allowed)


@require_POST
def step_act(request, pk: int, step_id: int, act: str):
    case, step, allowed = _step_for(request, pk, step_id)
    move = MOVES.get(act)
    if move is None:
        raise Http404("No such move.")
    if act not in allowed:
        refuse_on_case(request.user, case, "step_move")
        raise PermissionDenied("Only a DSL can do that with this step.")
    form = move.form(case, step, request.POST) if move.form else None
    if form is None or form.is_valid():
        try:
            move.act(request.user, step, form.cleaned_data if form is not None else {})
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return _step_page(request, case, _step(case, step_id), allowed)
            add_service_errors(form, error)
        else:
            if move.done:
                messages.success(request, move.done.format(title=step.title))
            return redirect("case_detail", pk=case.pk)
    return _step_page(request, case, _step(case, step_id), allowed, bound=form, bound_name=act)


def step_add(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    initial = {}
    route_code = request.GET.get("route")
    if route_code:
        route = Route.objects.filter(code=route_code).first()
        if route:
            initial = {"route": route.pk, "due_date": due_date_for(case, route)}
    form = ref_forms.StepAddForm(
        request.POST or None, school_id=case.school_id, owner_roles=step_owner_roles(None), initial=initial
    )
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
