"""The referral step state machine, and what each move needs first: pure, no ORM.

suggested → to do → made → acknowledged → outcome recorded → closed, or not needed (with a
reason). A platform's or a parent's acknowledgement may never come, so "made" may go straight to
"outcome recorded". A move the machine does not allow is refused with what must happen first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum


class StepState(StrEnum):
    """A referral step's state: the one definition (the model's choices are built from it)."""

    SUGGESTED = "suggested"
    TODO = "todo"
    MADE = "made"
    ACKNOWLEDGED = "acknowledged"
    OUTCOME_RECORDED = "outcome_recorded"
    CLOSED = "closed"
    NOT_NEEDED = "not_needed"


SUGGESTED, TODO, MADE, ACKNOWLEDGED, OUTCOME_RECORDED, CLOSED, NOT_NEEDED = StepState

#: As a page shows a state ("To do"); STATE_WORDS is the same in the middle of a sentence.
STATE_LABELS = {
    SUGGESTED: "Suggested",
    TODO: "To do",
    MADE: "Made",
    ACKNOWLEDGED: "Acknowledged",
    OUTCOME_RECORDED: "Outcome recorded",
    CLOSED: "Closed",
    NOT_NEEDED: "Not needed",
}
STATE_WORDS = {state: label.lower() for state, label in STATE_LABELS.items()}
CHOICES = [(state.value, STATE_LABELS[state]) for state in StepState]

#: Steps still asking for something, and steps finished with.
OPEN_STATES = (SUGGESTED, TODO, MADE, ACKNOWLEDGED, OUTCOME_RECORDED)
#: Open and accepted: what the home page's due steps and "needs a new owner" are made of.
ACCEPTED_OPEN_STATES = (TODO, MADE, ACKNOWLEDGED, OUTCOME_RECORDED)
DONE_STATES = (CLOSED, NOT_NEEDED)

#: The longest reference (a crime reference, a report number) a step keeps.
REFERENCE_MAX = 100

ALLOWED: dict[str, frozenset[str]] = {
    SUGGESTED: frozenset({TODO, NOT_NEEDED}),
    TODO: frozenset({MADE, NOT_NEEDED}),
    MADE: frozenset({ACKNOWLEDGED, OUTCOME_RECORDED}),
    ACKNOWLEDGED: frozenset({OUTCOME_RECORDED}),
    OUTCOME_RECORDED: frozenset({CLOSED}),
    CLOSED: frozenset(),
    NOT_NEEDED: frozenset({TODO}),
}

#: What must happen before each target state, said the way a DSL would want to hear it.
_FIRST = {
    TODO: "Accept the suggestion (or reinstate it) before working on it.",
    MADE: "Accept this step and give it an owner and a due date before marking it made.",
    ACKNOWLEDGED: "Mark the step as made, with the date it was made, before recording an acknowledgement.",
    OUTCOME_RECORDED: "Mark the step as made before recording its outcome.",
    CLOSED: "Record the outcome before closing this step.",
    NOT_NEEDED: "A step that has been made cannot be marked not needed: record its outcome and close it instead.",
}


@dataclass(frozen=True)
class StepFacts:
    """What the step holds now, and what the DSL is giving with the move."""

    state: str
    made_at: datetime | None = None
    made_how: str = ""
    owner_id: int | None = None
    due_date: date | None = None
    acknowledged_at: datetime | None = None
    outcome: str = ""
    not_needed_reason: str = ""
    reference: str = ""


def transition_problem(facts: StepFacts, target: str, *, now: datetime, today: date, creating: bool = False) -> str | None:
    """Why the move to ``target`` is refused, or None when it may go ahead."""
    if target not in ALLOWED.get(facts.state, frozenset()):
        if facts.state == target:
            return f"This step is already {STATE_WORDS[target]}."
        if facts.state in (CLOSED,):
            return "This step is closed. Add a new step if more needs doing."
        return _FIRST.get(target, "That move is not possible from here.")
    if len(facts.reference) > REFERENCE_MAX:
        return f"A reference can be at most {REFERENCE_MAX} characters (this one has {len(facts.reference)})."
    if target == TODO:
        if facts.owner_id is None:
            return "Choose who owns this step."
        if facts.due_date is None:
            return "Give this step a due date."
        if facts.due_date < today and (creating or facts.state in (SUGGESTED, NOT_NEEDED)):
            return "The due date cannot be in the past."
    if target == MADE:
        if facts.made_at is None:
            return "Give the date and time the referral was made."
        if facts.made_at > now:
            return "The date the referral was made cannot be in the future."
        if not facts.made_how:
            return "Say how the referral was made."
    if target == ACKNOWLEDGED:
        if facts.acknowledged_at is None:
            return "Give the date and time it was acknowledged."
        if facts.made_at and facts.acknowledged_at < facts.made_at:
            return "The acknowledgement cannot be before the referral was made."
        if facts.acknowledged_at > now:
            return "The acknowledgement cannot be in the future."
    if target == OUTCOME_RECORDED and not facts.outcome.strip():
        return "Write down the outcome."
    if target == NOT_NEEDED and not facts.not_needed_reason.strip():
        return "Say why this step is not needed."
    return None


def next_states(state: str) -> list[str]:
    order = [TODO, MADE, ACKNOWLEDGED, OUTCOME_RECORDED, CLOSED, NOT_NEEDED]
    return [s for s in order if s in ALLOWED.get(state, frozenset())]


# --- Recording everything that is already known, in one move ---------------------------------------


@dataclass(frozen=True)
class Known:
    """What the DSL says has already happened, given all at once (a field left empty: not yet).
    ``owner_id`` and ``due_date`` accept a suggestion (or reinstate a step not needed)."""

    owner_id: int | None = None
    due_date: date | None = None
    made_at: datetime | None = None
    made_how: str = ""
    reference: str = ""
    acknowledged_at: datetime | None = None
    outcome: str = ""
    close: bool = False


NOTHING_TO_RECORD = "Nothing to record yet: say what has happened (when and how it was made, the outcome), or close it."


def walk(facts: StepFacts, known: Known, *, now: datetime, today: date) -> tuple[list[str], str | None]:
    """The states to walk through, in order, to record everything ``known``, and the first move
    the machine refuses (with what must happen first). Each state is a move of its own: audited
    and in the chronology as if the DSL had made them one by one."""
    targets: list[str] = []
    f = facts
    # "How it was made" says it was made (the form offers the date as now, so the date alone does not).
    wants_made = bool(known.made_how)

    def go(target: str, **given) -> str | None:
        nonlocal f
        f = replace(f, **given)
        problem = transition_problem(f, target, now=now, today=today)
        if problem:
            return problem
        targets.append(target)
        f = replace(f, state=target)
        return None

    if f.state in (SUGGESTED, NOT_NEEDED) and (known.owner_id or wants_made or known.outcome or known.close):
        problem = go(TODO, owner_id=known.owner_id or f.owner_id, due_date=known.due_date or f.due_date)
        if problem:
            return targets, problem
    if wants_made:
        problem = go(MADE, made_at=known.made_at, made_how=known.made_how, reference=known.reference or f.reference)
        if problem:
            return targets, problem
    if known.acknowledged_at:
        problem = go(ACKNOWLEDGED, acknowledged_at=known.acknowledged_at)
        if problem:
            return targets, problem
    if known.outcome.strip():
        problem = go(OUTCOME_RECORDED, outcome=known.outcome)
        if problem:
            return targets, problem
    # Closing goes with an outcome: ticked without one (the form ticks it for you), it waits.
    if known.close and f.state == OUTCOME_RECORDED:
        problem = go(CLOSED)
        if problem:
            return targets, problem
    if not targets:
        return targets, NOTHING_TO_RECORD
    return targets, None


#: What a step still needs before its case can close, said as the move that does it.
NEXT_MOVE_WORDS = {
    SUGGESTED: "accept it (or mark it not needed, with why)",
    TODO: "record that it was made (or mark it not needed, with why)",
    MADE: "record the outcome, then close it",
    ACKNOWLEDGED: "record the outcome, then close it",
    OUTCOME_RECORDED: "close it",
}

#: The button that opens a step's next move on the case page.
NEXT_BUTTON = {
    SUGGESTED: "Accept or record",
    NOT_NEEDED: "Reinstate",
    TODO: "Record it",
    MADE: "Record the outcome",
    ACKNOWLEDGED: "Record the outcome",
    OUTCOME_RECORDED: "Close it",
}
