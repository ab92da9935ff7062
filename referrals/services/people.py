"""The child's voice, and parents or carers informed (or not, with the reason)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseChild, Pupil
from referrals.models import OPEN_STATES, ChildVoice, MadeHow, ParentContact, Step, StepState
from referrals.routes import RouteCode
from referrals.selectors import parents_still_to_tell
from referrals.services.steps import step_accept, step_close, step_mark_made, step_not_needed, step_record_outcome
from safeguard.audit import audit_record
from safeguard.models import User


def _check_pupil(case: Case, pupil: Pupil) -> None:
    if not CaseChild.objects.filter(case=case, pupil=pupil, removed_at__isnull=True).exists():
        raise ValidationError({"pupil": "Choose a child who is on this case."})


def _not_future(value: datetime | None, field: str, errors: dict) -> None:
    if value is not None and value > timezone.now() + timezone.timedelta(minutes=5):
        errors[field] = "This cannot be in the future."


@transaction.atomic
def child_voice_record(
    *, actor: User, case: Case, pupil: Pupil, told_at: datetime, told_by: str, views: str, questions: str, next_steps: str
) -> ChildVoice:
    """The seed: children may not want police involvement. Their wishes never block a required
    referral, but the record shows they were told, their views, their questions, what happens next."""
    _check_pupil(case, pupil)
    errors: dict = {}
    if not told_by.strip():
        errors["told_by"] = "Say who told the child."
    if not views.strip():
        errors["views"] = "Write down the child's views in their own words."
    if not next_steps.strip():
        errors["next_steps"] = "Write down what the child was told will happen next."
    _not_future(told_at, "told_at", errors)
    if errors:
        raise ValidationError(errors)
    voice = ChildVoice.objects.create(
        case=case,
        pupil=pupil,
        told_at=told_at,
        told_by=told_by.strip(),
        views=views,
        questions=questions,
        next_steps=next_steps,
        recorded_by=actor,
    )
    audit_record(
        actor=actor, action="referrals.child_voice.recorded", obj=case, school=case.school_id, extra={"pupil_id": pupil.pk}
    )
    return voice


@transaction.atomic
def parent_contact_record(
    *,
    actor: User,
    case: Case,
    pupils: Iterable[Pupil],
    informed: bool,
    how: str = "",
    who: str = "",
    contacted_at: datetime | None = None,
    contacted_by: str = "",
    response: str = "",
    not_informed_reason: str = "",
) -> list[ParentContact]:
    """Parents or carers informed, for one or more children on the case (siblings share parents),
    or not informed with why (when informing them would put the child at risk).

    The parents step follows: it is accepted and made with the first parents told, and recorded
    and closed once every harmed child's parents are told or recorded as not told, with why (or
    marked not needed when none could be told). Until then the case page lists who is left."""
    pupils = list(dict.fromkeys(pupils))
    errors: dict = {}
    if not pupils:
        errors["pupils"] = "Choose the child or children whose parents or carers this is about."
    for pupil in pupils:
        if not CaseChild.objects.filter(case=case, pupil=pupil, removed_at__isnull=True).exists():
            errors["pupils"] = "Choose children who are on this case."
    if informed:
        if not who.strip():
            errors["who"] = "Say who was informed (name and relationship to the child)."
        if contacted_at is None:
            errors["contacted_at"] = "Say when they were informed."
        if not contacted_by.strip():
            errors["contacted_by"] = "Say who informed them."
        if not how:
            errors["how"] = "Say how they were told (by phone, in person…)."
        _not_future(contacted_at, "contacted_at", errors)
    elif not not_informed_reason.strip():
        errors["not_informed_reason"] = "Record why the parents or carers were not informed."
    if errors:
        raise ValidationError(errors)
    contacts = [
        ParentContact.objects.create(
            case=case,
            pupil=pupil,
            informed=informed,
            how=how if informed else "",
            who=who.strip(),
            contacted_at=contacted_at if informed else None,
            contacted_by=contacted_by.strip(),
            response=response,
            not_informed_reason=not_informed_reason.strip() if not informed else "",
            recorded_by=actor,
        )
        for pupil in pupils
    ]
    audit_record(
        actor=actor,
        action="referrals.parent_contact.recorded",
        obj=case,
        school=case.school_id,
        extra={"informed": informed, "children": len(contacts)},
    )
    _advance_parents_step(actor=actor, case=case)
    return contacts


def _advance_parents_step(*, actor: User, case: Case) -> None:
    step = (
        Step.objects.filter(case=case, route__code=RouteCode.PARENTS, state__in=OPEN_STATES)
        .select_related("route", "case__school")
        .order_by("id")
        .first()
    )
    if step is None:
        return
    contacts = list(ParentContact.objects.filter(case=case).select_related("pupil").order_by("recorded_at", "id"))
    told = [c for c in contacts if c.informed]
    left = parents_still_to_tell(case, contacts)
    if not told:
        if not left and step.state in (StepState.SUGGESTED, StepState.TODO):
            reasons = "; ".join(f"{c.pupil.full_name}: {c.not_informed_reason}" for c in contacts)
            step_not_needed(actor=actor, step=step, reason=f"Parents or carers not informed. {reasons}")
        return
    if step.state == StepState.SUGGESTED:
        step = step_accept(actor=actor, step=step, owner=actor, due_date=timezone.localdate())
    if step.state == StepState.TODO:
        first = min(told, key=lambda c: c.contacted_at)
        step = step_mark_made(
            actor=actor, step=step, made_at=first.contacted_at, made_how=first.how or MadeHow.OTHER, contact=first.who
        )
    if not left and step.state in (StepState.MADE, StepState.ACKNOWLEDGED):
        step = step_record_outcome(actor=actor, step=step, outcome=_parents_outcome(contacts))
        step_close(actor=actor, step=step)


def _parents_outcome(contacts: list[ParentContact]) -> str:
    lines = []
    for c in contacts:
        if c.informed:
            lines.append(
                f"Told: the parents or carers of {c.pupil.full_name} ({c.who}, {timezone.localtime(c.contacted_at):%-d %b %Y %H:%M}, by {c.contacted_by})."
            )
        else:
            lines.append(f"Not told: the parents or carers of {c.pupil.full_name}, because {c.not_informed_reason}")
    return "\n".join(lines)
