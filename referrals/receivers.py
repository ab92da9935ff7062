"""What the referrals app does when the cases app says something happened (cases.signals)."""

from __future__ import annotations

from django.dispatch import receiver

from cases.signals import case_assessed
from referrals.services.reminders import alert_police_required
from referrals.services.suggestions import steps_after_assessment
from safeguard.roles import SAFEGUARDING_LEADS
from safeguard.selectors import users_with_role


@receiver(case_assessed, dispatch_uid="referrals.steps_after_assessment")
def on_case_assessed(sender, *, case, assessment, previous, became_required: bool, actor, **kwargs) -> None:
    """docs/domain.md: a case that becomes *police referral required* gets a police step and an alert to
    the DSL at once; every assessment re-suggests the routes that fit the facts."""
    if became_required:
        # In Safeguard at once, and by email (after quiet hours, if it is night) to every DSL.
        alert_police_required(case=case, recipients=users_with_role(case.school_id, SAFEGUARDING_LEADS))
    steps_after_assessment(case=case, assessment=assessment, became_required=became_required, actor=actor)
