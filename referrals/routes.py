"""Which reporting routes to suggest, and why: plain facts in, suggestions out (no ORM).

DOMAIN.md, "Reporting routes": content on a platform ⇒ R1 (then R2 if unresolved); a nude image
of a pupil online ⇒ R3; abuse imagery ⇒ R4 and R7; adult contact ⇒ R5 and R7; any criterion met
⇒ R7; C4 or C5 ⇒ R8 (and the LADO when a member of staff is involved); always R6 and P1.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.criteria import CRITERIA


@dataclass(frozen=True)
class RouteFacts:
    platforms: tuple[str, ...] = ()
    imagery: str = "unknown"
    imagery_kinds: frozenset[str] = frozenset()
    adult_involvement: str = "unknown"
    met: tuple[str, ...] = ()
    #: Age on the date of the incident of the youngest child who was harmed, if known.
    youngest_harmed_age: int | None = None


@dataclass(frozen=True)
class Suggestion:
    code: str
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)


#: The order suggestions are listed in: the most urgent first.
ORDER = ("R7", "R5", "R4", "R3", "R8", "R1", "R2", "R6", "P1")

_ADULT_WORDS = {"stranger": "an adult stranger", "known_adult": "an adult the child knows", "staff": "a member of staff"}


def suggest_routes(facts: RouteFacts) -> list[Suggestion]:
    reasons: dict[str, list[str]] = {}

    def add(code: str, reason: str) -> None:
        reasons.setdefault(code, []).append(reason)

    nude = facts.imagery == "some" and "nude_u18" in facts.imagery_kinds
    adult = _ADULT_WORDS.get(facts.adult_involvement)
    young = facts.youngest_harmed_age is not None and facts.youngest_harmed_age < 13

    if facts.platforms:
        add("R1", f"Suggested because the content was on {', '.join(facts.platforms)}: report it to the platform.")
    if nude and facts.platforms:
        reason = "Suggested because a nude or semi-nude image of a child may be online: the young person can have it removed."
        if young:
            reason += " Report Remove checks age from 13; for a younger child, rely on the IWF and police routes."
        add("R3", reason)
    if nude:
        add(
            "R4",
            "Suggested because nude or semi-nude imagery of an under-18 is involved: the IWF removes child sexual abuse imagery.",
        )
        add("R7", "Suggested because nude or semi-nude imagery of an under-18 is involved.")
    if adult:
        add("R5", f"Suggested because {adult} contacted the child online: report adult contact to CEOP.")
        add("R7", f"Suggested because {adult} is involved.")
    if facts.met:
        named = "; ".join(f"{code}: {CRITERIA[code][0].lower()}" for code in facts.met)
        add("R7", f"Suggested because the police-referral criteria are met ({named}).")
    if "C4" in facts.met:
        add("R8", "Suggested because a child is at significant or immediate risk of harm.")
    if "C5" in facts.met:
        add("R8", "Suggested because a child is already known to children's social care or the police.")
    if facts.adult_involvement == "staff":
        add("R8", "Suggested because a member of staff is involved: tell the LADO the same day.")
    add("R6", "Always: support for the child, a risk assessment, and actions for any pupil who caused harm.")
    add("P1", "Always, unless telling them would put the child at risk (then record why not).")
    return [Suggestion(code, tuple(reasons[code])) for code in ORDER if code in reasons]


def report_harmful_content_reason(platform: str, made_on: str, hours: int, youngest_harmed_age: int | None) -> str:
    reason = (
        f"Suggested because the report to {platform or 'the platform'} made on {made_on} is still unresolved after {hours} hours: "
        "escalate it to Report Harmful Content."
    )
    if youngest_harmed_age is not None and youngest_harmed_age < 13:
        reason += " Report Harmful Content is for people aged 13 and over; for a younger child, ask the police for help instead."
    return reason
