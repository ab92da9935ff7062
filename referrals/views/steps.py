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
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cases.access import get_case_for_user, refuse_on_case
from cases.forms import local_now_for_input
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


def _show_platform(step) -> bool:
    return step.route.code == RouteCode.PLATFORM


def _accept_form(case, step, data):
    return ref_forms.StepAcceptForm(
        data,
        school_id=case.school_id,
        owner_roles=step_owner_roles(step.route.code),
        show_platform=_show_platform(step) and step.state != StepState.NOT_NEEDED,
        initial={
            "owner": step.owner_id,
            "due_date": step.due_date or due_date_for(case, step.route, required=case.police_required),
            "platform": step.platform,
        },
        prefix="accept",
    )


def _record_form(case, step, data):
    return ref_forms.StepRecordForm(
        data,
        state=step.state,
        school_id=case.school_id,
        owner_roles=step_owner_roles(step.route.code),
        show_platform=_show_platform(step),
        initial={
            "owner": step.owner_id,
            "due_date": step.due_date or due_date_for(case, step.route, required=case.police_required),
            "made_at": local_now_for_input(),
            "platform": step.platform,
            "reference": step.reference,
            "contact": step.contact,
        },
        prefix="rec",
    )


def _platform(step, data) -> str | None:
    return data.get("platform") if _show_platform(step) else None


@dataclass(frozen=True)
class Move:
    heading: str
    button: str
    #: Whether the step page offers this move for the step as it is.
    offered: Callable[[Step], bool]
    #: The move's form (None: a move that needs nothing but the button).
    form: Callable[[object, Step, object], forms.Form] | None
    #: Calls the service with the form's cleaned data (and ``seen_state``: the state the page showed).
    act: Callable[[object, Step, dict], object]
    #: What the DSL is told, with the step's title.
    done: str
    secondary: bool = False
    #: Listed on the step page (the one-by-one moves stay reachable, but "record" does their work).
    listed: bool = True


def _under_way(step: Step) -> bool:
    return step.state in (StepState.TODO, StepState.MADE, StepState.ACKNOWLEDGED, StepState.OUTCOME_RECORDED)


def _recordable(step: Step) -> bool:
    return step.state in ref_forms.StepRecordForm.FIELDS


def _seen(d) -> str:
    return d.get("seen_state", "")


MOVES: dict[str, Move] = {
    "record": Move(
        "Record what has happened",
        "Save",
        _recordable,
        _record_form,
        lambda user, step, d: services.step_record(
            actor=user,
            step=step,
            seen_state=_seen(d),
            owner=d.get("owner"),
            due_date=d.get("due_date"),
            made_at=d.get("made_at"),
            made_how=d.get("made_how", ""),
            reference=d.get("reference", ""),
            contact=d.get("contact", ""),
            platform=_platform(step, d),
            acknowledged_at=d.get("acknowledged_at"),
            outcome=d.get("outcome", ""),
            close=d.get("close", False),
        ),
        "{title}: {walked}.",
    ),
    "accept": Move(
        "Accept: give it an owner and a due date",
        "Save",
        lambda step: step.state == StepState.SUGGESTED,
        _accept_form,
        lambda user, step, d: services.step_accept(
            actor=user, step=step, owner=d["owner"], due_date=d["due_date"], platform=_platform(step, d), seen_state=_seen(d)
        ),
        "{title}: accepted.",
        listed=False,
    ),
    "reinstate": Move(
        "Reinstate this step",
        "Reinstate",
        lambda step: step.state == StepState.NOT_NEEDED,
        _accept_form,
        lambda user, step, d: services.step_reinstate(
            actor=user, step=step, owner=d["owner"], due_date=d["due_date"], seen_state=_seen(d)
        ),
        "{title}: reinstated, to do again.",
    ),
    "made": Move(
        "Mark as made",
        "Save",
        lambda step: StepState.MADE in next_states(step.state),
        lambda case, step, data: ref_forms.StepMadeForm(
            data, show_platform=_show_platform(step), initial={"platform": step.platform}, prefix="made"
        ),
        lambda user, step, d: services.step_mark_made(
            actor=user,
            step=step,
            made_at=d["made_at"],
            made_how=d["made_how"],
            reference=d["reference"],
            contact=d["contact"],
            platform=_platform(step, d),
            seen_state=_seen(d),
        ),
        "{title}: marked as made.",
        listed=False,
    ),
    "acknowledged": Move(
        "Record an acknowledgement",
        "Save",
        lambda step: StepState.ACKNOWLEDGED in next_states(step.state),
        lambda case, step, data: ref_forms.StepAcknowledgeForm(data, prefix="ack"),
        lambda user, step, d: services.step_acknowledge(
            actor=user,
            step=step,
            acknowledged_at=d["acknowledged_at"],
            reference=d["reference"],
            contact=d["contact"],
            seen_state=_seen(d),
        ),
        "{title}: acknowledgement recorded.",
        listed=False,
    ),
    "outcome": Move(
        "Record the outcome",
        "Save",
        lambda step: StepState.OUTCOME_RECORDED in next_states(step.state),
        lambda case, step, data: ref_forms.StepOutcomeForm(data, prefix="outcome"),
        lambda user, step, d: services.step_record_outcome(
            actor=user, step=step, outcome=d["outcome"], reference=d["reference"], seen_state=_seen(d)
        ),
        "{title}: outcome recorded.",
        listed=False,
    ),
    "close": Move(
        "Close this step",
        "Close the step",
        lambda step: StepState.CLOSED in next_states(step.state),
        None,
        lambda user, step, d: services.step_close(actor=user, step=step, seen_state=_seen(d)),
        "{title}: closed.",
    ),
    "not_needed": Move(
        "Not needed",
        "Mark not needed",
        lambda step: StepState.NOT_NEEDED in next_states(step.state),
        lambda case, step, data: ref_forms.StepNotNeededForm(data, prefix="nn"),
        lambda user, step, d: services.step_not_needed(actor=user, step=step, reason=d["reason"], seen_state=_seen(d)),
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
            actor=user,
            step=step,
            owner=d["owner"],
            due_date=d["due_date"],
            reference=d["reference"],
            contact=d["contact"],
            seen_state=_seen(d),
        ),
        "{title}: changes saved.",
        secondary=True,
    ),
    "up": Move(
        "", "", lambda step: True, None, lambda user, step, d: services.step_move(actor=user, step=step, direction=-1), ""
    ),
    "down": Move(
        "", "", lambda step: True, None, lambda user, step, d: services.step_move(actor=user, step=step, direction=1), ""
    ),
}

#: What "record" did, said the way the DSL reads it ("accepted, made, outcome recorded and closed").
WALKED_WORDS = {
    StepState.TODO: "accepted",
    StepState.MADE: "made",
    StepState.ACKNOWLEDGED: "acknowledged",
    StepState.OUTCOME_RECORDED: "outcome recorded",
    StepState.CLOSED: "closed",
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
        state=step.state,
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
        if name in allowed and move.heading and ((move.listed and move.offered(step)) or name == bound_name)
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
        # The state the page showed: a step that moved on since (another tab) is refused, not moved twice.
        data = {**(form.cleaned_data if form is not None else {}), "seen_state": request.POST.get("seen", "")}
        try:
            done = move.act(request.user, step, data)
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return _step_page(request, case, _step(case, step_id), allowed)
            add_service_errors(form, error)
        else:
            if move.done:
                walked = ", ".join(WALKED_WORDS[state] for state in getattr(done, "walked", ()))
                messages.success(request, move.done.format(title=step.title, walked=walked or "saved"))
            return redirect(reverse("case_detail", args=[case.pk]) + f"#step-{step.pk}")
    return _step_page(request, case, _step(case, step_id), allowed, bound=form, bound_name=act)


@require_GET
def step_quick(request, pk: int, step_id: int):
    """The next move of one step, for its row on the case page (htmx): the same form as the step
    page's. Without JavaScript the row's link opens the step page at that form instead."""
    case, step, allowed = _step_for(request, pk, step_id)
    record = "record" in allowed and _recordable(step)
    return render_case_page(
        request,
        case,
        "referrals/includes/step_quick.html",
        {
            "step": step,
            "record_form": _record_form(case, step, None) if record else None,
            "can_close": "close" in allowed and MOVES["close"].offered(step),
            "not_needed_form": ref_forms.StepNotNeededForm(prefix="nn")
            if "not_needed" in allowed and MOVES["not_needed"].offered(step)
            else None,
        },
        page="step_quick",
    )


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
