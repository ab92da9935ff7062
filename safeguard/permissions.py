"""Who holds which roles where: the roles half of the permission gateway.

The rules are pure functions in :mod:`safeguard.roles`; the gateway that combines them with
cases (``get_case_for_user``, ``cases_visible_to``) is ``cases.access``.
"""

from __future__ import annotations

from collections import defaultdict

from safeguard.models import StaffRole, TrustLead


def user_roles(user) -> dict[int, frozenset[str]]:
    """``{school_id: roles}`` for an active user, cached on the user object for this request.

    Request-scoped on purpose: a role removed or an assignment ended takes effect on the next
    request, never later.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, "_safeguard_roles", None)
    if cached is None:
        grouped: dict[int, set[str]] = defaultdict(set)
        for school_id, role in StaffRole.objects.filter(user=user).values_list("school_id", "role"):
            grouped[school_id].add(role)
        cached = {school_id: frozenset(roles) for school_id, roles in grouped.items()}
        user._safeguard_roles = cached
    return cached


def trust_lead_of(user) -> frozenset[int]:
    """The trusts ``user`` is an appointed safeguarding lead of, cached for this request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_safeguard_trusts", None)
    if cached is None:
        cached = frozenset(TrustLead.objects.filter(user=user, ended_at__isnull=True).values_list("trust_id", flat=True))
        user._safeguard_trusts = cached
    return cached


def roles_at(user, school_id: int) -> frozenset[str]:
    return user_roles(user).get(school_id, frozenset())


def schools_with_role(user, roles) -> list[int]:
    wanted = set(roles)
    return [school_id for school_id, held in user_roles(user).items() if held & wanted]


def forget_roles(user) -> None:
    """Drop the request cache after a service changed this user's roles."""
    for cached in ("_safeguard_roles", "_safeguard_trusts", "_safeguard_hidden"):
        if hasattr(user, cached):
            delattr(user, cached)
