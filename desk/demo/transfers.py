"""Demo children's files (issue 18), made through the same services the pages use. Invented.

- A Year 10 pupil of the first school whose family is moving to the second demo school: already on
  the second school's roll (the same UPN), not yet marked as leaving, so the demo DSL can try the
  whole journey: mark them as leaving, make the PDF (the other child in their case reads "Child B"),
  send it to the second school, whose DSL accepts it.
- A Year 8 pupil who left three weeks ago with their file never sent: overdue, so the reminders
  have something to say as soon as the worker and beat start.
"""

from __future__ import annotations

from datetime import date, timedelta

from cases.models import Pupil
from desk.transfers.services import pupil_mark_left
from safeguard.models import School, User

#: Who moves, by year group and place in the demo roll (the harmed child of the WhatsApp case).
MOVING = (10, 1)
#: Who left with the file unsent (the witness in the TikTok comments case).
LEFT_UNSENT = (8, 2)


def _pupil(school: School, year_group: int, index: int) -> Pupil:
    return Pupil.objects.filter(school=school, year_group=year_group).order_by("id")[index]


def moving_pupil(school: School) -> Pupil:
    return _pupil(school, *MOVING)


def seed_demo_transfers(*, schools: list[School], users: dict[str, User], today: date) -> None:
    first, second = schools
    moving = moving_pupil(first)
    # The new school has added the child to its roll (from the MIS): the file will match by UPN.
    Pupil.objects.create(
        school=second,
        upn=moving.upn,
        first_name=moving.first_name,
        last_name=moving.last_name,
        date_of_birth=moving.date_of_birth,
        year_group=moving.year_group,
    )
    pupil_mark_left(
        actor=users["deputy@demo.example"], pupil=_pupil(first, *LEFT_UNSENT), left_on=today - timedelta(days=21), today=today
    )
