"""Hand-built data for the head's reports, with times fixed by time-machine so every figure is known.

Q1 2025 (GMT, so UK time is UTC): four disclosures at Hillside recorded through the real services,
one before the period and one at another school. May 2025 (BST, UK time = UTC+1): audit events
written directly, so the access figures hold exactly what the test put there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
import time_machine

from desk.reports.periods import Period
from tests.factories import PupilFactory, make_case

Q1 = Period(date(2025, 1, 1), date(2025, 3, 31))
MAY = Period(date(2025, 5, 1), date(2025, 5, 31))
#: "Now" when the Q1 report is read: every case recorded in Q1 is past its 14-day review by then.
REPORT_DAY = datetime(2025, 4, 1, 11, 0, tzinfo=UTC)

#: Distinctive names, so a test can prove they never appear where they must not.
PUPIL_NAMES = {
    "zephyrine": ("Zephyrine", "Quillfeather", 9),
    "bartholomew": ("Bartholomew", "Snodgrass-Vane", 10),
    "ottoline": ("Ottoline", "Marchbanks", 7),
    "cassius": ("Cassius", "Wrenfield", 10),
}
SUMMARIES = {
    "a": "Zephyrine's image was shared on a group chat and she is being threatened.",
    "b": "Sexualised name-calling of two pupils in a class group.",
    "c": "Unwanted sexual messages sent at night; the pupil is frightened.",
    "d": "Requests for images from an account the pupil does not know.",
}
ALL_NO = {"C1": "no", "C2": "no", "C4": "no", "C6": "no"}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class Q1Data:
    a: object
    b: object
    c: object
    d: object
    before: object
    elsewhere: object
    pupils: dict


@pytest.fixture
def report_pupils(school):
    return {
        key: PupilFactory(school=school, first_name=first, last_name=last, year_group=year)
        for key, (first, last, year) in PUPIL_NAMES.items()
    }


@pytest.fixture
def q1(school, other_school, dsl, deputy, other_dsl, report_pupils):
    """The Q1 2025 data set. Durations from disclosure (D is still provisional: no complete assessment):

    | case | assessment complete | first decision          | police referral made |
    | A    | 1 h                 | 4 h (refer)             | 6 h                  |
    | B    | 2 h                 | 24 h (refer, reverse)   | —                    |
    | C    | 4 h                 | 48 h (not, against)     | —                    |
    | D    | —                   | 2 h (refer, provisional)| 12 h (22:00, out of hours) |
    """
    from cases import services
    from referrals.models import Route, Step
    from referrals.services import step_accept, step_add, step_mark_made

    p = report_pupils
    with time_machine.travel(at(2025, 1, 6, 10, 0), tick=False):
        a = make_case(
            actor=dsl,
            school=school,
            pupils=[p["zephyrine"]],
            summary=SUMMARIES["a"],
            disclosed_at=at(2025, 1, 6, 9, 0),
            incident_date=date(2025, 1, 5),
            kinds=["image_sharing", "exploitation"],
            platforms=["Snapchat", "Instagram"],
            answers={**ALL_NO, "C1": "yes"},
        )
    with time_machine.travel(at(2025, 1, 6, 13, 0), tick=False):
        services.decision_record(actor=dsl, case=a, decision="refer")
    with time_machine.travel(at(2025, 1, 6, 15, 0), tick=False):
        police = Step.objects.get(case=a, route__code="R7")
        step_mark_made(actor=dsl, step=police, made_at=at(2025, 1, 6, 15, 0), made_how="phone_101", reference="CRIME-1")

    with time_machine.travel(at(2025, 1, 20, 10, 0), tick=False):
        b = make_case(
            actor=dsl,
            school=school,
            pupils=[p["bartholomew"], p["ottoline"]],
            summary=SUMMARIES["b"],
            disclosed_at=at(2025, 1, 20, 8, 0),
            incident_date=date(2025, 1, 17),
            kinds=["sexualised_bullying"],
            platforms=["Snapchat"],
            answers=ALL_NO,
        )
        support = Step.objects.get(case=b, route__code="R6")
        step_accept(actor=dsl, step=support, owner=deputy, due_date=date(2025, 1, 22))
    with time_machine.travel(at(2025, 1, 21, 8, 0), tick=False):
        services.decision_record(
            actor=dsl, case=b, decision="refer", rationale='=HYPERLINK("http://evil.example","Click") older pupils involved'
        )

    with time_machine.travel(at(2025, 2, 10, 13, 0), tick=False):
        c = make_case(
            actor=deputy,
            school=school,
            pupils=[p["cassius"]],
            summary=SUMMARIES["c"],
            disclosed_at=at(2025, 2, 10, 9, 0),
            incident_date=date(2025, 2, 9),
            kinds=["unwanted_sexualisation"],
            platforms=["WhatsApp"],
            answers={**ALL_NO, "C4": "yes"},
        )
    with time_machine.travel(at(2025, 2, 12, 9, 0), tick=False):
        services.decision_record(
            actor=dsl, case=c, decision="not_refer", rationale="Risk managed with the family; the child asked us not to."
        )

    with time_machine.travel(at(2025, 3, 3, 10, 30), tick=False):
        d = make_case(
            actor=dsl,
            school=school,
            pupils=[p["zephyrine"]],
            summary=SUMMARIES["d"],
            disclosed_at=at(2025, 3, 3, 10, 0),
            incident_date=date(2025, 3, 2),
            kinds=["unwanted_sexualisation"],
            platforms=["TikTok"],
            answers={**ALL_NO, "C1": "unknown"},
        )
    with time_machine.travel(at(2025, 3, 3, 12, 0), tick=False):
        services.decision_record(
            actor=dsl, case=d, decision="refer", rationale="Not sure who the account is; police to find out."
        )
        police = step_add(actor=dsl, case=d, route=Route.objects.get(code="R7"), owner=dsl, due_date=date(2025, 3, 3))
    with time_machine.travel(at(2025, 3, 3, 22, 0), tick=False):
        step_mark_made(actor=dsl, step=police, made_at=at(2025, 3, 3, 22, 0), made_how="online")

    with time_machine.travel(at(2024, 12, 20, 10, 0), tick=False):
        before = make_case(
            actor=dsl, school=school, pupils=[p["cassius"]], disclosed_at=at(2024, 12, 20, 9, 0), incident_date=date(2024, 12, 19)
        )
    with time_machine.travel(at(2025, 2, 3, 10, 0), tick=False):
        elsewhere = make_case(
            actor=other_dsl,
            school=other_school,
            pupils=[PupilFactory(school=other_school, year_group=8)],
            disclosed_at=at(2025, 2, 3, 9, 0),
            incident_date=date(2025, 2, 2),
            kinds=["image_sharing"],
            platforms=["Discord"],
        )
    return Q1Data(a=a, b=b, c=c, d=d, before=before, elsewhere=elsewhere, pupils=p)


@dataclass
class MayData:
    q1: Q1Data


def _event(actor, action, case, when, school=None, **extra):
    from safeguard.audit import audit_record

    target = ("cases.case", case) if isinstance(case, str) else case
    school_id = school if school is not None else (case.school_id if not isinstance(case, str) else None)
    return audit_record(actor=actor, action=action, obj=target, school=school_id, extra=extra, occurred_at=when)


@pytest.fixture
def may_access(q1, personas, other_school):
    """Audit events of May 2025 (BST: UK time is UTC+1), written directly.

    | UTC             | UK    | who                 | what                              |
    | Tue 6th 06:45   | 07:45 | DSL                 | opens C (in hours: UK time)       |
    | Tue 6th 09:00   | 10:00 | head                | opens A                           |
    | Tue 6th 09:30   | 10:30 | head                | opens A again                     |
    | Tue 6th 17:30   | 18:30 | DSL                 | opens D (out of hours: UK time)   |
    | Wed 7th 12:00   | 13:00 | deputy              | opens B                           |
    | Wed 7th 12:05   | 13:05 | deputy              | adds a note to B                  |
    | Thu 8th 10:00   |       | pastoral, unassigned| refused: A                        |
    | Thu 8th 11:00   |       | other school's DSL  | refused: A                        |
    | Thu 8th 12:00   |       | staff member        | refused: case 999999 (no such)    |
    | Thu 8th 12:30   |       | other school's DSL  | refused: case 888888 (not ours)   |
    | Sat 10th 10:00  | 11:00 | deputy              | opens A (weekend)                 |
    """
    from safeguard.audit import audit_record

    p = personas
    viewed, refused = "cases.case.viewed", "cases.case.access_refused"
    _event(p["dsl"], viewed, q1.c, at(2025, 5, 6, 6, 45))
    _event(p["head"], viewed, q1.a, at(2025, 5, 6, 9, 0))
    _event(p["head"], viewed, q1.a, at(2025, 5, 6, 9, 30))
    _event(p["dsl"], viewed, q1.d, at(2025, 5, 6, 17, 30))
    _event(p["deputy"], viewed, q1.b, at(2025, 5, 7, 12, 0))
    _event(p["deputy"], "cases.note.added", q1.b, at(2025, 5, 7, 12, 5), note_id=1)
    _event(p["pastoral_unassigned"], refused, q1.a, at(2025, 5, 8, 10, 0), attempted="view", reason="not_visible")
    _event(p["other_dsl"], refused, q1.a, at(2025, 5, 8, 11, 0), attempted="manage", reason="not_visible")
    _event(p["staff_member"], refused, "999999", at(2025, 5, 8, 12, 0), attempted="view", reason="not_found")
    _event(p["other_dsl"], refused, "888888", at(2025, 5, 8, 12, 30), attempted="view", reason="not_found")
    _event(p["deputy"], viewed, q1.a, at(2025, 5, 10, 10, 0))
    # Another school's case, opened by its own DSL: never in Hillside's report.
    audit_record(actor=p["other_dsl"], action=viewed, obj=q1.elsewhere, school=other_school, occurred_at=at(2025, 5, 6, 22, 0))
    return MayData(q1=q1)
