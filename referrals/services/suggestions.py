"""Which steps a case should have: the routes its facts suggest (``referrals.routes``) after
every assessment, the police step a case gets at once when it becomes *police referral
required*, and Report Harmful Content when a platform report is left unresolved.

Every step created or moved here goes through the state machine (``referrals.steps``), like a
move made by a DSL: an automatic police step is "to do" only with an owner and a due date.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cases import criteria
from cases.models import Assessment, Case
from referrals import steps as machine
from referrals.models import Route, Step, StepOrigin, StepState
from referrals.routes import RouteCode, RouteFacts, report_harmful_content_reason, suggest_routes
from referrals.services.steps import due_date_for, next_position, record_event
from safeguard.audit import audit_record
from safeguard.models import User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS
from safeguard.selectors import users_with_role
from safeguard.workdays import add_working_days


def harmed_under_13(facts: dict) -> bool:
    """From an assessment's stored facts: whether a child who was harmed was under 13 on the date
    of the incident (the criteria's own rule, ``criteria.under_13``)."""
    parsed = criteria.facts_from_dict(facts)
    return any(criteria.under_13(child, parsed.incident_date) for child in parsed.children if child.part == "harmed")


def _default_owner(case: Case) -> User | None:
    """Who owns an automatic step: the DSL who recorded the case, if still a lead there."""
    if case.created_by.is_active and roles_at(case.created_by, case.school_id) & SAFEGUARDING_LEADS:
        return case.created_by
    return users_with_role(case.school_id, SAFEGUARDING_LEADS).order_by("id").first()


@transaction.atomic
def steps_after_assessment(*, case: Case, assessment: Assessment, became_required: bool, actor) -> list[Step]:
    """After every assessment: suggest the routes that now fit, and if the case has just become
    *police referral required*, create a police step due the same day (docs/domain.md)."""
    platforms = tuple(case.platforms.filter(removed_at__isnull=True).values_list("name", flat=True))
    facts = assessment.facts
    route_facts = RouteFacts(
        platforms=platforms,
        imagery=facts.get("imagery", "unknown"),
        imagery_kinds=frozenset(facts.get("imagery_kinds", [])),
        adult_involvement=facts.get("adult_involvement", "unknown"),
        met=tuple(assessment.met),
        harmed_under_13=harmed_under_13(facts),
    )
    routes = {r.code: r for r in Route.objects.all()}
    created: list[Step] = []
    # The police step first, so that a newly required case gets it "to do", never merely suggested.
    if became_required:
        police = _ensure_police_step(case=case, route=routes[RouteCode.POLICE], actor=actor, met=assessment.met)
        if police is not None:
            created.append(police)
    existing: dict[str, list[Step]] = {}
    for step in Step.objects.filter(case=case).select_related("route").order_by("id"):
        existing.setdefault(step.route.code, []).append(step)
    suggested: list[Step] = []
    position = next_position(case)
    for suggestion in suggest_routes(route_facts):
        current = existing.get(suggestion.code)
        if current:
            for step in current:
                # An automatic step keeps its own reason (why it was made, or why it waits).
                if step.state == StepState.SUGGESTED and step.origin != StepOrigin.AUTOMATIC and step.reason != suggestion.reason:
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
        record_event(step, from_state="", summary=f"Suggested: {step.route.name}", actor=actor, detail=suggestion.reason)
        suggested.append(step)
    if route_facts.adult_involvement == "staff":
        _lado_due(case=case)
    if suggested:
        audit_record(
            actor=actor,
            action="referrals.step.suggested",
            obj=case,
            school=case.school_id,
            extra={"routes": [s.route.code for s in suggested]},
        )
    return created + suggested


#: KCSIE: an allegation against a member of staff goes to the LADO within one working day.
LADO_DUE_WORKING_DAYS = 1


def _lado_due(*, case: Case) -> None:
    """The LADO step of a case about a member of staff is due within one working day, even while
    it is only suggested: the home page counts it among the steps due."""
    due = add_working_days(timezone.localdate(), LADO_DUE_WORKING_DAYS)
    for step in Step.objects.filter(
        case=case, route__code=RouteCode.SOCIAL_CARE, state__in=[StepState.SUGGESTED, StepState.TODO]
    ):
        if step.due_date is None or step.due_date > due:
            step.due_date = due
            step.save(update_fields=["due_date"])


def _ensure_police_step(*, case: Case, route: Route, actor, met) -> Step | None:
    due = due_date_for(case, route, required=True)
    open_steps = list(Step.objects.filter(case=case, route=route).exclude(state__in=[StepState.CLOSED, StepState.NOT_NEEDED]))
    reason = f"Created automatically: the police-referral criteria are met ({', '.join(met)}). Due the same day."
    for step in open_steps:
        if step.state == StepState.SUGGESTED:
            step.state, step.origin, step.reason = StepState.TODO, StepOrigin.AUTOMATIC, reason
            step.owner, step.due_date = _default_owner(case), due
            step.save(update_fields=["state", "origin", "reason", "owner", "due_date"])
            record_event(
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
                record_event(
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
    record_event(
        step, from_state="", summary="Police referral required: police step created, due the same day", actor=actor, detail=reason
    )
    audit_record(
        actor=actor, action="referrals.step.automatic", obj=case, school=case.school_id, extra={"route": "R7", "step_id": step.pk}
    )
    return step


def _ensure_police_step(*, case: Case, route: Route, actor, met) -> Step | None:
    """A police step "to do", due the school's set days (the same day by default), owned by the DSL
    who recorded the case (or the school's first DSL). It moves through the state machine like
    any other step: with no DSL to own it, it stays suggested and says so."""
    due = due_date_for(case, route, required=True)
    open_steps = list(Step.objects.filter(case=case, route=route).exclude(state__in=machine.DONE_STATES))
    reason = f"Created automatically: the police-referral criteria are met ({', '.join(met)}). Due the same day."
    owner = _default_owner(case)
    for step in open_steps:
        if step.state == StepState.TODO:
            if step.due_date is None or step.due_date > due:
                step.due_date = due
                step.save(update_fields=["due_date"])
                record_event(
                    step,
                    from_state=StepState.TODO,
                    summary="Police referral required: due date brought forward to today",
                    actor=actor,
                )
            return None
        if step.state != StepState.SUGGESTED:
            return None  # already made: nothing to add
    step = next((s for s in open_steps if s.state == StepState.SUGGESTED), None)
    problem = machine.transition_problem(
        machine.StepFacts(state=StepState.SUGGESTED, owner_id=owner.pk if owner else None, due_date=due),
        StepState.TODO,
        now=timezone.now(),
        today=timezone.localdate(),
        creating=step is None,
    )
    previous = step.state if step is not None else ""
    if step is None:
        step = Step(case=case, route=route, position=0, created_by=actor)
    step.origin, step.reason = StepOrigin.AUTOMATIC, reason
    if problem is None:
        step.state, step.owner, step.due_date = StepState.TODO, owner, due
        summary = "Police referral required: police step due the same day" + ("" if previous else ", created automatically")
    else:
        # No DSL to own it (a school without one): it waits, suggested, with why it cannot be done.
        step.state = StepState.SUGGESTED
        step.reason = f"{reason} It needs an owner: {problem}"
        summary = "Police referral required: waiting for a DSL to own the police step"
    step.save()
    record_event(step, from_state=previous, summary=summary, actor=actor, detail=step.reason if not previous else "")
    audit_record(
        actor=actor,
        action="referrals.step.automatic",
        obj=case,
        school=case.school_id,
        extra={"route": RouteCode.POLICE.value, "step_id": step.pk, "state": step.state},
    )
    return step


@transaction.atomic
def platform_reports_check(*, now: datetime | None = None) -> list[Step]:
    """Platform reports (R1) still unresolved after the school's set hours (48 by default) offer a
    Report Harmful Content step (R2). At most once per platform report (Step.follows is unique)."""
    now = now or timezone.now()
    rhc = Route.objects.get(code=RouteCode.REPORT_HARMFUL_CONTENT)
    offered = []
    candidates = (
        Step.objects.filter(
            route__code=RouteCode.PLATFORM,
            state__in=[StepState.MADE, StepState.ACKNOWLEDGED],
            followed_by__isnull=True,
            made_at__isnull=False,
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
            report.platform, f"{timezone.localtime(report.made_at):%-d %b %Y}", hours, harmed_under_13(facts)
        )
        step = Step.objects.create(
            case=report.case, route=rhc, state=StepState.SUGGESTED, reason=reason, position=report.position, follows=report
        )
        record_event(
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
            extra={"routes": [RouteCode.REPORT_HARMFUL_CONTENT.value], "follows": report.pk},
        )
        offered.append(step)
    return offered
