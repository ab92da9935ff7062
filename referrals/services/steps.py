"""Referral steps on a case, moved through their states only as the state machine
(``referrals.steps``) allows: every move is checked by the machine, written with its chronology
entry (StepEvent) and its audit event in one transaction.

What is suggested from the facts, and the police step a required referral gets at once, are in
``referrals.services.suggestions``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from cases.access import is_assigned
from cases.models import Case
from cases.services import case_assign
from referrals import steps as machine
from referrals.models import MADE_HOW_WORDS, REFERENCE_MAX, Route, SchoolRoute, Step, StepEvent, StepOrigin, StepState
from referrals.ownership import step_owner_problem
from referrals.routes import RouteCode
from referrals.services.unowned import clear_if_all_owned
from safeguard.audit import audit_record
from safeguard.models import User
from safeguard.permissions import roles_at
from safeguard.roles import READS_ALL_CASES, Role
from safeguard.services import Alert, alert_send, notifications_clear
from safeguard.workdays import add_working_days


def due_date_for(case: Case, route: Route, *, today: date | None = None, required: bool = False) -> date:
    """A step's default due date from the school's settings, counted in working days."""
    today = today or timezone.localdate()
    if route.code == RouteCode.POLICE and required:
        return add_working_days(today, case.school.police_referral_due_days)
    override = SchoolRoute.objects.filter(school=case.school, route=route).values_list("due_working_days", flat=True).first()
    return add_working_days(today, override if override is not None else route.default_due_working_days)


def record_event(step: Step, *, from_state: str, summary: str, actor, detail: str = "", at: datetime | None = None) -> None:
    """A move in the step's history (the chronology). ``at``: when it happened in the world (a
    referral made by phone at 10:05), if not now. A move to another state ends what the step's
    notifications asked (a step due, a police referral still to make): they clear themselves."""
    StepEvent.objects.create(
        step=step,
        case_id=step.case_id,
        from_state=from_state,
        to_state=step.state,
        summary=summary,
        detail=detail,
        by=actor,
        at=at or timezone.now(),
    )
    if from_state and from_state != step.state:
        notifications_clear(subject=f"step:{step.pk}")
        if step.owner_id is None:
            clear_if_all_owned(step.case.school_id)
        if step.route.code == RouteCode.POLICE and step.state not in (StepState.SUGGESTED, StepState.TODO):
            notifications_clear(subject=f"police:{step.case_id}")


def tell_owner(actor, step: Step) -> None:
    """A step given an owner: that person is told (unless they gave it to themselves)."""
    if step.owner_id is None or step.owner_id == getattr(actor, "pk", None):
        return
    due = f", due {step.due_date:%-d %b %Y}" if step.due_date else ""
    alert_send(
        alert=Alert(
            kind="step_owner",
            title=f"Case {step.case.reference}: {step.route.name} is yours{due}",
            url=reverse("case_detail", args=[step.case_id]),
            subject=f"step:{step.pk}",
            case_id=step.case_id,
            detail=f"{actor.full_name if actor else 'Safeguard'} gave you this referral step.",
        ),
        recipients=[step.owner],
        school=step.case.school,
    )


def next_position(case: Case) -> int:
    return (Step.objects.filter(case=case).aggregate(m=Max("position"))["m"] or 0) + 1


def facts_of(step: Step, **given) -> machine.StepFacts:
    values = {
        "state": step.state,
        "made_at": step.made_at,
        "made_how": step.made_how,
        "owner_id": step.owner_id,
        "due_date": step.due_date,
        "acknowledged_at": step.acknowledged_at,
        "outcome": step.outcome,
        "not_needed_reason": step.not_needed_reason,
        "reference": step.reference,
    }
    values.update(given)
    return machine.StepFacts(**values)


def refuse_if(facts: machine.StepFacts, target: str, *, creating: bool = False) -> None:
    problem = machine.transition_problem(facts, target, now=timezone.now(), today=timezone.localdate(), creating=creating)
    if problem:
        raise ValidationError(problem)


def lock_step(step: Step, seen_state: str = "") -> Step:
    """The step, locked for this transaction. ``seen_state``: the state the page showed when the
    DSL chose the move; if it has moved on since (another tab, a colleague), the move is refused
    with what happened, and the page keeps what they typed."""
    locked = Step.objects.select_for_update(of=("self",)).select_related("route", "case", "case__school").get(pk=step.pk)
    if seen_state and locked.state != seen_state:
        raise ValidationError(moved_on_words(locked))
    return locked


def moved_on_words(step: Step) -> str:
    last = step.events.select_related("by").order_by("-at", "-id").first()
    what = (
        f"{last.summary} ({last.by.full_name if last.by else 'Safeguard'}, {timezone.localtime(last.at):%-d %b %H:%M})"
        if last
        else ""
    )
    return (
        f"While this page was open, this step moved on: it is now {machine.STATE_WORDS[step.state]}"
        + (f". Last: {what}" if what else "")
        + ". Nothing was saved, and what you typed is still here: check the step, then send it again if it still applies."
    )


def check_owner(case: Case, owner: User, route: Route, *, actor: User) -> None:
    """An owner must be able to act on the step (``referrals.ownership``) and read the case it is
    on: a member of pastoral staff who is not on it yet is assigned to it (as for an action), so
    they can open it and their reminders can reach them."""
    roles = roles_at(owner, case.school_id)
    problem = step_owner_problem(roles, route.code, active=owner.is_active)
    if problem:
        raise ValidationError({"owner": problem})
    needs_access = Role.PASTORAL in roles and not roles & READS_ALL_CASES
    if needs_access and not is_assigned(owner, case):
        case_assign(actor=actor, case=case, user=owner)


def _check_lengths(**fields) -> None:
    errors = {}
    if len(fields.get("reference") or "") > REFERENCE_MAX:
        errors["reference"] = f"A reference can be at most {REFERENCE_MAX} characters (this one has {len(fields['reference'])})."
    if len(fields.get("contact") or "") > 200:
        errors["contact"] = "Keep the contact to 200 characters."
    if len(fields.get("platform") or "") > 60:
        errors["platform"] = "Keep the platform name to 60 characters."
    if errors:
        raise ValidationError(errors)


#: Every move a step's audit event names (``referrals.step.<move>``).
STEP_MOVES = (
    "added",
    "accepted",
    "made",
    "acknowledged",
    "outcome_recorded",
    "closed",
    "not_needed",
    "reinstated",
    "changed",
    "reordered",
    "handed_over",
)


def audit_step(actor, step: Step, action: str, **extra) -> None:
    if action not in STEP_MOVES:
        raise ValueError(f"Not a step move the audit log words: {action}")
    audit_record(
        actor=actor,
        action=f"referrals.step.{action}",
        obj=step.case,
        school=step.case.school_id,
        extra={"step_id": step.pk, "route": step.route.code, **extra},
    )


@transaction.atomic
def step_add(*, actor: User, case: Case, route: Route, owner: User, due_date: date, platform: str = "", reason: str = "") -> Step:
    """The DSL adds a step that was not suggested (a second platform, say)."""
    check_owner(case, owner, route, actor=actor)
    _check_lengths(platform=platform)
    refuse_if(machine.StepFacts(state=StepState.SUGGESTED, owner_id=owner.pk, due_date=due_date), StepState.TODO, creating=True)
    step = Step.objects.create(
        case=case,
        route=route,
        state=StepState.TODO,
        origin=StepOrigin.ADDED,
        reason=reason.strip() or "Added by the DSL.",
        position=next_position(case),
        owner=owner,
        due_date=due_date,
        platform=platform.strip(),
        created_by=actor,
    )
    record_event(
        step, from_state="", summary=f"Added: {step.title}, owned by {owner.full_name}, due {due_date:%d %b %Y}", actor=actor
    )
    audit_step(actor, step, "added")
    tell_owner(actor, step)
    return step


def _check(step: Step, target: str, **given) -> None:
    """Refuse the move unless the machine allows it with the step's facts as they will be after it."""
    refuse_if(facts_of(step, **given), target)


@transaction.atomic
def step_accept(
    *, actor: User, step: Step, owner: User, due_date: date, platform: str | None = None, seen_state: str = ""
) -> Step:
    step = lock_step(step, seen_state)
    if step.state == StepState.NOT_NEEDED:
        raise ValidationError("This step was marked not needed. Reinstate it instead.")
    check_owner(step.case, owner, step.route, actor=actor)
    _check(step, StepState.TODO, owner_id=owner.pk, due_date=due_date)
    previous = step.state
    step.state, step.owner, step.due_date = StepState.TODO, owner, due_date
    if platform is not None:
        _check_lengths(platform=platform)
        step.platform = platform.strip()
    step.updated_at = timezone.now()
    step.save()
    record_event(
        step,
        from_state=previous,
        summary=f"Accepted: {step.title}, owned by {owner.full_name}, due {due_date:%d %b %Y}",
        actor=actor,
    )
    audit_step(actor, step, "accepted")
    tell_owner(actor, step)
    return step


@transaction.atomic
def step_mark_made(
    *,
    actor: User,
    step: Step,
    made_at: datetime,
    made_how: str,
    reference: str = "",
    contact: str = "",
    platform: str | None = None,
    seen_state: str = "",
) -> Step:
    step = lock_step(step, seen_state)
    _check_lengths(reference=reference, contact=contact, platform=platform or "")
    _check(step, StepState.MADE, made_at=made_at, made_how=made_how, reference=reference)
    previous = step.state
    step.state, step.made_at, step.made_how, step.made_by = StepState.MADE, made_at, made_how, actor
    step.reference, step.contact = reference.strip(), contact.strip()
    if platform is not None:
        step.platform = platform.strip()
    step.updated_at = timezone.now()
    step.save()
    detail = "; ".join(part for part in (f"reference {step.reference}" if step.reference else "", step.contact) if part)
    how = MADE_HOW_WORDS.get(made_how, "")
    record_event(
        step,
        from_state=previous,
        summary=f"Made {how}: {step.title}" if how else f"Made: {step.title}",
        actor=actor,
        detail=detail,
        at=made_at,
    )
    audit_step(actor, step, "made", how=made_how)
    return step


@transaction.atomic
def step_acknowledge(
    *, actor: User, step: Step, acknowledged_at: datetime, reference: str = "", contact: str = "", seen_state: str = ""
) -> Step:
    step = lock_step(step, seen_state)
    _check_lengths(reference=reference, contact=contact)
    _check(step, StepState.ACKNOWLEDGED, acknowledged_at=acknowledged_at, reference=reference or step.reference)
    previous = step.state
    step.state, step.acknowledged_at = StepState.ACKNOWLEDGED, acknowledged_at
    if reference.strip():
        step.reference = reference.strip()
    if contact.strip():
        step.contact = contact.strip()
    step.updated_at = timezone.now()
    step.save()
    record_event(
        step,
        from_state=previous,
        summary=f"Acknowledged: {step.title}",
        actor=actor,
        detail=f"reference {step.reference}" if step.reference else "",
        at=acknowledged_at,
    )
    audit_step(actor, step, "acknowledged")
    return step


@transaction.atomic
def step_record_outcome(*, actor: User, step: Step, outcome: str, reference: str = "", seen_state: str = "") -> Step:
    step = lock_step(step, seen_state)
    _check_lengths(reference=reference)
    _check(step, StepState.OUTCOME_RECORDED, outcome=outcome, reference=reference or step.reference)
    previous = step.state
    step.state, step.outcome, step.outcome_recorded_at = StepState.OUTCOME_RECORDED, outcome.strip(), timezone.now()
    if reference.strip():
        step.reference = reference.strip()
    step.updated_at = timezone.now()
    step.save()
    record_event(step, from_state=previous, summary=f"Outcome recorded: {step.title}", actor=actor, detail=step.outcome)
    audit_step(actor, step, "outcome_recorded")
    return step


@transaction.atomic
def step_close(*, actor: User, step: Step, seen_state: str = "") -> Step:
    step = lock_step(step, seen_state)
    _check(step, StepState.CLOSED)
    previous = step.state
    step.state, step.closed_at = StepState.CLOSED, timezone.now()
    step.updated_at = timezone.now()
    step.save()
    record_event(step, from_state=previous, summary=f"Closed: {step.title}", actor=actor)
    audit_step(actor, step, "closed")
    return step


@transaction.atomic
def step_not_needed(*, actor: User, step: Step, reason: str, seen_state: str = "") -> Step:
    step = lock_step(step, seen_state)
    _check(step, StepState.NOT_NEEDED, not_needed_reason=reason)
    previous = step.state
    step.state, step.not_needed_reason = StepState.NOT_NEEDED, reason.strip()
    step.updated_at = timezone.now()
    step.save()
    record_event(step, from_state=previous, summary=f"Not needed: {step.title}", actor=actor, detail=step.not_needed_reason)
    audit_step(actor, step, "not_needed")
    return step


@transaction.atomic
def step_reinstate(*, actor: User, step: Step, owner: User, due_date: date, seen_state: str = "") -> Step:
    """A step marked not needed is needed after all: back to "to do". The earlier reason stays in
    the record (the chronology keeps both moves)."""
    step = lock_step(step, seen_state)
    if step.state != StepState.NOT_NEEDED:
        raise ValidationError("Only a step marked not needed can be reinstated.")
    check_owner(step.case, owner, step.route, actor=actor)
    _check(step, StepState.TODO, owner_id=owner.pk, due_date=due_date)
    previous = step.state
    step.state, step.owner, step.due_date = StepState.TODO, owner, due_date
    step.updated_at = timezone.now()
    step.save()
    record_event(
        step,
        from_state=previous,
        summary=f"Reinstated: {step.title}, owned by {owner.full_name}, due {due_date:%d %b %Y}",
        actor=actor,
        detail=f"It had been marked not needed: {step.not_needed_reason}" if step.not_needed_reason else "",
    )
    audit_step(actor, step, "reinstated")
    tell_owner(actor, step)
    return step


@transaction.atomic
def step_update(
    *,
    actor: User,
    step: Step,
    owner: User | None = None,
    due_date: date | None = None,
    reference: str | None = None,
    contact: str | None = None,
    seen_state: str = "",
) -> Step:
    """Change an open step's owner, due date, reference or contact (each change is in the chronology)."""
    step = lock_step(step, seen_state)
    if not step.is_open or step.state == StepState.SUGGESTED:
        raise ValidationError("Only a step that is under way can be changed. Accept it first.")
    _check_lengths(reference=reference or "", contact=contact or "")
    #: What changed: the field's name (for the audit event) and the words for the chronology.
    changes: dict[str, str] = {}
    if owner is not None and owner.pk != step.owner_id:
        check_owner(step.case, owner, step.route, actor=actor)
        step.owner = owner
        changes["owner"] = f"owner {owner.full_name}"
    if due_date is not None and due_date != step.due_date:
        if due_date < timezone.localdate():
            raise ValidationError({"due_date": "The due date cannot be in the past."})
        step.due_date = due_date
        changes["due_date"] = f"due {due_date:%d %b %Y}"
    if reference is not None and reference.strip() != step.reference:
        step.reference = reference.strip()
        changes["reference"] = f"reference {step.reference}"
    if contact is not None and contact.strip() != step.contact:
        step.contact = contact.strip()
        changes["contact"] = f"contact {step.contact}"
    if not changes:
        return step
    step.updated_at = timezone.now()
    step.save()
    record_event(step, from_state=step.state, summary=f"Changed: {step.title}", actor=actor, detail="; ".join(changes.values()))
    audit_step(actor, step, "changed", fields=list(changes))
    if "owner" in changes:
        notifications_clear(subject=f"step:{step.pk}", kinds=["step_owner"])
        tell_owner(actor, step)
        clear_if_all_owned(step.case.school_id)
    return step


@transaction.atomic
def step_move(*, actor: User, step: Step, direction: int) -> None:
    """Reorder: swap the step with its neighbour above (-1) or below (+1)."""
    step = lock_step(step)
    ordered = list(Step.objects.filter(case=step.case).order_by("position", "id"))
    index = next(i for i, s in enumerate(ordered) if s.pk == step.pk)
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        if item.position != position:
            Step.objects.filter(pk=item.pk).update(position=position)
    audit_step(actor, step, "reordered")


@transaction.atomic
def step_record(
    *,
    actor: User,
    step: Step,
    seen_state: str = "",
    owner: User | None = None,
    due_date: date | None = None,
    made_at: datetime | None = None,
    made_how: str = "",
    reference: str = "",
    contact: str = "",
    platform: str | None = None,
    acknowledged_at: datetime | None = None,
    outcome: str = "",
    close: bool = False,
) -> Step:
    """Record everything already known about a step in one move (made today by phone, the crime
    reference, the outcome, closed): the state machine is walked through each state in order, and
    each move is made by its own service, so each is checked, audited and in the chronology as if
    the DSL had made them one by one. Nothing is written unless every move can be made."""
    step = lock_step(step, seen_state)
    accepting = step.state in (StepState.SUGGESTED, StepState.NOT_NEEDED)
    if accepting:
        owner = owner or actor
        due_date = due_date or due_date_for(step.case, step.route, required=step.case.police_required)
    known = machine.Known(
        owner_id=owner.pk if owner and accepting else None,
        due_date=due_date if accepting else None,
        made_at=made_at,
        made_how=made_how,
        reference=reference.strip(),
        acknowledged_at=acknowledged_at,
        outcome=outcome,
        close=close,
    )
    targets, problem = machine.walk(facts_of(step), known, now=timezone.now(), today=timezone.localdate())
    if problem:
        raise ValidationError(problem)
    _check_lengths(reference=reference, contact=contact, platform=platform or "")
    for target in targets:
        if target == StepState.TODO and step.state == StepState.NOT_NEEDED:
            step = step_reinstate(actor=actor, step=step, owner=owner, due_date=due_date)
        elif target == StepState.TODO:
            step = step_accept(actor=actor, step=step, owner=owner, due_date=due_date, platform=platform)
        elif target == StepState.MADE:
            step = step_mark_made(
                actor=actor,
                step=step,
                made_at=made_at,
                made_how=made_how,
                reference=reference,
                contact=contact,
                platform=platform,
            )
        elif target == StepState.ACKNOWLEDGED:
            step = step_acknowledge(actor=actor, step=step, acknowledged_at=acknowledged_at)
        elif target == StepState.OUTCOME_RECORDED:
            step = step_record_outcome(actor=actor, step=step, outcome=outcome)
        elif target == StepState.CLOSED:
            step = step_close(actor=actor, step=step)
    step.walked = targets
    return step
