"""Work that changes hands when someone leaves: their open steps and actions go to a colleague who
can act on them, or wait, unowned, on every DSL's home page until a DSL gives them out.

A hand-over is written like any other change of owner: a chronology entry on each step (who left,
who has it now), an audit event per step and per action, and the new owner told once for all of
it. When work is left waiting, the DSLs are told once; that notification clears itself when the
last of the school's unowned work has an owner again (``clear_if_all_owned``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from referrals.selectors import Holdings, actions_owned_by, holdings_of, steps_owned_by
from referrals.services.steps import audit_step, check_owner, lock_step, record_event
from referrals.services.unowned import UNOWNED_SUBJECT
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS
from safeguard.selectors import users_with_role
from safeguard.services import Alert, alert_send, notifications_clear

TAKE_OVER = "Work can be handed to an active DSL or deputy of this school; the DSLs give it to anyone else."


def new_owner_problem(school: School, leaver: User, to: User | None) -> str:
    """Who may take over everything someone held at once: a DSL or deputy of the school. They can
    act on every step and action and already read every case, so nobody gains access to a case by
    a hand-over; giving work to pastoral staff, which opens a case to them, stays with the DSLs."""
    if to is None:
        return ""
    if to.pk == leaver.pk:
        return "Choose someone other than the person who is leaving."
    if not to.is_active or not roles_at(to, school.pk) & SAFEGUARDING_LEADS:
        return TAKE_OVER
    return ""


@transaction.atomic
def work_hand_over(*, actor: User, school: School, leaver: User, to: User | None) -> Holdings:
    """Give everything ``leaver`` owns at ``school`` to ``to`` (None: leave it for the DSLs)."""
    problem = new_owner_problem(school, leaver, to)
    if problem:
        raise ValidationError({"new_owner": problem})
    held = holdings_of(leaver, school)
    if not held.any:
        return held
    why = f"{leaver.full_name} left"
    for step in steps_owned_by(leaver, school).order_by("id"):
        step = lock_step(step)
        if to is not None:
            check_owner(step.case, to, step.route, actor=actor)
        step.owner = to
        step.save(update_fields=["owner"])
        record_event(
            step,
            from_state=step.state,
            summary=f"New owner: {to.full_name}" if to else f"Needs a new owner: {step.title}",
            detail=why,
            actor=actor,
        )
        audit_step(actor, step, "handed_over", to_id=to.pk if to else None)
    for action in actions_owned_by(leaver, school).select_related("case").order_by("id"):
        action.owner = to
        action.save(update_fields=["owner"])
        audit_record(
            actor=actor,
            action="referrals.action.handed_over",
            obj=action.case,
            school=school,
            extra={"action_id": action.pk, "to_id": to.pk if to else None},
        )
    # Nothing of it asks anything of the person who left any more.
    notifications_clear(recipients=[leaver], kinds=["step_owner", "action_given"])
    if to is None:
        tell_dsls_of_unowned(school=school, why=f"{leaver.full_name} left: {held.words} of theirs")
    elif to.pk != actor.pk:
        alert_send(
            alert=Alert(
                kind="handed_over",
                title=f"{held.words.capitalize()} handed to you",
                url=reverse("home"),
                subject=f"handover:{leaver.pk}",
                detail=f"{leaver.full_name} left, and {actor.full_name} handed you their open work. It is on your home page.",
            ),
            recipients=[to],
            school=school,
        )
    return held


def tell_dsls_of_unowned(*, school: School, why: str) -> None:
    alert_send(
        alert=Alert(
            kind="needs_owner",
            title="Work needs a new owner",
            url=reverse("home") + "#needs-owner",
            subject=UNOWNED_SUBJECT.format(school_id=school.pk),
            detail=f'{why} now has nobody to do it. It is on your home page under "Needs a new owner".',
        ),
        recipients=users_with_role(school.pk, SAFEGUARDING_LEADS),
        school=school,
    )
