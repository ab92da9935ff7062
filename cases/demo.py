"""Demo cases, built through the same services the pages use (so they are audited as real ones)."""

from __future__ import annotations

from datetime import date

from cases import services
from cases.models import ChildPart, Pupil
from safeguard.models import School, User


def seed_demo_cases(*, schools: list[School], users: dict[str, User], today: date) -> None:
    first, second = schools
    dsl = users["dsl@demo.example"]
    pupils = list(Pupil.objects.filter(school=first).order_by("id")[:12])
    assigned = services.case_create(
        actor=dsl,
        school=first,
        summary="A Year 9 pupil said an older pupil is sharing an edited picture of her in a group chat.",
        children=[(pupils[0], ChildPart.HARMED), (pupils[1], ChildPart.SHARED_CONTENT)],
    )
    services.case_assign(actor=dsl, case=assigned, user=users["pastoral@demo.example"])
    services.case_create(
        actor=dsl,
        school=first,
        summary="A pupil reported unwanted sexual messages from an account she does not know.",
        children=[(pupils[2], ChildPart.HARMED)],
    )
    services.case_create(
        actor=dsl,
        school=first,
        summary="Sexualised comments about several pupils posted under a class video.",
        children=[(pupils[3], ChildPart.HARMED), (pupils[4], ChildPart.HARMED), (pupils[5], ChildPart.WITNESS)],
    )
    other_pupil = Pupil.objects.filter(school=second).order_by("id").first()
    services.case_create(
        actor=users["dsl@other.example"],
        school=second,
        summary="A pupil at the other school was asked for images by someone online.",
        children=[(other_pupil, ChildPart.HARMED)],
    )
