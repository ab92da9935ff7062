"""Pure rules about cases that are not the police-referral criteria themselves."""

from __future__ import annotations

from cases.criteria import Outcome

REFER = "refer"
NOT_REFER = "not_refer"
ALREADY_REFERRED = "already_referred"


def decision_differs(outcome: str, decision: str) -> bool:
    """Whether the DSL's decision differs from the assessment, so needs a written rationale.

    The seed: "context is key"; the police decide case by case. A DSL may decide against the
    criteria, but must say why. While the assessment is provisional every decision needs one,
    because the criteria have not had their say yet.
    """
    if outcome == Outcome.PROVISIONAL:
        return True
    refers = decision in (REFER, ALREADY_REFERRED)
    if outcome == Outcome.REQUIRED:
        return not refers
    return refers


def rationale_prompt(outcome: str, decision: str) -> str:
    """The words shown when a rationale is missing, naming why it is needed."""
    if outcome == Outcome.PROVISIONAL:
        return "The assessment is provisional (some questions are unanswered), so write down why you are deciding now."
    if outcome == Outcome.REQUIRED:
        return "The criteria say a police referral is required. If you decide otherwise, write down why."
    return "The criteria do not require a police referral. Write down why you are referring."


# --- Checks on facts a DSL enters (used by the forms for messages, and by the services) -----------

MIN_CHILD_AGE, MAX_CHILD_AGE = 0, 17


def incident_date_problem(incident_date, *, today) -> str | None:
    if incident_date > today:
        return "The date of the incident cannot be in the future. If you only know roughly when, give your best estimate and tick \u201capproximate\u201d."
    return None


def born_after_incident_problem(incident_date, *, name: str, date_of_birth) -> str | None:
    if date_of_birth > incident_date:
        return (
            f"The date of the incident is before {name} was born ({date_of_birth.day} {date_of_birth:%B %Y}). "
            "Check the date of the incident, or whether the right pupil is chosen."
        )
    return None


def child_age_problem(age) -> str | None:
    if age is not None and not MIN_CHILD_AGE <= age <= MAX_CHILD_AGE:
        return f"Enter an age from {MIN_CHILD_AGE} to {MAX_CHILD_AGE}. For an adult, use \u201cAdults involved\u201d instead."
    return None


def imagery_problem(imagery: str, kinds, answer_c6: str) -> tuple[str, str] | None:
    """(field, message) when what is said about imagery does not hang together."""
    if imagery == "some" and not kinds:
        return "imagery_kinds", "Say what kind of imagery is involved (described, never uploaded)."
    if imagery != "some" and kinds:
        return "imagery", "You chose kinds of imagery, so answer \u201cYes\u201d to whether imagery is involved."
    if "crime_recording" in kinds and answer_c6 == "no":
        return "answer_c6", "You recorded a recording of an assault or other crime, so this answer cannot be \u201cNo\u201d."
    return None


def normalise_platforms(raw: str) -> list[str]:
    """'snapchat, Instagram ,snapchat' → ['Instagram', 'Snapchat']: one spelling per platform."""
    seen: dict[str, str] = {}
    for part in raw.replace(";", ",").replace("\n", ",").split(","):
        name = " ".join(part.split())[:60]
        if name:
            key = name.casefold()
            seen.setdefault(key, name if any(c.isupper() for c in name) else name.title())
    return sorted(seen.values(), key=str.casefold)


def children_supported(parts: list[tuple[int, str]]) -> list[int]:
    """Of a case's current pupils (``(id, part)`` in the order added), the ones the support view
    names: the children harmed; on a case where nobody was harmed (a concern about what one pupil
    did), the first pupil recorded. KCSIE: staff supporting a child are told what they need to
    support them, so never the other children involved."""
    harmed = [pk for pk, part in parts if part == "harmed"]
    return harmed or [pk for pk, _ in parts[:1]]
