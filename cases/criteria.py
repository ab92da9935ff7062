"""The police-referral criteria: plain facts in, an assessment out. No ORM, no request.

Source: the seed guidance ("Reporting online sexual harassment": schools should always refer an
incident to the police where it involves C1–C7 below) and UKCIS, "Sharing nudes and semi-nudes:
advice for education settings" (2024), for A1. See docs/domain.md, "The police-referral criteria".

Input (:class:`Facts`, or the same shape as JSON for ``manage.py assess``)::

    {
      "incident_date": "2026-10-03",          # ISO date, or null if not known
      "incident_date_approximate": false,
      "answers": {"C1": "yes"|"no"|"unknown", "C2": ..., "C4": ..., "C6": ...},
      "children": [
        {"label": "Ava", "part": "harmed", "date_of_birth": "2014-03-01",    # a pupil
         "vulnerabilities": ["child protection plan"]},
        {"label": "Older boy", "part": "harmed_others", "age": 15},          # another child
        {"label": "Girl in Year 6", "part": "witness", "age_band": "under_13",
         "known_to_services": false}
      ],
      "unidentified_children": 0,
      "adult_involvement": "none"|"unknown"|"stranger"|"known_adult"|"staff",
      "imagery": "none"|"some"|"unknown",
      "imagery_kinds": ["nude_u18", "crime_recording", "other"],
      "high_number_threshold": 5,
      "platforms": ["WhatsApp"]               # read by ``manage.py assess`` for the routes only
    }

Output (:class:`Assessment`, ``to_dict()`` for JSON): the rule-set version, the outcome
(``required``, ``not_required`` or ``provisional``), whether every question is answered, and
for each criterion its status (``met``, ``not_met``, ``unanswered``) with the facts behind it.

``manage.py assess`` (in ``desk``, which may read both floors) adds ``routes``: the reporting
routes these facts suggest (``referrals.routes``), each with its code, name and reasons. The
routes read ``platforms``, ``imagery``, ``imagery_kinds``, ``adult_involvement``, the criteria
met, and whether a child whose part is ``harmed`` was under 13. docs/assess.md has an example.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

#: Bump when a rule changes: every stored assessment keeps the version it was made with.
RULESET_VERSION = "2026.1"


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Adult(StrEnum):
    NONE = "none"
    UNKNOWN = "unknown"
    STRANGER = "stranger"
    KNOWN_ADULT = "known_adult"
    STAFF = "staff"


ADULT_WORDS = {
    Adult.NONE: "no adult",
    Adult.UNKNOWN: "not known whether an adult is involved",
    Adult.STRANGER: "an adult stranger",
    Adult.KNOWN_ADULT: "an adult known to the child",
    Adult.STAFF: "a member of staff",
}
ADULTS_INVOLVED = frozenset({Adult.STRANGER, Adult.KNOWN_ADULT, Adult.STAFF})


class Imagery(StrEnum):
    NONE = "none"
    SOME = "some"
    UNKNOWN = "unknown"


class ImageryKind(StrEnum):
    NUDE_U18 = "nude_u18"
    CRIME_RECORDING = "crime_recording"
    OTHER = "other"


class AgeBand(StrEnum):
    UNDER_13 = "under_13"
    AGE_13_15 = "13_15"
    AGE_16_17 = "16_17"
    UNKNOWN = "unknown"


AGE_BAND_WORDS = {
    AgeBand.UNDER_13: "under 13",
    AgeBand.AGE_13_15: "13 to 15",
    AgeBand.AGE_16_17: "16 or 17",
    AgeBand.UNKNOWN: "age not known",
}


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNANSWERED = "unanswered"


class Outcome(StrEnum):
    REQUIRED = "required"
    NOT_REQUIRED = "not_required"
    PROVISIONAL = "provisional"


OUTCOME_WORDS = {
    Outcome.REQUIRED: "Police referral required",
    Outcome.NOT_REQUIRED: "Not required by the criteria",
    Outcome.PROVISIONAL: "Provisional: questions still unanswered",
}

#: Code → (title, short help from the guidance). The order is the order shown.
CRITERIA: dict[str, tuple[str, str]] = {
    "C1": (
        "Involves coercion, blackmail or exploitation",
        "For example sexual extortion (\u201csextortion\u201d), threats to share images, or pressure to send more.",
    ),
    "C2": (
        "Is extreme or violent in nature",
        "The content or behaviour is extreme, or involves violence or threats of violence.",
    ),
    "C3": ("Involves a child or children under 13", "Worked out from each child's age on the date of the incident."),
    "C4": (
        "Involves a child at significant or immediate risk of harm",
        "For example a child at risk of self-harm, of being harmed, or of going missing.",
    ),
    "C5": (
        "Involves a child already recognised as vulnerable by children's social care or the police",
        "Read from the pupil records: child protection plan, child in need plan, looked-after, "
        "open to social care, known to police or youth justice.",
    ),
    "C6": (
        "Involves images or recording of a crime",
        "For example a recording of an assault.",
    ),
    "C7": ("Involves a high number of children", "Counted from the children involved, against the school's threshold."),
    "A1": (
        "Nude or semi-nude imagery of an under-18 shared with or by an adult",
        "UKCIS (2024): this is child sexual abuse; report it to the police as a matter of urgency.",
    ),
}


class FactsError(ValueError):
    """The facts are not in the documented shape; the message says what is wrong, in plain words."""


@dataclass(frozen=True)
class ChildFacts:
    """One child involved. Pupils carry a date of birth and their recorded vulnerabilities;
    other children an age on the date of the incident, or an age band."""

    label: str
    part: str = "harmed"
    date_of_birth: date | None = None
    age: int | None = None
    age_band: AgeBand | None = None
    vulnerabilities: tuple[str, ...] = ()
    known_to_services: bool = False


@dataclass(frozen=True)
class Facts:
    incident_date: date | None
    answers: Mapping[str, Answer]
    children: tuple[ChildFacts, ...] = ()
    unidentified_children: int = 0
    adult_involvement: Adult = Adult.UNKNOWN
    imagery: Imagery = Imagery.UNKNOWN
    imagery_kinds: frozenset[ImageryKind] = frozenset()
    high_number_threshold: int = 5
    incident_date_approximate: bool = False


@dataclass(frozen=True)
class CriterionResult:
    code: str
    status: Status
    reasons: tuple[str, ...]

    @property
    def title(self) -> str:
        return CRITERIA[self.code][0]

    @property
    def help(self) -> str:
        return CRITERIA[self.code][1]


@dataclass(frozen=True)
class Assessment:
    outcome: Outcome
    complete: bool
    criteria: tuple[CriterionResult, ...]
    ruleset_version: str = RULESET_VERSION
    met: tuple[str, ...] = field(default=())

    @property
    def outcome_words(self) -> str:
        return OUTCOME_WORDS[self.outcome]

    def criterion(self, code: str) -> CriterionResult:
        return next(c for c in self.criteria if c.code == code)

    def to_dict(self) -> dict:
        return {
            "ruleset_version": self.ruleset_version,
            "outcome": str(self.outcome),
            "outcome_words": self.outcome_words,
            "complete": self.complete,
            "met": list(self.met),
            "criteria": [
                {"code": c.code, "title": c.title, "status": str(c.status), "reasons": list(c.reasons)} for c in self.criteria
            ],
        }


# --- Ages -------------------------------------------------------------------------------------


def age_on(date_of_birth: date, on: date) -> int:
    """Completed years on ``on``. A child born on 29 February has their birthday on 1 March in
    years without one (the reading generally taken in England): comparing (month, day) pairs
    gives exactly that, because (2, 28) < (2, 29) and (3, 1) > (2, 29)."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _join(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --- The rules ------------------------------------------------------------------------------------

_ANSWERED_WORDS = {
    "C1": ("The DSL answered yes: the incident involves coercion, blackmail or exploitation.", "The DSL answered no."),
    "C2": ("The DSL answered yes: the incident is extreme or violent in nature.", "The DSL answered no."),
    "C4": ("The DSL answered yes: a child is at significant or immediate risk of harm.", "The DSL answered no."),
    "C6": ("The DSL answered yes: the incident involves images or recording of a crime.", "The DSL answered no."),
}


def _answered(code: str, facts: Facts) -> CriterionResult:
    answer = facts.answers.get(code, Answer.UNKNOWN)
    yes_words, no_words = _ANSWERED_WORDS[code]
    if answer == Answer.YES:
        return CriterionResult(code, Status.MET, (yes_words,))
    if answer == Answer.NO:
        return CriterionResult(code, Status.NOT_MET, (no_words,))
    return CriterionResult(code, Status.UNANSWERED, ("Not answered yet: the DSL recorded \u201cnot known yet\u201d.",))


def under_13(child: ChildFacts, incident_date: date | None) -> bool | None:
    """Whether ``child`` was under 13 on the date of the incident; None when that is not known.

    The one rule for "under 13" (criterion C3, and the routes that are only for 13 and over):
    a pupil's age comes from their date of birth on the incident date; another child's from the
    age or the age band the DSL recorded, which need no date."""
    if child.date_of_birth is not None:
        if incident_date is None:
            return None
        years = age_on(child.date_of_birth, incident_date)
        return None if years < 0 else years < 13
    if child.age is not None:
        return child.age < 13
    if child.age_band is not None and child.age_band != AgeBand.UNKNOWN:
        return child.age_band == AgeBand.UNDER_13
    return None


def _c3_under_13(facts: Facts) -> CriterionResult:
    on = "the approximate date of the incident" if facts.incident_date_approximate else "the date of the incident"
    under, over, unknown = [], [], []
    for child in facts.children:
        young = under_13(child, facts.incident_date)
        if child.date_of_birth is not None:
            if facts.incident_date is None:
                unknown.append(f"The date of the incident is not recorded, so the age of {child.label} cannot be worked out.")
                continue
            years = age_on(child.date_of_birth, facts.incident_date)
            if young is None:
                unknown.append(f"{child.label} was born after the recorded date of the incident: check the date.")
                continue
            sentence = (
                f"{child.label} was {years} on {on} ({_long_date(facts.incident_date)}; born {_long_date(child.date_of_birth)})."
            )
        elif child.age is not None:
            sentence = f"{child.label} was {child.age} at the time of the incident (age recorded by the DSL)."
        elif young is not None:
            sentence = (
                f"{child.label} was {AGE_BAND_WORDS[child.age_band]} at the time of the incident (age band recorded by the DSL)."
            )
        else:
            unknown.append(f"The age of {child.label} is not known.")
            continue
        (under if young else over).append(sentence)
    note = ()
    if facts.unidentified_children:
        note = (
            f"{facts.unidentified_children} child{'ren' if facts.unidentified_children != 1 else ''} not yet identified: age not known.",
        )
    if under:
        return CriterionResult("C3", Status.MET, tuple(under))
    if facts.incident_date is None and not unknown and not facts.children:
        return CriterionResult(
            "C3", Status.UNANSWERED, ("The date of the incident is not recorded, so ages cannot be worked out.",)
        )
    if unknown:
        return CriterionResult("C3", Status.UNANSWERED, tuple(unknown + over) + note)
    if not facts.children:
        return CriterionResult("C3", Status.UNANSWERED, ("No child is recorded yet.",))
    return CriterionResult("C3", Status.NOT_MET, tuple(over) + note)


def _c5_vulnerable(facts: Facts) -> CriterionResult:
    reasons = []
    for child in facts.children:
        if child.vulnerabilities:
            reasons.append(f"{child.label}'s pupil record shows: {_join(child.vulnerabilities)}.")
        elif child.known_to_services:
            reasons.append(f"{child.label} is recorded by the DSL as known to children's social care or the police.")
    if reasons:
        return CriterionResult("C5", Status.MET, tuple(reasons))
    if not facts.children:
        return CriterionResult("C5", Status.UNANSWERED, ("No child is recorded yet.",))
    names = _join(c.label for c in facts.children)
    return CriterionResult(
        "C5",
        Status.NOT_MET,
        (f"No child involved is recorded as known to children's social care or the police (checked: {names}).",),
    )


def _c6_crime_imagery(facts: Facts) -> CriterionResult:
    if facts.imagery == Imagery.SOME and ImageryKind.CRIME_RECORDING in facts.imagery_kinds:
        return CriterionResult("C6", Status.MET, ("The imagery recorded includes a recording of an assault or other crime.",))
    return _answered("C6", facts)


def _c7_high_number(facts: Facts) -> CriterionResult:
    pupils = sum(1 for c in facts.children if c.date_of_birth is not None)
    others = len(facts.children) - pupils
    total = len(facts.children) + facts.unidentified_children
    parts = [f"{pupils} named pupil{'s' if pupils != 1 else ''}"]
    if others:
        parts.append(f"{others} other child{'ren' if others != 1 else ''}")
    if facts.unidentified_children:
        parts.append(f"{facts.unidentified_children} not yet identified")
    sentence = (
        f"{total} child{'ren are' if total != 1 else ' is'} involved ({_join(parts)}); "
        f"the school's threshold for a high number is {facts.high_number_threshold}."
    )
    return CriterionResult("C7", Status.MET if total >= facts.high_number_threshold else Status.NOT_MET, (sentence,))


def _a1_adult_and_nude_imagery(facts: Facts) -> CriterionResult:
    nude = facts.imagery == Imagery.SOME and ImageryKind.NUDE_U18 in facts.imagery_kinds
    adult = facts.adult_involvement
    if nude and adult in ADULTS_INVOLVED:
        return CriterionResult(
            "A1",
            Status.MET,
            (
                f"Nude or semi-nude imagery of an under-18 is involved, and so is {ADULT_WORDS[adult]}.",
                "UKCIS: this is child sexual abuse; report it to the police as a matter of urgency.",
            ),
        )
    if facts.imagery == Imagery.NONE or (facts.imagery == Imagery.SOME and not nude):
        return CriterionResult("A1", Status.NOT_MET, ("No nude or semi-nude imagery of an under-18 is recorded.",))
    if adult == Adult.NONE:
        return CriterionResult("A1", Status.NOT_MET, ("No adult is involved.",))
    if nude:
        return CriterionResult(
            "A1", Status.UNANSWERED, ("Nude or semi-nude imagery is involved, but it is not yet known whether an adult is.",)
        )
    return CriterionResult("A1", Status.UNANSWERED, ("It is not yet known whether any imagery is involved.",))


def assess(facts: Facts) -> Assessment:
    """Check ``facts`` against every criterion. Any criterion met ⇒ police referral required."""
    results = (
        _answered("C1", facts),
        _answered("C2", facts),
        _c3_under_13(facts),
        _answered("C4", facts),
        _c5_vulnerable(facts),
        _c6_crime_imagery(facts),
        _c7_high_number(facts),
        _a1_adult_and_nude_imagery(facts),
    )
    met = tuple(r.code for r in results if r.status == Status.MET)
    complete = all(r.status != Status.UNANSWERED for r in results)
    if met:
        outcome = Outcome.REQUIRED
    elif complete:
        outcome = Outcome.NOT_REQUIRED
    else:
        outcome = Outcome.PROVISIONAL
    return Assessment(outcome=outcome, complete=complete, criteria=results, met=met)


# --- The documented JSON shape ------------------------------------------------------------------


def _date(value, where: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise FactsError(f"{where} must be a date written as YYYY-MM-DD.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FactsError(f"{where} must be a date written as YYYY-MM-DD; got {value!r}.") from None


def _enum(kind, value, where: str, default=None):
    if value is None and default is not None:
        return default
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise FactsError(f"{where} must be one of: {allowed}; got {value!r}.") from None


def _int(value, where: str, *, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FactsError(f"{where} must be a whole number.")
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        raise FactsError(f"{where} must be {bounds}; got {value}.")
    return value


def facts_from_dict(data: Mapping) -> Facts:
    """Read the documented JSON shape, with a plain message for the first thing that is wrong."""
    if not isinstance(data, Mapping):
        raise FactsError("The facts must be a JSON object.")
    answers_in = data.get("answers") or {}
    if not isinstance(answers_in, Mapping):
        raise FactsError('answers must be an object such as {"C1": "no"}.')
    unknown_codes = set(answers_in) - {"C1", "C2", "C4", "C6"}
    if unknown_codes:
        raise FactsError(f"answers can only hold C1, C2, C4 and C6 (the others are worked out); got {sorted(unknown_codes)}.")
    answers = {code: _enum(Answer, answers_in.get(code, "unknown"), f"answers.{code}") for code in ("C1", "C2", "C4", "C6")}
    children = []
    for index, raw in enumerate(data.get("children") or [], start=1):
        where = f"children[{index}]"
        if not isinstance(raw, Mapping):
            raise FactsError(f"{where} must be an object.")
        label = raw.get("label") or f"Child {index}"
        age = raw.get("age")
        band = raw.get("age_band")
        vulnerabilities = raw.get("vulnerabilities") or []
        if not isinstance(vulnerabilities, list) or not all(isinstance(v, str) for v in vulnerabilities):
            raise FactsError(f'{where}.vulnerabilities must be a list of words such as ["child protection plan"].')
        children.append(
            ChildFacts(
                label=str(label),
                part=str(raw.get("part") or "harmed"),
                date_of_birth=_date(raw.get("date_of_birth"), f"{where}.date_of_birth"),
                age=None if age is None else _int(age, f"{where}.age", minimum=0, maximum=17),
                age_band=None if band is None else _enum(AgeBand, band, f"{where}.age_band"),
                vulnerabilities=tuple(vulnerabilities),
                known_to_services=bool(raw.get("known_to_services", False)),
            )
        )
    kinds = data.get("imagery_kinds") or []
    if not isinstance(kinds, list):
        raise FactsError("imagery_kinds must be a list.")
    return Facts(
        incident_date=_date(data.get("incident_date"), "incident_date"),
        incident_date_approximate=bool(data.get("incident_date_approximate", False)),
        answers=answers,
        children=tuple(children),
        unidentified_children=_int(data.get("unidentified_children", 0), "unidentified_children", minimum=0),
        adult_involvement=_enum(Adult, data.get("adult_involvement"), "adult_involvement", default=Adult.UNKNOWN),
        imagery=_enum(Imagery, data.get("imagery"), "imagery", default=Imagery.UNKNOWN),
        imagery_kinds=frozenset(_enum(ImageryKind, k, "imagery_kinds") for k in kinds),
        high_number_threshold=_int(data.get("high_number_threshold", 5), "high_number_threshold", minimum=1),
    )


def facts_to_dict(facts: Facts) -> dict:
    """The documented JSON shape of ``facts`` (what is stored with each assessment)."""
    return {
        "incident_date": facts.incident_date.isoformat() if facts.incident_date else None,
        "incident_date_approximate": facts.incident_date_approximate,
        "answers": {code: str(facts.answers.get(code, Answer.UNKNOWN)) for code in ("C1", "C2", "C4", "C6")},
        "children": [
            {
                key: value
                for key, value in {
                    "label": child.label,
                    "part": child.part,
                    "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else None,
                    "age": child.age,
                    "age_band": str(child.age_band) if child.age_band else None,
                    "vulnerabilities": list(child.vulnerabilities),
                    "known_to_services": child.known_to_services,
                }.items()
                if value is not None
            }
            for child in facts.children
        ],
        "unidentified_children": facts.unidentified_children,
        "adult_involvement": str(facts.adult_involvement),
        "imagery": str(facts.imagery),
        "imagery_kinds": sorted(str(k) for k in facts.imagery_kinds),
        "high_number_threshold": facts.high_number_threshold,
    }
