"""The rules of retention, as plain functions over plain data (no ORM, no request).

- IRMS Information Management Toolkit for Schools: a child protection file is kept until the
  child's date of birth + 25 years, then reviewed. A school may set its own period (with a
  reason); a review that keeps the records sets the next review date, and that date wins.
- The IICSA retention instruction: records that may matter to an inquiry into child sexual abuse
  must not be destroyed. Here that is a case with nude or semi-nude imagery of an under-18, with
  exploitation, coercion or sexual extortion, with an adult involved, or with an allegation against
  a member of staff or the head (KCSIE Part 4): such a case is held by rule.
- Destruction needs the DSL (or a deputy) and the head: two different people, each after recent
  re-authentication; never while anything is held; never while the pupil is on roll; and before the
  review date only with a recorded reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from cases.criteria import Adult, Imagery, ImageryKind
from cases.models.disclosures import HarassmentKind
from cases.models.restrictions import RestrictionKind
from safeguard.roles import SAFEGUARDING_LEADS, Role

#: What the by-rule hold is called on the pages.
INQUIRY_HOLD_LABEL = "The inquiry instruction (IICSA)"
#: How long ahead a "keep" review may set the next review, at most.
MAX_KEEP_YEARS = 50
#: The shortest and longest retention period a school may set.
MIN_RULE_YEARS, MAX_RULE_YEARS = 18, 100
#: What a viewer is told of a hold on a record they may not open (a restricted case, or one they
#: are kept out of): the same words either way, so neither is confirmed.
UNSEEN_HOLD_REASON = "Part of this record cannot be destroyed at present: ask the Designated Safeguarding Lead."

ADULTS = frozenset({Adult.STRANGER, Adult.KNOWN_ADULT, Adult.STAFF})
STAFF_ALLEGATIONS = frozenset({RestrictionKind.STAFF, RestrictionKind.HEAD})


def add_years(day: date, years: int) -> date:
    """``day`` moved on ``years`` years; 29 February becomes 28 February in a year without one (the
    record is reviewed no later than the anniversary, never a day after it)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def review_date(date_of_birth: date, years: int, last_keep_next_review: date | None = None) -> date:
    """When a pupil's records are next reviewed: the date of birth plus the school's period, unless
    a later review kept them and set a date of its own (that date wins)."""
    if last_keep_next_review is not None:
        return last_keep_next_review
    return add_years(date_of_birth, years)


def day_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def review_words(date_of_birth: date, years: int, last_keep_next_review: date | None = None) -> str:
    """How the review date was worked out, in the DSL's words."""
    if last_keep_next_review is not None:
        return f"kept at the last review until {day_words(last_keep_next_review)}"
    kept = add_years(date_of_birth, years)
    return f"born {day_words(date_of_birth)}: kept until {day_words(kept)} (date of birth + {years} years)"


def years_away(today: date, later: date) -> int:
    """Whole years from ``today`` to ``later`` (0 when under a year, or past)."""
    years = later.year - today.year - ((later.month, later.day) < (today.month, today.day))
    return max(years, 0)


@dataclass(frozen=True)
class CaseFacts:
    """What the inquiry instruction reads about one case: from its Disclosure (``imagery``,
    ``imagery_kinds()``, ``kinds()``, ``adult_involvement``) and its restrictions' kinds (every
    restriction ever made: an allegation once recorded stays one)."""

    imagery: str = Imagery.UNKNOWN
    imagery_kinds: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    adult_involvement: str = Adult.UNKNOWN
    restriction_kinds: tuple[str, ...] = ()


def inquiry_hold_reasons(facts: CaseFacts) -> list[str]:
    """Each thing about a case that fits the inquiry instruction, in words."""
    reasons = []
    if facts.imagery == Imagery.SOME and ImageryKind.NUDE_U18 in facts.imagery_kinds:
        reasons.append("nude or semi-nude imagery of a child under 18")
    if HarassmentKind.EXPLOITATION in facts.kinds:
        reasons.append("exploitation, coercion or sexual extortion")
    if facts.adult_involvement == Adult.STAFF or STAFF_ALLEGATIONS & set(facts.restriction_kinds):
        reasons.append("an allegation against a member of staff")
    elif facts.adult_involvement in ADULTS:
        reasons.append("an adult involved")
    return reasons


def inquiry_hold_reason(facts: CaseFacts) -> str | None:
    """Why a case is held by rule (it may matter to an inquiry into child sexual abuse), or None."""
    reasons = inquiry_hold_reasons(facts)
    if not reasons:
        return None
    return f"It may matter to an inquiry into child sexual abuse: {'; '.join(reasons)}. Such records are not destroyed."


@dataclass(frozen=True)
class Hold:
    """One thing stopping destruction: a hold placed by someone (``hold_id``) or by rule."""

    kind_label: str
    reason: str
    case_reference: str = ""
    by_rule: bool = False
    hold_id: int | None = None
    placed_on: date | None = None
    placed_by: str = ""

    @property
    def words(self) -> str:
        where = f"Case {self.case_reference}" if self.case_reference else "All the pupil's records"
        if not self.kind_label:
            return self.reason
        return f"{where} held: {self.kind_label.lower()}. {self.reason}"


@dataclass(frozen=True)
class Signer:
    """One of the two people a destruction needs: who (their user id) and their roles at the school."""

    user_id: int
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_lead(self) -> bool:
        return bool(self.roles & SAFEGUARDING_LEADS)

    @property
    def is_head(self) -> bool:
        return Role.HEAD in self.roles


def pair_words(proposer: Signer, approver: Signer) -> str | None:
    if proposer.user_id == approver.user_id:
        return "The same person cannot propose and approve a destruction: the second person must be someone else."
    if not ((proposer.is_lead and approver.is_head) or (proposer.is_head and approver.is_lead)):
        if proposer.is_head:
            return "The head proposed this destruction: a Designated Safeguarding Lead (or a deputy) must approve it."
        return "A Designated Safeguarding Lead proposed this destruction: the head must approve it."
    return None


def destruction_refusals(
    *,
    on_roll: bool,
    review_on: date,
    today: date,
    early_reason: str,
    holds: Iterable[Hold],
    proposer: Signer | None,
    approver: Signer | None,
    proposer_recent: bool,
    approver_recent: bool,
) -> list[str]:
    """Every reason a destruction may not go ahead, each in the DSL's words (empty: it may).

    ``proposer`` and ``approver`` are None where not known yet (the plan shown before anyone
    proposes; the proposal before its approval): their checks are then left out."""
    refusals = []
    if on_roll:
        refusals.append(
            "The pupil is still on the school's roll: the records of a pupil on roll are not destroyed. Mark them as left first."
        )
    if review_on > today and not (early_reason or "").strip():
        away = years_away(today, review_on)
        when = f"in {away} year{'s' if away != 1 else ''}" if away else "less than a year away"
        refusals.append(
            f"The review date is {day_words(review_on)} ({when}): to destroy the records before it, "
            "write the reason (for example, a record made in error)."
        )
    for hold in holds:
        refusals.append(f"Under hold, so not destroyed: {hold.words}")
    for who, signer, recent in (("propose", proposer, proposer_recent), ("approve", approver, approver_recent)):
        if signer is None:
            continue
        if not (signer.is_lead or signer.is_head):
            refusals.append(f"Only a Designated Safeguarding Lead, a deputy or the head may {who} a destruction.")
        elif not recent:
            refusals.append(f"Confirm it is you (your password and a code) before you {who} a destruction.")
    if proposer is not None and approver is not None:
        pair = pair_words(proposer, approver)
        if pair:
            refusals.append(pair)
    return refusals


def keep_review_refusals(*, reason: str, next_review_on: date | None, today: date) -> dict[str, str]:
    """What is wrong with a "keep" decision: a reason and a next review date in the future."""
    problems = {}
    if not (reason or "").strip():
        problems["reason"] = "Write why the records are kept."
    if next_review_on is None:
        problems["next_review_on"] = "Give the date of the next review."
    elif next_review_on <= today:
        problems["next_review_on"] = "The next review must be after today."
    elif next_review_on > add_years(today, MAX_KEEP_YEARS):
        problems["next_review_on"] = f"The next review must be within {MAX_KEEP_YEARS} years."
    return problems


def rule_refusals(*, years: int | None, reason: str, current_years: int) -> dict[str, str]:
    """What is wrong with a new retention rule: a period in range, different, and a reason."""
    problems = {}
    if years is None:
        problems["years"] = "Give the number of years after the date of birth."
    elif not MIN_RULE_YEARS <= years <= MAX_RULE_YEARS:
        problems["years"] = f"Give a number of years from {MIN_RULE_YEARS} to {MAX_RULE_YEARS}."
    elif years == current_years:
        problems["years"] = f"The rule is already {current_years} years."
    if not (reason or "").strip():
        problems["reason"] = "Write why the school keeps records for this long (it is kept with the rule)."
    return problems
