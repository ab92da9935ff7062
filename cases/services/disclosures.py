"""Recording a disclosure, changing its facts, and correcting its narrative (never deleting)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases import rules
from cases.models import (
    NARRATIVE_LABELS,
    AssessmentTrigger,
    Case,
    CaseChild,
    CasePlatform,
    Correction,
    Disclosure,
    FactChange,
    OtherChild,
    Pupil,
)
from cases.search import search_index_case_text
from cases.services.assessments import case_reassess
from cases.services.cases import case_create
from cases.services.restrictions import case_allegation_record
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at


@dataclass
class ChildInput:
    pupil: Pupil
    part: str


@dataclass
class OtherChildInput:
    description: str
    part: str
    age: int | None = None
    age_band: str = ""
    known_to_services: bool = False


@dataclass
class DisclosureInput:
    """Everything the disclosure form collects, as plain values."""

    summary: str
    disclosed_at: datetime
    method: str
    disclosed_to: str
    child_account: str
    incident_date: date
    incident_date_approximate: bool = False
    kinds: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    pupils: list[ChildInput] = field(default_factory=list)
    others: list[OtherChildInput] = field(default_factory=list)
    unidentified_children: int = 0
    adult_involvement: str = "unknown"
    imagery: str = "unknown"
    imagery_kinds: list[str] = field(default_factory=list)
    imagery_description: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    #: The member of staff named as the adult involved, when they have an account here (issue 17).
    staff_member: User | None = None


#: The structured facts a DSL may change with a reason (narrative fields are corrected instead).
FACT_FIELDS = (
    "disclosed_at",
    "method",
    "incident_date",
    "incident_date_approximate",
    "kinds",
    "platforms",
    "unidentified_children",
    "adult_involvement",
    "imagery",
    "imagery_kinds",
    "answers",
)


def _check(data: DisclosureInput, school: School) -> None:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if not data.child_account.strip():
        errors.setdefault("child_account", []).append("Write down what the child said, in their own words.")
    if not data.summary.strip():
        errors.setdefault("summary", []).append("Write a short summary of the concern.")
    problem = rules.incident_date_problem(data.incident_date, today=today)
    if problem:
        errors.setdefault("incident_date", []).append(problem)
    for child in data.pupils:
        if child.pupil.school_id != school.pk:
            errors.setdefault("pupils", []).append("A pupil of another school cannot be added to this case.")
        problem = rules.born_after_incident_problem(
            data.incident_date, name=child.pupil.full_name, date_of_birth=child.pupil.date_of_birth
        )
        if problem:
            errors.setdefault("incident_date", []).append(problem)
    for other in data.others:
        problem = rules.child_age_problem(other.age)
        if problem:
            errors.setdefault("others", []).append(problem)
    imagery = rules.imagery_problem(data.imagery, data.imagery_kinds, data.answers.get("C6", "unknown"))
    if imagery:
        errors.setdefault(imagery[0], []).append(imagery[1])
    if data.staff_member is not None:
        if data.adult_involvement != "staff":
            errors.setdefault("staff_member", []).append(
                "You named a member of staff: choose \u201cA member of staff\u201d as the adult involved, or take the name off."
            )
        elif not roles_at(data.staff_member, school.pk):
            errors.setdefault("staff_member", []).append(
                f"{data.staff_member.full_name} is not a member of staff at this school: pick someone from this school."
            )
    if errors:
        raise ValidationError(errors)


def _minute(value: datetime) -> datetime:
    # The form records the disclosure to the minute; comparing finer would invent changes.
    return value.replace(second=0, microsecond=0)


def _apply_facts(disclosure: Disclosure, data: DisclosureInput) -> None:
    disclosure.disclosed_at = _minute(data.disclosed_at)
    disclosure.method = data.method
    disclosure.incident_date = data.incident_date
    disclosure.incident_date_approximate = data.incident_date_approximate
    for kind, name in Disclosure.KIND_FIELDS.items():
        setattr(disclosure, name, kind in data.kinds)
    disclosure.unidentified_children = data.unidentified_children
    disclosure.adult_involvement = data.adult_involvement
    disclosure.imagery = data.imagery
    for kind, name in Disclosure.IMAGERY_KIND_FIELDS.items():
        setattr(disclosure, name, kind in data.imagery_kinds)
    for code, name in Disclosure.ANSWER_FIELDS.items():
        setattr(disclosure, name, data.answers.get(code, "unknown"))


def _set_platforms(case: Case, names: list[str]) -> None:
    wanted = set(rules.normalise_platforms(", ".join(names)))
    current = set(CasePlatform.objects.filter(case=case, removed_at__isnull=True).values_list("name", flat=True))
    CasePlatform.objects.filter(case=case, removed_at__isnull=True, name__in=current - wanted).update(removed_at=timezone.now())
    CasePlatform.objects.bulk_create(CasePlatform(case=case, name=name) for name in sorted(wanted - current))


@transaction.atomic
def disclosure_record(*, actor: User, school: School, data: DisclosureInput, concern=None) -> Case:
    """Record what a child disclosed and assess it at once against the police-referral criteria.

    KCSIE: concerns, discussions and decisions are recorded in writing. UKCIS: imagery is only
    ever described here; the form has no way to upload it.
    """
    _check(data, school)
    case = case_create(actor=actor, school=school, summary=data.summary.strip())
    disclosure = Disclosure(
        case=case,
        disclosed_to=data.disclosed_to.strip(),
        child_account=data.child_account,
        imagery_description=data.imagery_description,
    )
    _apply_facts(disclosure, data)
    disclosure.staff_member = data.staff_member
    disclosure.save()
    search_index_case_text(case=case, field="child_account", text=disclosure.child_account)
    for child in data.pupils:
        CaseChild.objects.create(case=case, pupil=child.pupil, part=child.part, added_by=actor)
    for other in data.others:
        OtherChild.objects.create(case=case, added_by=actor, **other.__dict__)
    _set_platforms(case, data.platforms)
    audit_record(
        actor=actor,
        action="cases.disclosure.recorded",
        obj=case,
        school=school,
        extra={"pupils": len(data.pupils), "other_children": len(data.others), "kinds": sorted(data.kinds)},
    )
    if concern is not None:
        from cases.services.concerns import concern_link_case

        concern_link_case(actor=actor, concern=concern, case=case)
    from cases.services.drafts import draft_discard

    draft_discard(user=actor, school=school)
    if data.staff_member is not None:
        # Before anything is suggested or anyone told: the person named never learns of it.
        case_allegation_record(actor=actor, case=case, staff_member=data.staff_member)
        case.is_restricted = True
    case_reassess(case=case, trigger=AssessmentTrigger.RECORDED, actor=actor)
    return case


def _current_input(case: Case) -> dict:
    d = case.disclosure
    return {
        "disclosed_at": _minute(d.disclosed_at),
        "method": d.method,
        "incident_date": d.incident_date,
        "incident_date_approximate": d.incident_date_approximate,
        "kinds": sorted(d.kinds()),
        "platforms": sorted(case.platforms.filter(removed_at__isnull=True).values_list("name", flat=True), key=str.casefold),
        "unidentified_children": d.unidentified_children,
        "adult_involvement": d.adult_involvement,
        "imagery": d.imagery,
        "imagery_kinds": sorted(d.imagery_kinds()),
        "answers": {code: getattr(d, name) for code, name in Disclosure.ANSWER_FIELDS.items()},
    }


@transaction.atomic
def facts_update(*, actor: User, case: Case, data: DisclosureInput, reason: str) -> list[str]:
    """Change the structured facts, with a reason, and re-assess. Returns the fields that changed."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the facts are changing (for example, what the child or a witness added)."})
    case = (
        Case.objects.select_for_update(of=("self",)).select_related("school", "disclosure", "current_assessment").get(pk=case.pk)
    )
    data.pupils = [ChildInput(link.pupil, link.part) for link in case.children.filter(removed_at__isnull=True)]
    data.child_account = case.disclosure.child_account
    data.summary = case.summary
    _check(data, case.school)
    before = _current_input(case)
    data.platforms = rules.normalise_platforms(", ".join(data.platforms))
    data.disclosed_at = _minute(data.disclosed_at)
    after = {name: getattr(data, name) for name in FACT_FIELDS}
    after["kinds"], after["imagery_kinds"] = sorted(after["kinds"]), sorted(after["imagery_kinds"])
    after["answers"] = {code: data.answers.get(code, "unknown") for code in Disclosure.ANSWER_FIELDS}
    changed = [name for name in FACT_FIELDS if before[name] != after[name]]
    if data.staff_member is not None and data.staff_member.pk != case.disclosure.staff_member_id:
        changed.append("staff_member")
        before["staff_member"], after["staff_member"] = case.disclosure.staff_member_id, data.staff_member.pk
    if not changed:
        return []
    _apply_facts(case.disclosure, data)
    newly_named = data.staff_member is not None and data.staff_member.pk != case.disclosure.staff_member_id
    if newly_named:
        case.disclosure.staff_member = data.staff_member
    case.disclosure.updated_at = timezone.now()
    case.disclosure.save()
    if newly_named:
        case_allegation_record(actor=actor, case=case, staff_member=data.staff_member)
    _set_platforms(case, data.platforms)
    FactChange.objects.create(
        case=case,
        fields=changed,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
        reason=reason.strip(),
        made_by=actor,
    )
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    audit_record(actor=actor, action="cases.disclosure.facts_changed", obj=case, school=case.school_id, extra={"fields": changed})
    case_reassess(case=case, trigger=AssessmentTrigger.FACTS_CHANGED, actor=actor)
    return changed


@transaction.atomic
def child_add(*, actor: User, case: Case, pupil: Pupil, part: str) -> CaseChild:
    if pupil.school_id != case.school_id:
        raise ValidationError("A pupil of another school cannot be added to this case.")
    if CaseChild.objects.filter(case=case, pupil=pupil, removed_at__isnull=True).exists():
        raise ValidationError(f"{pupil.full_name} is already on this case.")
    problem = rules.born_after_incident_problem(
        case.disclosure.incident_date, name=pupil.full_name, date_of_birth=pupil.date_of_birth
    )
    if problem:
        raise ValidationError(problem)
    link = CaseChild.objects.create(case=case, pupil=pupil, part=part, added_by=actor)
    audit_record(
        actor=actor, action="cases.child.added", obj=case, school=case.school_id, extra={"pupil_id": pupil.pk, "part": part}
    )
    case_reassess(case=case, trigger=AssessmentTrigger.CHILDREN_CHANGED, actor=actor)
    return link


@transaction.atomic
def child_remove(*, actor: User, case: Case, link: CaseChild, reason: str) -> None:
    """Take a pupil off a case (added in error, say). The link stays in the record with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why this child is being taken off the case."})
    if link.case_id != case.pk or link.removed_at is not None:
        raise ValidationError("This child is not on the case.")
    link.removed_at, link.removed_by, link.removed_reason = timezone.now(), actor, reason.strip()
    link.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    audit_record(actor=actor, action="cases.child.removed", obj=case, school=case.school_id, extra={"pupil_id": link.pupil_id})
    case_reassess(case=case, trigger=AssessmentTrigger.CHILDREN_CHANGED, actor=actor)


@transaction.atomic
def other_child_add(*, actor: User, case: Case, data: OtherChildInput) -> OtherChild:
    problem = rules.child_age_problem(data.age)
    if problem:
        raise ValidationError({"age": problem})
    other = OtherChild.objects.create(case=case, added_by=actor, **data.__dict__)
    audit_record(
        actor=actor, action="cases.other_child.added", obj=case, school=case.school_id, extra={"other_child_id": other.pk}
    )
    case_reassess(case=case, trigger=AssessmentTrigger.CHILDREN_CHANGED, actor=actor)
    return other


@transaction.atomic
def other_child_remove(*, actor: User, case: Case, other: OtherChild, reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": "Say why this child is being taken off the case."})
    if other.case_id != case.pk or other.removed_at is not None:
        raise ValidationError("This child is not on the case.")
    other.removed_at, other.removed_by, other.removed_reason = timezone.now(), actor, reason.strip()
    other.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    audit_record(
        actor=actor, action="cases.other_child.removed", obj=case, school=case.school_id, extra={"other_child_id": other.pk}
    )
    case_reassess(case=case, trigger=AssessmentTrigger.CHILDREN_CHANGED, actor=actor)


@transaction.atomic
def narrative_correct(*, actor: User, case: Case, field_name: str, new_text: str, reason: str) -> Correction:
    """Correct narrative text. KCSIE: nothing is deleted; the earlier text stays, with the reason."""
    if field_name not in NARRATIVE_LABELS:
        raise ValidationError("That part of the record cannot be corrected here.")
    errors = {}
    if not reason.strip():
        errors["reason"] = "Say why this is being corrected."
    if field_name in ("summary", "child_account", "disclosed_to") and not new_text.strip():
        errors["new_text"] = "The corrected text cannot be empty."
    if errors:
        raise ValidationError(errors)
    target = case if field_name == "summary" else case.disclosure
    previous = getattr(target, field_name)
    if previous == new_text:
        raise ValidationError({"new_text": "The corrected text is the same as the current text."})
    setattr(target, field_name, new_text)
    target.save(update_fields=[field_name])
    correction = Correction.objects.create(
        case=case, field=field_name, previous_text=previous, new_text=new_text, reason=reason.strip(), made_by=actor
    )
    audit_record(actor=actor, action="cases.narrative.corrected", obj=case, school=case.school_id, extra={"field": field_name})
    # Search finds the corrected text (the summary and the child's account), not the earlier one.
    search_index_case_text(case=case, field=field_name, text=new_text)
    return correction
