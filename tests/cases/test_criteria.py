"""The police-referral criteria engine, table-driven: every criterion met, not met and unanswered."""

from __future__ import annotations

from datetime import date

import pytest

from cases.criteria import (
    RULESET_VERSION,
    Adult,
    AgeBand,
    Answer,
    ChildFacts,
    Facts,
    FactsError,
    Imagery,
    ImageryKind,
    Outcome,
    Status,
    age_on,
    assess,
    facts_from_dict,
    facts_to_dict,
)

INCIDENT = date(2026, 10, 3)
ALL_NO = {"C1": Answer.NO, "C2": Answer.NO, "C4": Answer.NO, "C6": Answer.NO}
FOURTEEN = ChildFacts(label="Ava", date_of_birth=date(2012, 5, 1))


def facts(**overrides) -> Facts:
    """Facts that meet no criterion and answer every question; each test changes one thing."""
    values = {
        "incident_date": INCIDENT,
        "answers": ALL_NO,
        "children": (FOURTEEN,),
        "unidentified_children": 0,
        "adult_involvement": Adult.NONE,
        "imagery": Imagery.NONE,
        "imagery_kinds": frozenset(),
        "high_number_threshold": 5,
    }
    values.update(overrides)
    return Facts(**values)


def status(code: str, f: Facts) -> Status:
    return assess(f).criterion(code).status


def test_the_baseline_meets_nothing_and_is_not_required():
    result = assess(facts())
    assert result.outcome == Outcome.NOT_REQUIRED
    assert result.complete is True
    assert result.met == ()
    assert {c.status for c in result.criteria} == {Status.NOT_MET}
    assert [c.code for c in result.criteria] == ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "A1"]
    assert result.ruleset_version == RULESET_VERSION


@pytest.mark.parametrize("code", ["C1", "C2", "C4", "C6"])
@pytest.mark.parametrize(
    ("answer", "expected"), [(Answer.YES, Status.MET), (Answer.NO, Status.NOT_MET), (Answer.UNKNOWN, Status.UNANSWERED)]
)
def test_answered_criteria_follow_the_dsls_answer(code, answer, expected):
    f = facts(answers={**ALL_NO, code: answer})
    assert status(code, f) == expected
    reasons = assess(f).criterion(code).reasons
    assert reasons and all(isinstance(r, str) and r for r in reasons)


def test_a_missing_answer_counts_as_unanswered():
    assert status("C2", facts(answers={"C1": Answer.NO})) == Status.UNANSWERED


@pytest.mark.parametrize(
    ("child", "expected", "reason_part"),
    [
        (ChildFacts("Ben", date_of_birth=date(2014, 1, 10)), Status.MET, "Ben was 12 on the date of the incident"),
        (ChildFacts("Cal", date_of_birth=date(2013, 10, 3)), Status.NOT_MET, "Cal was 13"),
        (ChildFacts("Dee", date_of_birth=date(2013, 10, 4)), Status.MET, "Dee was 12"),
        (ChildFacts("Older boy", age=12), Status.MET, "was 12 at the time of the incident"),
        (ChildFacts("Older boy", age=15), Status.NOT_MET, "was 15"),
        (ChildFacts("Girl in Year 6", age_band=AgeBand.UNDER_13), Status.MET, "under 13"),
        (ChildFacts("Girl in Year 9", age_band=AgeBand.AGE_13_15), Status.NOT_MET, "13 to 15"),
        (ChildFacts("Someone", age_band=AgeBand.UNKNOWN), Status.UNANSWERED, "The age of Someone is not known"),
        (ChildFacts("Nobody knows"), Status.UNANSWERED, "not known"),
    ],
)
def test_c3_under_13_from_each_childs_age_on_the_incident_date(child, expected, reason_part):
    f = facts(children=(FOURTEEN, child))
    result = assess(f).criterion("C3")
    assert result.status == expected
    assert any(reason_part in r for r in result.reasons), result.reasons


@pytest.mark.parametrize(
    ("born", "incident", "age", "met"),
    [
        (date(2013, 10, 3), date(2026, 10, 2), 12, True),  # the day before the 13th birthday
        (date(2013, 10, 3), date(2026, 10, 3), 13, False),  # the 13th birthday itself
        # Born on 29 February: in a year without one, the birthday is 1 March.
        (date(2012, 2, 29), date(2025, 2, 28), 12, True),
        (date(2012, 2, 29), date(2025, 3, 1), 13, False),
        (date(2012, 2, 29), date(2024, 2, 28), 11, True),
        (date(2012, 2, 29), date(2024, 2, 29), 12, True),
        (date(2011, 2, 28), date(2024, 2, 28), 13, False),
    ],
)
def test_c3_thirteenth_birthday_boundary(born, incident, age, met):
    assert age_on(born, incident) == age
    f = facts(incident_date=incident, children=(ChildFacts("Eve", date_of_birth=born),))
    assert status("C3", f) == (Status.MET if met else Status.NOT_MET)


def test_c3_is_unanswered_without_an_incident_date():
    assert status("C3", facts(incident_date=None)) == Status.UNANSWERED


def test_c3_says_when_the_date_is_approximate():
    f = facts(incident_date_approximate=True, children=(ChildFacts("Ben", date_of_birth=date(2014, 1, 10)),))
    assert "approximate date of the incident" in assess(f).criterion("C3").reasons[0]


def test_c3_one_child_under_13_is_enough_even_if_another_is_unknown():
    f = facts(children=(ChildFacts("Unknown"), ChildFacts("Ben", date_of_birth=date(2014, 1, 10))))
    assert status("C3", f) == Status.MET


def test_c3_child_born_after_the_incident_is_not_counted_as_a_baby():
    f = facts(children=(ChildFacts("Typo", date_of_birth=date(2027, 1, 1)),))
    result = assess(f).criterion("C3")
    assert result.status == Status.UNANSWERED
    assert "born after" in result.reasons[0]


@pytest.mark.parametrize(
    ("children", "expected", "reason_part"),
    [
        ((FOURTEEN,), Status.NOT_MET, "No child involved is recorded as known"),
        (
            (ChildFacts("Fay", date_of_birth=date(2012, 1, 1), vulnerabilities=("child protection plan",)),),
            Status.MET,
            "child protection plan",
        ),
        (
            (
                FOURTEEN,
                ChildFacts(
                    "Gus",
                    date_of_birth=date(2012, 1, 1),
                    vulnerabilities=("looked-after child", "known to police or youth justice"),
                ),
            ),
            Status.MET,
            "Gus's pupil record shows: looked-after child and known to police or youth justice",
        ),
        (
            (ChildFacts("Boy elsewhere", age=14, known_to_services=True),),
            Status.MET,
            "known to children's social care or the police",
        ),
        ((), Status.UNANSWERED, "No child is recorded yet"),
    ],
)
def test_c5_from_the_pupil_records(children, expected, reason_part):
    result = assess(facts(children=children)).criterion("C5")
    assert result.status == expected
    assert any(reason_part in r for r in result.reasons), result.reasons


@pytest.mark.parametrize(
    ("named", "others", "unidentified", "threshold", "met"),
    [
        (1, 0, 0, 5, False),
        (4, 0, 0, 5, False),
        (5, 0, 0, 5, True),
        (2, 1, 2, 5, True),  # named pupils, other children and those not yet identified all count
        (2, 1, 1, 5, False),
        (2, 0, 0, 2, True),  # the school's own threshold
        (9, 0, 0, 10, False),
    ],
)
def test_c7_against_the_schools_threshold(named, others, unidentified, threshold, met):
    children = tuple(ChildFacts(f"P{i}", date_of_birth=date(2012, 1, 1)) for i in range(named))
    children += tuple(ChildFacts(f"O{i}", age=14) for i in range(others))
    result = assess(facts(children=children, unidentified_children=unidentified, high_number_threshold=threshold)).criterion("C7")
    assert result.status == (Status.MET if met else Status.NOT_MET)
    total = named + others + unidentified
    assert f"{total} child" in result.reasons[0] and f"threshold for a high number is {threshold}" in result.reasons[0]


def test_c6_is_met_by_a_recorded_crime_recording_whatever_the_answer():
    f = facts(
        imagery=Imagery.SOME, imagery_kinds=frozenset({ImageryKind.CRIME_RECORDING}), answers={**ALL_NO, "C6": Answer.UNKNOWN}
    )
    result = assess(f).criterion("C6")
    assert result.status == Status.MET
    assert "recording of an assault" in result.reasons[0]


NUDE = frozenset({ImageryKind.NUDE_U18})


@pytest.mark.parametrize(
    ("imagery", "kinds", "adult", "expected"),
    [
        (Imagery.SOME, NUDE, Adult.STRANGER, Status.MET),
        (Imagery.SOME, NUDE, Adult.KNOWN_ADULT, Status.MET),
        (Imagery.SOME, NUDE, Adult.STAFF, Status.MET),
        (Imagery.SOME, NUDE, Adult.NONE, Status.NOT_MET),
        (Imagery.SOME, NUDE, Adult.UNKNOWN, Status.UNANSWERED),
        (Imagery.NONE, frozenset(), Adult.STRANGER, Status.NOT_MET),
        (Imagery.SOME, frozenset({ImageryKind.OTHER}), Adult.STRANGER, Status.NOT_MET),
        (Imagery.UNKNOWN, frozenset(), Adult.STRANGER, Status.UNANSWERED),
        (Imagery.UNKNOWN, frozenset(), Adult.NONE, Status.NOT_MET),
    ],
)
def test_a1_nude_imagery_of_an_under_18_with_an_adult(imagery, kinds, adult, expected):
    result = assess(facts(imagery=imagery, imagery_kinds=kinds, adult_involvement=adult))
    assert result.criterion("A1").status == expected
    if expected == Status.MET:
        assert result.outcome == Outcome.REQUIRED
        assert any("child sexual abuse" in r for r in result.criterion("A1").reasons)


def test_any_criterion_met_means_required_even_with_questions_unanswered():
    result = assess(facts(answers={**ALL_NO, "C1": Answer.YES, "C2": Answer.UNKNOWN}))
    assert result.outcome == Outcome.REQUIRED
    assert result.complete is False
    assert result.met == ("C1",)


def test_nothing_met_with_a_question_unanswered_is_provisional():
    result = assess(facts(answers={**ALL_NO, "C4": Answer.UNKNOWN}))
    assert result.outcome == Outcome.PROVISIONAL
    assert result.complete is False


def test_several_criteria_met_are_all_listed():
    f = facts(
        answers={**ALL_NO, "C1": Answer.YES},
        children=(ChildFacts("Ben", date_of_birth=date(2014, 1, 10), vulnerabilities=("child in need plan",)),),
    )
    assert assess(f).met == ("C1", "C3", "C5")


# --- The documented JSON shape -----------------------------------------------------------------

EXAMPLE = {
    "incident_date": "2026-10-03",
    "incident_date_approximate": False,
    "answers": {"C1": "no", "C2": "no", "C4": "unknown", "C6": "no"},
    "children": [
        {"label": "Ava", "part": "harmed", "date_of_birth": "2014-03-01", "vulnerabilities": ["child protection plan"]},
        {"label": "Older boy", "part": "harmed_others", "age": 15},
        {"label": "Girl in Year 6", "part": "witness", "age_band": "under_13", "known_to_services": False},
    ],
    "unidentified_children": 2,
    "adult_involvement": "none",
    "imagery": "some",
    "imagery_kinds": ["nude_u18"],
    "high_number_threshold": 5,
}


def test_facts_round_trip_through_the_documented_shape():
    parsed = facts_from_dict(EXAMPLE)
    assert facts_from_dict(facts_to_dict(parsed)) == parsed
    assert assess(parsed).met == ("C3", "C5", "C7")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"incident_date": "03/10/2026"}, "incident_date must be a date written as YYYY-MM-DD"),
        ({"answers": {"C3": "yes"}}, "answers can only hold C1, C2, C4 and C6"),
        ({"answers": {"C1": "maybe"}}, "answers.C1 must be one of: yes, no, unknown"),
        ({"children": [{"label": "X", "age": 18}]}, "children[1].age must be from 0 to 17"),
        ({"children": [{"label": "X", "age": "twelve"}]}, "children[1].age must be a whole number"),
        ({"children": [{"label": "X", "age_band": "teen"}]}, "children[1].age_band must be one of"),
        ({"adult_involvement": "alien"}, "adult_involvement must be one of"),
        ({"unidentified_children": -1}, "unidentified_children must be at least 0"),
        ({"imagery_kinds": ["photo"]}, "imagery_kinds must be one of"),
        ({"children": "Ava"}, "children[1] must be an object"),
    ],
)
def test_bad_facts_are_refused_with_a_plain_message(change, message):
    with pytest.raises(FactsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        facts_from_dict({**EXAMPLE, **change})


def test_facts_must_be_an_object():
    with pytest.raises(FactsError):
        facts_from_dict(["not", "an", "object"])
