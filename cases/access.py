"""The permission gateway: the only way views reach cases, concerns, pupils and pupil imports.

- :func:`get_case_for_user` fetches one case for one action. A case the user may not see is a
  404 (never a 403 that would confirm it exists); a case they may see but not change is a 403.
- :func:`cases_visible_to` is the one queryset every case list starts from.
- Concerns are for the DSLs of their school (whoever raised one cannot read it back); pupils and
  imports for the school's DSLs, and a pupil's record for whoever may read one of their cases.

Every refusal is audited in a transaction of its own (docs/domain.md: every failed access is
logged). The rules themselves are pure functions in :mod:`safeguard.roles`; this module feeds
them the user's roles at the school (``safeguard.permissions``) and whether a DSL assigned them
(django-guardian's object permission on the case, the one thing that grants a pastoral teacher
access).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from cases.models import Case, CaseChild, CaseUserObjectPermission, Concern, Pupil, PupilImport
from safeguard.permissions import roles_at, schools_with_role, user_roles
from safeguard.refusals import asked_for_text, refusal_record
from safeguard.roles import READS_ALL_CASES, SAFEGUARDING_LEADS, CaseAction, Role, case_actions

#: The object permission django-guardian grants a pastoral teacher assigned to a case.
VIEW_CASE_PERMISSION = "view_case"


def is_assigned(user, case) -> bool:
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


def refuse_on_case(user, case, attempted: str, *, reason: str = "not_permitted") -> None:
    """Record a refusal of something narrower than the case itself (a step that is not theirs,
    a move only a DSL makes), before the view answers 404 or 403."""
    refusal_record(
        actor=user,
        action="cases.case.access_refused",
        obj=case,
        school=case.school_id,
        extra={"attempted": attempted, "reason": reason},
        asked_for=str(case.pk),
    )


def get_case_for_user(user, pk, action: CaseAction = CaseAction.VIEW, *, queryset: QuerySet | None = None):
    """The case ``pk`` if ``user`` may perform ``action`` on it; 404 or 403 otherwise."""
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


# --- Pupils and pupil imports ---------------------------------------------------------------------


def lead_school_ids(user) -> list[int]:
    return schools_with_role(user, SAFEGUARDING_LEADS)


def _refuse_record(user, action: str, obj, pk, school_id=None) -> None:
    refusal_record(
        actor=user,
        action=action,
        obj=obj,
        school=school_id,
        extra={"reason": "not_visible" if obj else "not_found"},
        asked_for=asked_for_text(pk),
    )


def _as_id(pk) -> int | None:
    text = str(pk)
    return int(text) if text.isdigit() and 0 < int(text) < 2**63 else None


def get_pupil_for_lead(user, pk) -> Pupil:
    """A pupil of a school where ``user`` is a DSL or deputy (import, search, correction)."""
    found = None
    if _as_id(pk) is not None:
        found = (
            Pupil.objects.filter(pk=_as_id(pk))
            .select_related("school")
            .annotate(has_cases=Exists(CaseChild.objects.filter(pupil=OuterRef("pk"))))
            .first()
        )
    if found is None or found.school_id not in lead_school_ids(user):
        _refuse_record(user, "cases.pupil.access_refused", found and ("cases.pupil", found.pk), pk, found and found.school_id)
        raise Http404("No such pupil.")
    return found


def get_pupil_import_for_lead(user, pk, *, with_content: bool = False) -> PupilImport:
    found = None
    if _as_id(pk) is not None:
        qs = PupilImport.objects.filter(pk=_as_id(pk)).select_related("school", "uploaded_by")
        found = (qs if with_content else qs.defer("content")).first()
    if found is None or found.school_id not in lead_school_ids(user):
        _refuse_record(
            user, "cases.pupil_import.access_refused", found and ("cases.pupilimport", found.pk), pk, found and found.school_id
        )
        raise Http404("No such pupil import.")
    return found


def get_pupil_for_reader(user, pk) -> tuple[Pupil, list[int]]:
    """A pupil and the ids of their cases ``user`` may read: the school's DSLs and head read the
    pupil's whole record; pastoral staff only through the cases assigned to them."""
    pupil = Pupil.objects.filter(pk=_as_id(pk)).select_related("school").first() if _as_id(pk) is not None else None
    visible: list[int] = []
    if pupil is not None:
        visible = list(cases_visible_to(user).filter(children__pupil_id=pupil.pk).values_list("pk", flat=True).distinct())
    if pupil is None or (not visible and not roles_at(user, pupil.school_id) & READS_ALL_CASES):
        _refuse_record(user, "cases.pupil.access_refused", pupil and ("cases.pupil", pupil.pk), pk, pupil and pupil.school_id)
        raise Http404("No such pupil.")
    return pupil, visible
