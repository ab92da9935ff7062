"""The case page's "Trust safeguarding lead" section (``cases/includes/trust_grants.html``): what
it needs, read here so the case page takes it with one include line."""

from __future__ import annotations

from django import template

from cases.forms.grants import TrustGrantForm
from cases.trust_grants import granted_to, trust_leads_for

register = template.Library()


@register.simple_tag
def trust_grants_for(case) -> dict:
    """Who has been granted ``case``, and the form to grant it to the trust's lead."""
    leads = list(trust_leads_for(case))
    granted = granted_to(case)
    granted_ids = {user.pk for user in granted}
    offered = [lead for lead in leads if lead.pk not in granted_ids]
    return {
        "granted": granted,
        "leads": leads,
        "form": TrustGrantForm(case=case, leads=offered) if offered else None,
    }
