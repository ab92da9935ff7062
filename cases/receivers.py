"""What the cases app does when the core says something happened (``safeguard.services.trust_leads``),
and the rule it gives the core's alerts (``safeguard.services.alerts``): the member of staff an
allegation is about is never alerted about its case, not even by its number."""

from __future__ import annotations

from django.dispatch import receiver

from cases.access import may_hear_of
from cases.services.grants import grants_end_for_trust_lead
from safeguard.services.alerts import register_case_audience_rule
from safeguard.services.trust_leads import trust_lead_ended

register_case_audience_rule(may_hear_of)


@receiver(trust_lead_ended, dispatch_uid="cases.grants_end_for_trust_lead")
def on_trust_lead_ended(sender, *, lead, actor, **kwargs) -> None:
    """A trust's safeguarding lead whose appointment ends loses every case granted to them."""
    grants_end_for_trust_lead(lead=lead, actor=actor)
