"""The permission gateway for pupils and pupil imports (cases are reached through
``safeguard.permissions.get_case_for_user``): the one way views reach them.

A pupil or import the user may not reach is a 404, never a 403 that confirms it exists, and
every refusal is audited in a transaction of its own, as refused case access is (DOMAIN.md:
every failed access is logged).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import Http404

from cases.models import CaseChild, Pupil, PupilImport
from safeguard.permissions import cases_visible_to, roles_at, schools_with_role
from safeguard.refusals import asked_for_text, refusal_record
from safeguard.roles import READS_ALL_CASES, SAFEGUARDING_LEADS


def lead_school_ids(user) -> list[int]:
    return schools_with_role(user, SAFEGUARDING_LEADS)


def _refuse(user, action: str, obj, pk, school_id=None) -> None:
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
        _refuse(user, "cases.pupil.access_refused", found and ("cases.pupil", found.pk), pk, found and found.school_id)
        raise Http404("No such pupil.")
    return found


def get_pupil_import_for_lead(user, pk, *, with_content: bool = False) -> PupilImport:
    found = None
    if _as_id(pk) is not None:
        qs = PupilImport.objects.filter(pk=_as_id(pk)).select_related("school", "uploaded_by")
        found = (qs if with_content else qs.defer("content")).first()
    if found is None or found.school_id not in lead_school_ids(user):
        _refuse(
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
        _refuse(user, "cases.pupil.access_refused", pupil and ("cases.pupil", pupil.pk), pk, pupil and pupil.school_id)
        raise Http404("No such pupil.")
    return pupil, visible
