"""The permission gateway: the only way views reach cases.

- :func:`get_case_for_user` fetches one case for one action. A case the user may not see is a
  404 (never a 403 that would confirm it exists); a case they may see but not change is a 403.
  Every refusal writes an audit event (DOMAIN.md: "failed access of a case is logged").
- :func:`cases_visible_to` is the one queryset every case list starts from.

The rules themselves are pure functions in :mod:`safeguard.roles`; this module only feeds them
the user's roles at the case's school and whether a DSL assigned them (a guardian object
permission on the case).
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from safeguard.refusals import asked_for_text, refusal_record
from safeguard.roles import READS_ALL_CASES, SAFEGUARDING_LEADS, CaseAction, Role, case_actions

VIEW_CASE_PERMISSION = "view_case"


def user_roles(user) -> dict[int, frozenset[str]]:
    """``{school_id: roles}`` for an active user, cached on the user object for this request.

    Request-scoped on purpose: a role removed or an assignment ended takes effect on the next
    request, never later.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, "_safeguard_roles", None)
    if cached is None:
        from safeguard.models import StaffRole

        grouped: dict[int, set[str]] = defaultdict(set)
        for school_id, role in StaffRole.objects.filter(user=user).values_list("school_id", "role"):
            grouped[school_id].add(role)
        cached = {school_id: frozenset(roles) for school_id, roles in grouped.items()}
        user._safeguard_roles = cached
    return cached


def roles_at(user, school_id: int) -> frozenset[str]:
    return user_roles(user).get(school_id, frozenset())


def schools_with_role(user, roles) -> list[int]:
    wanted = set(roles)
    return [school_id for school_id, held in user_roles(user).items() if held & wanted]


def forget_roles(user) -> None:
    """Drop the request cache after a service changed this user's roles."""
    if hasattr(user, "_safeguard_roles"):
        del user._safeguard_roles


def is_assigned(user, case) -> bool:
    from cases.models import CaseUserObjectPermission

    return CaseUserObjectPermission.objects.filter(
        user=user, content_object=case, permission__codename=VIEW_CASE_PERMISSION
    ).exists()


def allowed_actions(user, case) -> frozenset[CaseAction]:
    roles = roles_at(user, case.school_id)
    assigned = Role.PASTORAL in roles and is_assigned(user, case)
    return case_actions(roles, assigned=assigned)


def _refuse(user, *, case_id, school_id, action: CaseAction, reason: str, asked_for: str = "") -> None:
    # Its own transaction (refusal_record): the refusal must be recorded though the request fails.
    refusal_record(
        actor=user,
        action="cases.case.access_refused",
        obj=("cases.case", case_id),
        school=school_id,
        extra={"attempted": str(action), "reason": reason},
        asked_for=asked_for,
    )


def get_case_for_user(user, pk, action: CaseAction = CaseAction.VIEW, *, queryset: QuerySet | None = None):
    """The case ``pk`` if ``user`` may perform ``action`` on it; 404 or 403 otherwise."""
    from cases.models import Case

    qs = queryset if queryset is not None else Case.objects.select_related("school")
    try:
        case = qs.get(pk=int(pk))
    except (Case.DoesNotExist, ValueError, TypeError, OverflowError):
        # No case had that number at the time: what was asked for is kept as text, never as the
        # case's id (a case that later gets that number was not the one tried).
        _refuse(user, case_id="", school_id=None, action=action, reason="not_found", asked_for=asked_for_text(pk))
        raise Http404("No such case.") from None
    allowed = allowed_actions(user, case)
    if CaseAction.VIEW not in allowed:
        _refuse(user, case_id=case.pk, school_id=case.school_id, action=action, reason="not_visible", asked_for=str(case.pk))
        raise Http404("No such case.")
    if action not in allowed:
        _refuse(user, case_id=case.pk, school_id=case.school_id, action=action, reason="not_permitted", asked_for=str(case.pk))
        raise PermissionDenied("You can read this case but not do that.")
    case.allowed_actions = allowed
    return case


def cases_visible_to(user) -> QuerySet:
    """Every case ``user`` may read: the one starting point for every list of cases."""
    from cases.models import Case, CaseUserObjectPermission

    roles = user_roles(user)
    whole_school = [school_id for school_id, held in roles.items() if held & READS_ALL_CASES]
    pastoral = [school_id for school_id, held in roles.items() if Role.PASTORAL in held and not held & READS_ALL_CASES]
    condition = Q(school_id__in=whole_school)
    if pastoral:
        assigned = CaseUserObjectPermission.objects.filter(user=user, permission__codename=VIEW_CASE_PERMISSION).values(
            "content_object_id"
        )
        condition |= Q(school_id__in=pastoral, pk__in=assigned)
    if not whole_school and not pastoral:
        return Case.objects.none()
    return Case.objects.filter(condition)


def get_concern_for_user(user, pk):
    """A concern, for the DSLs of its school only. Whoever raised it cannot read it back (404)."""
    from cases.models import Concern

    try:
        concern = Concern.objects.select_related("school", "raised_by").get(pk=int(pk))
    except (Concern.DoesNotExist, ValueError, TypeError, OverflowError):
        refusal_record(
            actor=user, action="cases.concern.access_refused", extra={"reason": "not_found"}, asked_for=asked_for_text(pk)
        )
        raise Http404("No such concern.") from None
    if not roles_at(user, concern.school_id) & SAFEGUARDING_LEADS:
        refusal_record(
            actor=user,
            action="cases.concern.access_refused",
            obj=concern,
            school=concern.school_id,
            extra={"reason": "not_visible"},
        )
        raise Http404("No such concern.")
    return concern
