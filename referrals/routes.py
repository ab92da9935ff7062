"""Which reporting routes to suggest, and why: plain facts in, suggestions out (no ORM).

docs/domain.md, "Reporting routes": content on a platform ⇒ R1 (then R2 if unresolved); a nude image
of a pupil online ⇒ R3; abuse imagery ⇒ R4 and R7; adult contact ⇒ R5 and R7; any criterion met
⇒ R7; C4 or C5 ⇒ R8 (and the LADO when a member of staff is involved); always R6 and P1.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cases.criteria import CRITERIA


class RouteCode(StrEnum):
    """The reporting routes of the guidance (docs/domain.md, "Reporting routes"): the one list of codes.
    Codes are for the code and the catalogue; pages always show a route's name."""

    PLATFORM = "R1"
    REPORT_HARMFUL_CONTENT = "R2"
    REPORT_REMOVE = "R3"
    IWF = "R4"
    CEOP = "R5"
    SCHOOL = "R6"
    POLICE = "R7"
    SOCIAL_CARE = "R8"
    PARENTS = "P1"


R = RouteCode


@dataclass(frozen=True)
class RouteFacts:
    platforms: tuple[str, ...] = ()
    imagery: str = "unknown"
    imagery_kinds: frozenset[str] = frozenset()
    adult_involvement: str = "unknown"
    met: tuple[str, ...] = ()
    #: Whether a child who was harmed was under 13 on the date of the incident (the criteria's
    #: rule, ``cases.criteria.under_13``): Report Remove and Report Harmful Content are for 13+.
    harmed_under_13: bool = False


@dataclass(frozen=True)
class Suggestion:
    code: str
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)


#: The order suggestions are listed in: the most urgent first.
ORDER = (R.POLICE, R.CEOP, R.IWF, R.REPORT_REMOVE, R.SOCIAL_CARE, R.PLATFORM, R.REPORT_HARMFUL_CONTENT, R.SCHOOL, R.PARENTS)

_ADULT_WORDS = {"stranger": "an adult stranger", "known_adult": "an adult the child knows", "staff": "a member of staff"}


def suggest_routes(facts: RouteFacts) -> list[Suggestion]:
    reasons: dict[str, list[str]] = {}

    def add(code: str, reason: str) -> None:
        reasons.setdefault(code, []).append(reason)

    nude = facts.imagery == "some" and "nude_u18" in facts.imagery_kinds
    adult = _ADULT_WORDS.get(facts.adult_involvement)
    young = facts.harmed_under_13

    if facts.platforms:
        add(R.PLATFORM, f"Suggested because the content was on {', '.join(facts.platforms)}: report it to the platform.")
    if nude and facts.platforms:
        reason = "Suggested because a nude or semi-nude image of a child may be online: the young person can have it removed."
        if young:
            reason += " Report Remove checks age from 13; for a younger child, rely on the IWF and police routes."
        add(R.REPORT_REMOVE, reason)
    if nude:
        add(
            R.IWF,
            "Suggested because nude or semi-nude imagery of an under-18 is involved: the IWF removes child sexual abuse imagery.",
        )
        add(R.POLICE, "Suggested because nude or semi-nude imagery of an under-18 is involved.")
    if adult:
        add(R.CEOP, f"Suggested because {adult} contacted the child online: report adult contact to CEOP.")
        add(R.POLICE, f"Suggested because {adult} is involved.")
    if facts.met:
        named = "; ".join(f"{code}: {CRITERIA[code][0].lower()}" for code in facts.met)
        add(R.POLICE, f"Suggested because the police-referral criteria are met ({named}).")
    if "C4" in facts.met:
        add(R.SOCIAL_CARE, "Suggested because a child is at significant or immediate risk of harm.")
    if "C5" in facts.met:
        add(R.SOCIAL_CARE, "Suggested because a child is already known to children's social care or the police.")
    if facts.adult_involvement == "staff":
        add(R.SOCIAL_CARE, "Suggested because a member of staff is involved: tell the LADO the same day.")
    add(R.SCHOOL, "Always: support for the child, a risk assessment, and actions for any pupil who caused harm.")
    add(R.PARENTS, "Always, unless telling them would put the child at risk (then record why not).")
    return [Suggestion(code, tuple(reasons[code])) for code in ORDER if code in reasons]


def report_harmful_content_reason(platform: str, made_on: str, hours: int, harmed_under_13: bool) -> str:
    reason = (
        f"Suggested because the report to {platform or 'the platform'} made on {made_on} is still unresolved after {hours} hours: "
        "escalate it to Report Harmful Content."
    )
    if harmed_under_13:
        reason += " Report Harmful Content is for people aged 13 and over; for a younger child, ask the police for help instead."
    return reason
