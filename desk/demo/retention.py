"""Demo retention (issue 19), made through the same services the pages use. Every name is invented.

- A former pupil of the first school, born 27 years ago and left 9 years ago, with one closed case
  from their time at school: past the review date (date of birth + 25 years), nothing held, so the
  demo DSL and head can review and destroy the records and see the tombstone.
- A second former pupil past the review date whose case is under a legal hold (a police
  investigation): their records refuse destruction, saying why.

The cases are recorded and closed today through the services, then their dates are moved back to
when they happened with ``.update()`` (the services rightly refuse dates years ago), as
``desk.demo.cases`` does for an overdue step. The pupils are made with ``Pupil.objects.create``:
the roll import's date checks do not apply to demo rows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from cases import services
from cases.models import Case, CaseChild, CaseStatusChange, ChildPart, Disclosure, HoldKind, Pupil
from cases.services import ChildInput, DisclosureInput
from desk.retention.services import legal_hold_place
from referrals.models import OPEN_STATES, Step
from referrals.services import case_close, step_not_needed
from safeguard.models import School, User

NO = {"C1": "no", "C2": "no", "C4": "no", "C6": "no"}


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _former_pupil(school: School, *, upn: str, first: str, last: str, born: date, left: date) -> Pupil:
    return Pupil.objects.create(
        school=school, upn=upn, first_name=first, last_name=last, date_of_birth=born, year_group=13, left_on=left
    )


def _old_closed_case(*, school: School, dsl: User, pupil: Pupil, happened: date, summary: str, account: str) -> Case:
    """A case recorded and closed through the services, then dated back to when it happened."""
    case = services.disclosure_record(
        actor=dsl,
        school=school,
        data=DisclosureInput(
            summary=summary,
            disclosed_at=timezone.now() - timedelta(hours=2),
            method="in_person",
            disclosed_to="Mrs Demo-Tutor, Head of Sixth Form",
            child_account=account,
            incident_date=timezone.localdate() - timedelta(days=2),
            kinds=["sexualised_bullying"],
            platforms=["Facebook Messenger"],
            pupils=[ChildInput(pupil, ChildPart.HARMED)],
            adult_involvement="none",
            imagery="none",
            answers=NO,
        ),
    )
    for step in Step.objects.filter(case=case, state__in=OPEN_STATES).order_by("position", "id"):
        step_not_needed(actor=dsl, step=step, reason="Done at the time, recorded on paper before the school used Safeguard.")
    case_close(
        actor=dsl,
        case=case,
        summary="Support in school for a term; the messages stopped after the other pupils' parents were spoken to.",
    )
    # Demo only: the dates it happened, years ago.
    disclosed = _at(happened, 11)
    Disclosure.objects.filter(case=case).update(disclosed_at=disclosed, incident_date=happened - timedelta(days=3))
    Case.objects.filter(pk=case.pk).update(
        created_at=disclosed, updated_at=disclosed + timedelta(days=60), closed_at=disclosed + timedelta(days=60)
    )
    CaseChild.objects.filter(case=case).update(added_at=disclosed)
    CaseStatusChange.objects.filter(case=case).update(at=disclosed + timedelta(days=60))
    return case


def seed_demo_retention(*, schools: list[School], users: dict[str, User], today: date) -> None:
    first = schools[0]
    dsl = users["dsl@demo.example"]
    due = _former_pupil(
        first,
        upn="R100000000001",
        first="Jordan",
        last="Ellery",
        born=date(today.year - 27, 3, 3),
        left=date(today.year - 9, 7, 20),
    )
    _old_closed_case(
        school=first,
        dsl=dsl,
        pupil=due,
        happened=date(today.year - 10, 11, 14),
        summary="A Year 12 pupil was sent sexual comments about her in a group chat by classmates.",
        account="They kept posting things about my body in the chat and laughing about it in lessons.",
    )
    held = _former_pupil(
        first,
        upn="R100000000002",
        first="Casey",
        last="Marlow",
        born=date(today.year - 26, 10, 12),
        left=date(today.year - 8, 7, 19),
    )
    case = _old_closed_case(
        school=first,
        dsl=dsl,
        pupil=held,
        happened=date(today.year - 9, 2, 3),
        summary="A Year 12 pupil was sent sexualised messages about her by a group of pupils.",
        account="People I thought were my friends started saying things about me online.",
    )
    legal_hold_place(
        actor=dsl,
        case=case,
        kind=HoldKind.POLICE,
        reason="The police asked the school to keep these records while they investigate (DC Demo-Officer, "
        "crime reference 00/0000/26, invented for the demo).",
    )
