"""Reads a case's stored facts into the criteria engine's plain input (cases.criteria.Facts).

The only bridge between the database and the pure engine: the engine never sees a model.
"""

from __future__ import annotations

from cases import criteria
from cases.models import Case, CaseChild, Disclosure, OtherChild


def facts_for_case(case: Case) -> criteria.Facts:
    disclosure: Disclosure = case.disclosure
    pupils = CaseChild.objects.filter(case=case, removed_at__isnull=True).select_related("pupil").order_by("id")
    others = OtherChild.objects.filter(case=case, removed_at__isnull=True).order_by("id")
    children = [
        criteria.ChildFacts(
            label=link.pupil.full_name,
            part=link.part,
            date_of_birth=link.pupil.date_of_birth,
            vulnerabilities=tuple(link.pupil.vulnerabilities()),
        )
        for link in pupils
    ]
    children += [
        criteria.ChildFacts(
            label=other.description,
            part=other.part,
            age=other.age,
            age_band=criteria.AgeBand(other.age_band) if other.age_band else None,
            known_to_services=other.known_to_services,
        )
        for other in others
    ]
    return criteria.Facts(
        incident_date=disclosure.incident_date,
        incident_date_approximate=disclosure.incident_date_approximate,
        answers={code: criteria.Answer(getattr(disclosure, name)) for code, name in Disclosure.ANSWER_FIELDS.items()},
        children=tuple(children),
        unidentified_children=disclosure.unidentified_children,
        adult_involvement=criteria.Adult(disclosure.adult_involvement),
        imagery=criteria.Imagery(disclosure.imagery),
        imagery_kinds=frozenset(criteria.ImageryKind(k) for k in disclosure.imagery_kinds()),
        high_number_threshold=case.school.high_number_threshold,
    )
