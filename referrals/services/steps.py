"""Referral steps: suggested from the facts, created automatically when the criteria require,
and moved through their states only as the state machine (referrals.steps) allows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cases.criteria import age_on
from cases.models import Assessment, Case, CaseAssignment
from cases.services import case_assign
from referrals import steps as machine
from referrals.models import REFERENCE_MAX, Route, SchoolRoute, Step, StepEvent, StepOrigin, StepState
from referrals.routes import RouteFacts, report_harmful_content_reason, suggest_routes
from safeguard.audit import audit_record
from safeguard.models import User
from safeguard.permissions import roles_at
from safeguard.roles import READS_ALL_CASES, SAFEGUARDING_LEADS, Role
from safeguard.workdays import add_working_days


def youngest_harmed_age(facts: dict) -> int | None:
    """From an assessment's stored facts: the age on the incident date of the youngest child harmed."""
    incident = facts.get("incident_date")
    ages = []
    for child in facts.get("children", []):
        if child.get("part") != "harmed":
            continue
        if child.get("date_of_birth") and incident:
            ages.append(age_on(date.fromisoformat(child["date_of_birth"]), date.fromisoformat(incident)))
        elif child.get("age") is not None:
            ages.append(child["age"])
        elif child.get("age_band") == "under_13":
            ages.append(12)
    return min(ages) if ages else None


def due_date_for(case: Case, route: Route, *, today: date | None = None, required: bool = False) -> date:
    """A step's default due date from the school's settings, counted in working days."""
    today = today or timezone.localdate()
    if route.code == "R7" and required:
        return add_working_days(today, case.school.police_referral_due_days)
    override = SchoolRoute.objects.filter(school=case.school, route=route).values_list("due_working_days", flat=True).first()
    return add_working_days(today, override if override is not None else route.default_due_working_days)


def _event(step: Step, *, from_state: str, summary: str, actor, detail: str = "", at: datetime | None = None) -> None:
    """``at``: when it happened in the world (a referral made by phone at 10:05), if not now."""
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


def _next_position(case: Case) -> int:
    return (Step.objects.filter(case=case).aggregate(m=Max("position"))["m"] or 0) + 1


def _default_owner(case: Case) -> User | None:
    """Who owns an automatic step: the DSL who recorded the case, if still a lead there."""
    if case.created_by.is_active and roles_at(case.created_by, case.school_id) & SAFEGUARDING_LEADS:
        return case.created_by
    from safeguard.selectors import users_with_role

    return users_with_role(case.school_id, SAFEGUARDING_LEADS).order_by("id").first()


@transaction.atomic
def steps_after_assessment(*, case: Case, assessment: Assessment, became_required: bool, actor) -> list[Step]:
    """After every assessment: suggest the routes that now fit, and if the case has just become
    *police referral required*, create a police step due the same day (DOMAIN.md)."""
    platforms = tuple(case.platforms.filter(removed_at__isnull=True).values_list("name", flat=True))
    facts = assessment.facts
    route_facts = RouteFacts(
        platforms=platforms,
        imagery=facts.get("imagery", "unknown"),
        imagery_kinds=frozenset(facts.get("imagery_kinds", [])),
        adult_involvement=facts.get("adult_involvement", "unknown"),
        met=tuple(assessment.met),
        youngest_harmed_age=youngest_harmed_age(facts),
    )
    routes = {r.code: r for r in Route.objects.all()}
    created: list[Step] = []
    # The police step first, so that a newly required case gets it "to do", never merely suggested.
    if became_required:
        police = _ensure_police_step(case=case, route=routes["R7"], actor=actor, met=assessment.met)
        if police is not None:
            created.append(police)
    existing: dict[str, list[Step]] = {}
    for step in Step.objects.filter(case=case).select_related("route").order_by("id"):
        existing.setdefault(step.route.code, []).append(step)
    suggested: list[Step] = []
    position = _next_position(case)
    for suggestion in suggest_routes(route_facts):
        current = existing.get(suggestion.code)
        if current:
            for step in current:
                if step.state == StepState.SUGGESTED and step.reason != suggestion.reason:
                    step.reason = suggestion.reason
                    step.save(update_fields=["reason"])
            continue
        step = Step.objects.create(
            case=case,
            route=routes[suggestion.code],
            state=StepState.SUGGESTED,
            reason=suggestion.reason,
            position=position,
            created_by=actor,
        )
        position += 1
        _event(step, from_state="", summary=f"Suggested: {step.route.name}", actor=actor, detail=suggestion.reason)
        suggested.append(step)
    if suggested:
        audit_record(
            actor=actor,
            action="referrals.step.suggested",
            obj=case,
            school=case.school_id,
            extra={"routes": [s.route.code for s in suggested]},
        )
    return created + suggested


def _ensure_police_step(*, case: Case, route: Route, actor, met) -> Step | None:
    due = due_date_for(case, route, required=True)
    open_steps = list(Step.objects.filter(case=case, route=route).exclude(state__in=[StepState.CLOSED, StepState.NOT_NEEDED]))
    reason = f"Created automatically: the police-referral criteria are met ({', '.join(met)}). Due the same day."
    for step in open_steps:
        if step.state == StepState.SUGGESTED:
            step.state, step.origin, step.reason = StepState.TODO, StepOrigin.AUTOMATIC, reason
            step.owner, step.due_date = _default_owner(case), due
            step.save(update_fields=["state", "origin", "reason", "owner", "due_date"])
            _event(
                step, from_state=StepState.SUGGESTED, summary="Police referral required: step made due the same day", actor=actor
            )
            audit_record(
                actor=actor,
                action="referrals.step.automatic",
                obj=case,
                school=case.school_id,
                extra={"route": "R7", "step_id": step.pk},
            )
            return step
        if step.state == StepState.TODO:
            if step.due_date is None or step.due_date > due:
                step.due_date = due
                step.save(update_fields=["due_date"])
                _event(
                    step,
                    from_state=StepState.TODO,
                    summary="Police referral required: due date brought forward to today",
                    actor=actor,
                )
            return None
        return None  # already made: nothing to add
    step = Step.objects.create(
        case=case,
        route=route,
        state=StepState.TODO,
        origin=StepOrigin.AUTOMATIC,
        reason=reason,
        position=0,
        owner=_default_owner(case),
        due_date=due,
        created_by=actor,
    )
    _event(
        step, from_state="", summary="Police referral required: police step created, due the same day", actor=actor, detail=reason
    )
    audit_record(
        actor=actor, action="referrals.step.automatic", obj=case, school=case.school_id, extra={"route": "R7", "step_id": step.pk}
    )
    return step


def _facts(step: Step, **given) -> machine.StepFacts:
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


def _refuse_if(facts: machine.StepFacts, target: str, *, creating: bool = False) -> None:
    problem = machine.transition_problem(facts, target, now=timezone.now(), today=timezone.localdate(), creating=creating)
    if problem:
        raise ValidationError(problem)


def _lock(step: Step) -> Step:
    return Step.objects.select_for_update(of=("self",)).select_related("route", "case", "case__school").get(pk=step.pk)


def _check_owner(case: Case, owner: User, *, actor: User) -> None:
    """An owner must be able to read the case their step is on: a member of pastoral staff who is
    not on it yet is assigned to it (as for an action), so their reminders can reach them."""
    roles = roles_at(owner, case.school_id)
    if not owner.is_active or not roles:
        raise ValidationError({"owner": "The owner must be an active member of staff at this school."})
    needs_access = Role.PASTORAL in roles and not roles & READS_ALL_CASES
    if needs_access and not CaseAssignment.objects.filter(case=case, user=owner, ended_at__isnull=True).exists():
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


def _audit(actor, step: Step, action: str, **extra) -> None:
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
    _check_owner(case, owner, actor=actor)
    _check_lengths(platform=platform)
    _refuse_if(machine.StepFacts(state=StepState.SUGGESTED, owner_id=owner.pk, due_date=due_date), StepState.TODO, creating=True)
    step = Step.objects.create(
        case=case,
        route=route,
        state=StepState.TODO,
        origin=StepOrigin.ADDED,
        reason=reason.strip() or "Added by the DSL.",
        position=_next_position(case),
        owner=owner,
        due_date=due_date,
        platform=platform.strip(),
        created_by=actor,
    )
    _event(step, from_state="", summary=f"Added: {step.title}, owned by {owner.full_name}, due {due_date:%d %b %Y}", actor=actor)
    _audit(actor, step, "added")
    return step


def _check(step: Step, target: str, **given) -> None:
    """Refuse the move unless the machine allows it with the step's facts as they will be after it."""
    _refuse_if(_facts(step, **given), target)


@transaction.atomic
def step_accept(*, actor: User, step: Step, owner: User, due_date: date, platform: str | None = None) -> Step:
    step = _lock(step)
    _check_owner(step.case, owner, actor=actor)
    _check(step, StepState.TODO, owner_id=owner.pk, due_date=due_date)
    previous = step.state
    step.state, step.owner, step.due_date = StepState.TODO, owner, due_date
    if platform is not None:
        _check_lengths(platform=platform)
        step.platform = platform.strip()
    step.updated_at = timezone.now()
    step.save()
    _event(
        step,
        from_state=previous,
        summary=f"Accepted: {step.title}, owned by {owner.full_name}, due {due_date:%d %b %Y}",
        actor=actor,
    )
    _audit(actor, step, "accepted")
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
) -> Step:
    step = _lock(step)
    _check_lengths(reference=reference, contact=contact, platform=platform or "")
    _check(step, StepState.MADE, made_at=made_at, made_how=made_how, reference=reference)
    previous = step.state
    step.state, step.made_at, step.made_how, step.made_by = StepState.MADE, made_at, made_how, actor
    step.reference, step.contact = reference.strip(), contact.strip()
    if platform is not None:
        step.platform = platform.strip()
    step.updated_at = timezone.now()
    step.save()
    detail = "; ".join(
        part
        for part in (step.get_made_how_display(), f"reference {step.reference}" if step.reference else "", step.contact)
        if part
    )
    _event(step, from_state=previous, summary=f"Made: {step.title}", actor=actor, detail=detail, at=made_at)
    _audit(actor, step, "made", how=made_how)
    return step


@transaction.atomic
def step_acknowledge(*, actor: User, step: Step, acknowledged_at: datetime, reference: str = "", contact: str = "") -> Step:
    step = _lock(step)
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
    _event(
        step,
        from_state=previous,
        summary=f"Acknowledged: {step.title}",
        actor=actor,
        detail=f"reference {step.reference}" if step.reference else "",
        at=acknowledged_at,
    )
    _audit(actor, step, "acknowledged")
    return step


@transaction.atomic
def step_record_outcome(*, actor: User, step: Step, outcome: str, reference: str = "") -> Step:
    step = _lock(step)
    _check_lengths(reference=reference)
    _check(step, StepState.OUTCOME_RECORDED, outcome=outcome, reference=reference or step.reference)
    previous = step.state
    step.state, step.outcome, step.outcome_recorded_at = StepState.OUTCOME_RECORDED, outcome.strip(), timezone.now()
    if reference.strip():
        step.reference = reference.strip()
    step.updated_at = timezone.now()
    step.save()
    _event(step, from_state=previous, summary=f"Outcome recorded: {step.title}", actor=actor, detail=step.outcome)
    _audit(actor, step, "outcome_recorded")
    return step


@transaction.atomic
def step_close(*, actor: User, step: Step) -> Step:
    step = _lock(step)
    _check(step, StepState.CLOSED)
    previous = step.state
    step.state, step.closed_at = StepState.CLOSED, timezone.now()
    step.updated_at = timezone.now()
    step.save()
    _event(step, from_state=previous, summary=f"Closed: {step.title}", actor=actor)
    _audit(actor, step, "closed")
    return step


@transaction.atomic
def step_not_needed(*, actor: User, step: Step, reason: str) -> Step:
    step = _lock(step)
    _check(step, StepState.NOT_NEEDED, not_needed_reason=reason)
    previous = step.state
    step.state, step.not_needed_reason = StepState.NOT_NEEDED, reason.strip()
    step.updated_at = timezone.now()
    step.save()
    _event(step, from_state=previous, summary=f"Not needed: {step.title}", actor=actor, detail=step.not_needed_reason)
    _audit(actor, step, "not_needed")
    return step


@transaction.atomic
def step_reinstate(*, actor: User, step: Step, owner: User, due_date: date) -> Step:
    """A step marked not needed is needed after all: back to "to do" (the earlier reason stays)."""
    return step_accept(actor=actor, step=step, owner=owner, due_date=due_date)


@transaction.atomic
def step_update(
    *,
    actor: User,
    step: Step,
    owner: User | None = None,
    due_date: date | None = None,
    reference: str | None = None,
    contact: str | None = None,
) -> Step:
    """Change an open step's owner, due date, reference or contact (each change is in the chronology)."""
    step = _lock(step)
    if not step.is_open or step.state == StepState.SUGGESTED:
        raise ValidationError("Only a step that is under way can be changed. Accept it first.")
    _check_lengths(reference=reference or "", contact=contact or "")
    changes = []
    if owner is not None and owner.pk != step.owner_id:
        _check_owner(step.case, owner, actor=actor)
        step.owner = owner
        changes.append(f"owner {owner.full_name}")
    if due_date is not None and due_date != step.due_date:
        if due_date < timezone.localdate():
            raise ValidationError({"due_date": "The due date cannot be in the past."})
        step.due_date = due_date
        changes.append(f"due {due_date:%d %b %Y}")
    if reference is not None and reference.strip() != step.reference:
        step.reference = reference.strip()
        changes.append(f"reference {step.reference}")
    if contact is not None and contact.strip() != step.contact:
        step.contact = contact.strip()
        changes.append(f"contact {step.contact}")
    if not changes:
        return step
    step.updated_at = timezone.now()
    step.save()
    _event(step, from_state=step.state, summary=f"Changed: {step.title}", actor=actor, detail="; ".join(changes))
    _audit(actor, step, "changed", fields=[c.split(" ")[0] for c in changes])
    return step


@transaction.atomic
def step_move(*, actor: User, step: Step, direction: int) -> None:
    """Reorder: swap the step with its neighbour above (-1) or below (+1)."""
    step = _lock(step)
    ordered = list(Step.objects.filter(case=step.case).order_by("position", "id"))
    index = next(i for i, s in enumerate(ordered) if s.pk == step.pk)
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        if item.position != position:
            Step.objects.filter(pk=item.pk).update(position=position)
    _audit(actor, step, "reordered")


@transaction.atomic
def platform_reports_check(*, now: datetime | None = None) -> list[Step]:
    """Platform reports (R1) still unresolved after the school's set hours (48 by default) offer a
    Report Harmful Content step (R2). At most once per platform report (Step.follows is unique)."""
    now = now or timezone.now()
    rhc = Route.objects.get(code="R2")
    offered = []
    candidates = (
        Step.objects.filter(
            route__code="R1", state__in=[StepState.MADE, StepState.ACKNOWLEDGED], followed_by__isnull=True, made_at__isnull=False
        )
        .select_related("case", "case__school", "case__current_assessment")
        .order_by("id")
    )
    for report in candidates:
        hours = report.case.school.platform_check_hours
        if report.made_at > now - timedelta(hours=hours) or report.case.status != "open":
            continue
        facts = report.case.current_assessment.facts if report.case.current_assessment else {}
        reason = report_harmful_content_reason(
            report.platform, f"{timezone.localtime(report.made_at):%-d %b %Y}", hours, youngest_harmed_age(facts)
        )
        step = Step.objects.create(
            case=report.case, route=rhc, state=StepState.SUGGESTED, reason=reason, position=report.position, follows=report
        )
        _event(
            step,
            from_state="",
            summary="Suggested: Report Harmful Content (the platform report is unresolved)",
            actor=None,
            detail=reason,
        )
        audit_record(
            actor=None,
            action="referrals.step.suggested",
            obj=report.case,
            school=report.case.school_id,
            extra={"routes": ["R2"], "follows": report.pk},
        )
        offered.append(step)
    return offered
