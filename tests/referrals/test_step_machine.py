"""The step state machine: every allowed and refused move, and what each move needs first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from referrals import steps as m

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
STATES = [m.SUGGESTED, m.TODO, m.MADE, m.ACKNOWLEDGED, m.OUTCOME_RECORDED, m.CLOSED, m.NOT_NEEDED]
ALLOWED = {
    (m.SUGGESTED, m.TODO),
    (m.SUGGESTED, m.NOT_NEEDED),
    (m.TODO, m.MADE),
    (m.TODO, m.NOT_NEEDED),
    (m.MADE, m.ACKNOWLEDGED),
    (m.MADE, m.OUTCOME_RECORDED),
    (m.ACKNOWLEDGED, m.OUTCOME_RECORDED),
    (m.OUTCOME_RECORDED, m.CLOSED),
    (m.NOT_NEEDED, m.TODO),
}

# Everything each move needs, so that only the state decides.
COMPLETE = {
    "made_at": NOW - timedelta(hours=2),
    "made_how": "phone_101",
    "owner_id": 1,
    "due_date": TODAY,
    "acknowledged_at": NOW - timedelta(hours=1),
    "outcome": "Officer visited.",
    "not_needed_reason": "Already done by the other school.",
}


@pytest.mark.parametrize("source", STATES)
@pytest.mark.parametrize("target", STATES)
def test_every_move_is_allowed_or_refused_as_the_machine_says(source, target):
    problem = m.transition_problem(m.StepFacts(state=source, **COMPLETE), target, now=NOW, today=TODAY)
    if (source, target) in ALLOWED:
        assert problem is None
    else:
        assert problem, f"{source} → {target} should be refused"


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (m.SUGGESTED, m.MADE, "Accept this step and give it an owner and a due date before marking it made."),
        (m.TODO, m.ACKNOWLEDGED, "Mark the step as made, with the date it was made, before recording an acknowledgement."),
        (m.SUGGESTED, m.ACKNOWLEDGED, "Mark the step as made, with the date it was made, before recording an acknowledgement."),
        (m.TODO, m.OUTCOME_RECORDED, "Mark the step as made before recording its outcome."),
        (m.MADE, m.CLOSED, "Record the outcome before closing this step."),
        (m.TODO, m.CLOSED, "Record the outcome before closing this step."),
        (m.MADE, m.NOT_NEEDED, "A step that has been made cannot be marked not needed"),
        (m.CLOSED, m.TODO, "This step is closed. Add a new step if more needs doing."),
        (m.TODO, m.TODO, "This step is already to do."),
    ],
)
def test_a_refused_move_says_what_must_happen_first(source, target, message):
    problem = m.transition_problem(m.StepFacts(state=source, **COMPLETE), target, now=NOW, today=TODAY)
    assert problem.startswith(message)


@pytest.mark.parametrize(
    ("source", "target", "given", "message"),
    [
        (m.TODO, m.MADE, {"made_at": None}, "Give the date and time the referral was made."),
        (m.TODO, m.MADE, {"made_at": NOW + timedelta(hours=1)}, "cannot be in the future"),
        (m.TODO, m.MADE, {"made_how": ""}, "Say how the referral was made."),
        (m.MADE, m.ACKNOWLEDGED, {"acknowledged_at": None}, "Give the date and time it was acknowledged."),
        (m.MADE, m.ACKNOWLEDGED, {"acknowledged_at": NOW - timedelta(hours=3)}, "cannot be before the referral was made"),
        (m.MADE, m.OUTCOME_RECORDED, {"outcome": "  "}, "Write down the outcome."),
        (m.TODO, m.NOT_NEEDED, {"not_needed_reason": ""}, "Say why this step is not needed."),
        (m.SUGGESTED, m.TODO, {"owner_id": None}, "Choose who owns this step."),
        (m.SUGGESTED, m.TODO, {"due_date": None}, "Give this step a due date."),
        (m.SUGGESTED, m.TODO, {"due_date": TODAY - timedelta(days=1)}, "The due date cannot be in the past."),
        (m.TODO, m.MADE, {"reference": "X" * 101}, "A reference can be at most 100 characters (this one has 101)."),
    ],
)
def test_each_move_needs_its_facts(source, target, given, message):
    facts = m.StepFacts(state=source, **{**COMPLETE, **given})
    assert message in m.transition_problem(facts, target, now=NOW, today=TODAY)


def test_next_states_lists_only_allowed_moves():
    assert m.next_states(m.SUGGESTED) == [m.TODO, m.NOT_NEEDED]
    assert m.next_states(m.MADE) == [m.ACKNOWLEDGED, m.OUTCOME_RECORDED]
    assert m.next_states(m.CLOSED) == []


# --- Recording everything known at once: the walk through the states -------------------------------

EARLIER = NOW - timedelta(hours=2)


@pytest.mark.parametrize(
    ("state", "known", "targets", "problem"),
    [
        # Accept only (owner and due date, nothing done yet).
        (m.SUGGESTED, m.Known(owner_id=1, due_date=TODAY), [m.TODO], None),
        # Everything at once: accepted, made, acknowledged, outcome, closed.
        (
            m.SUGGESTED,
            m.Known(
                owner_id=1,
                due_date=TODAY,
                made_at=EARLIER,
                made_how="phone_101",
                acknowledged_at=NOW,
                outcome="Seen.",
                close=True,
            ),
            [m.TODO, m.MADE, m.ACKNOWLEDGED, m.OUTCOME_RECORDED, m.CLOSED],
            None,
        ),
        # Made and the outcome, closing ticked: the acknowledgement is skipped, as the machine allows.
        (
            m.TODO,
            m.Known(made_at=EARLIER, made_how="online", outcome="Removed.", close=True),
            [m.MADE, m.OUTCOME_RECORDED, m.CLOSED],
            None,
        ),
        # Closing is ticked for you: without an outcome it waits, and the step is made only.
        (m.TODO, m.Known(made_at=EARLIER, made_how="online", close=True), [m.MADE], None),
        (m.MADE, m.Known(outcome="Done.", close=True), [m.OUTCOME_RECORDED, m.CLOSED], None),
        (m.OUTCOME_RECORDED, m.Known(close=True), [m.CLOSED], None),
        # Reinstated and made in one go.
        (m.NOT_NEEDED, m.Known(owner_id=1, due_date=TODAY, made_at=EARLIER, made_how="email"), [m.TODO, m.MADE], None),
        # Refused, with what must happen first.
        (m.TODO, m.Known(outcome="Done."), [], "Mark the step as made before recording its outcome."),
        (
            m.TODO,
            m.Known(made_at=NOW + timedelta(hours=1), made_how="phone"),
            [],
            "The date the referral was made cannot be in the future.",
        ),
        (m.TODO, m.Known(made_how="phone"), [], "Give the date and time the referral was made."),
        (
            m.MADE,
            m.Known(acknowledged_at=EARLIER - timedelta(hours=1)),
            [],
            "The acknowledgement cannot be before the referral was made.",
        ),
        (m.SUGGESTED, m.Known(made_at=EARLIER, made_how="phone"), [], "Choose who owns this step."),
        (m.TODO, m.Known(), [], m.NOTHING_TO_RECORD),
        (m.TODO, m.Known(close=True), [], m.NOTHING_TO_RECORD),
        (m.CLOSED, m.Known(outcome="More."), [], "This step is closed. Add a new step if more needs doing."),
    ],
)
def test_recording_what_is_known_walks_each_state_in_order(state, known, targets, problem):
    made = EARLIER if state in (m.MADE, m.ACKNOWLEDGED, m.OUTCOME_RECORDED, m.CLOSED) else None
    facts = m.StepFacts(
        state=state, made_at=made, made_how="phone" if made else "", owner_id=1 if state != m.SUGGESTED else None, due_date=TODAY
    )
    walked, refused = m.walk(facts, known, now=NOW, today=TODAY)
    assert refused == problem
    if problem is None:
        assert walked == targets


def test_every_state_that_can_still_move_has_next_move_words_and_a_button():
    for state in m.OPEN_STATES:
        assert m.NEXT_MOVE_WORDS[state] and m.NEXT_BUTTON[state]
