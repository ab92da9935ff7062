"""Reads for the cases granted to a trust's safeguarding lead (``cases.services.grants`` writes
them): who has been granted a case, whom a DSL may grant it to, and the cases granted to someone."""

from __future__ import annotations

from django.db.models import QuerySet

from cases.access import cases_visible_to
from cases.models import READ_GRANTED_PERMISSION, Case, CaseUserObjectPermission
from safeguard.models import User


def granted_to(case: Case) -> list[User]:
    """Who has been granted ``case`` (its DSLs see them on the case page)."""
    holders = CaseUserObjectPermission.objects.filter(content_object=case, permission__codename=READ_GRANTED_PERMISSION)
    return list(User.objects.filter(pk__in=holders.values("user_id")).order_by("full_name", "pk"))


def trust_leads_for(case: Case) -> QuerySet[User]:
    """The open safeguarding leads of the case's trust: whom its DSLs may grant it to."""
    return (
        User.objects.filter(trust_leads__trust_id=case.school.trust_id, trust_leads__ended_at__isnull=True, is_active=True)
        .distinct()
        .order_by("full_name", "pk")
    )


def cases_granted_to(user) -> QuerySet[Case]:
    """The cases granted to ``user`` as a trust's safeguarding lead that they may open now: through
    the gateway's list, so an ended appointment or a case restricted since shows nothing."""
    granted = CaseUserObjectPermission.objects.filter(user=user, permission__codename=READ_GRANTED_PERMISSION)
    return (
        cases_visible_to(user)
        .filter(pk__in=granted.values("content_object_id"))
        .select_related("school")
        .order_by("school__name", "-created_at", "-pk")
    )
