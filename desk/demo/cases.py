"""Demo cases, recorded through the same services the pages use (so they are assessed and audited
as real ones). Every name and detail is invented."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from cases import services
from cases.models import ChildPart, DecisionChoice, Pupil
from cases.services import ChildInput, DisclosureInput, OtherChildInput
from cases.services.concerns import ConcernInput
from referrals.models import Step
from referrals.routes import RouteCode
from referrals.services import step_accept
from safeguard.models import School, User
from safeguard.workdays import next_working_day

NO = {"C1": "no", "C2": "no", "C4": "no", "C6": "no"}


def _pupil(school: School, year_group: int, index: int = 0) -> Pupil:
    return Pupil.objects.filter(school=school, year_group=year_group).order_by("id")[index]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 15)))


def _overdue_support_step(case, dsl: User, owner: User, today: date) -> None:
    """Demo only: a step accepted last week and now overdue, so reminders have something to say.

    The services refuse a due date in the past, rightly; the demo moves the date after accepting."""
    step = Step.objects.get(case=case, route__code=RouteCode.SCHOOL)
    step_accept(actor=dsl, step=step, owner=owner, due_date=next_working_day(today))
    Step.objects.filter(pk=step.pk).update(due_date=today - timedelta(days=3))


def seed_demo_cases(*, schools: list[School], users: dict[str, User], today: date) -> None:
    first, second = schools
    dsl = users["dsl@demo.example"]
    deputy = users["deputy@demo.example"]

    shared = services.disclosure_record(
        actor=dsl,
        school=first,
        data=DisclosureInput(
            summary="A Year 9 pupil says a Year 10 pupil shared a nude image of her in a group chat without her consent.",
            disclosed_at=_at(today - timedelta(days=6), 10),
            method="in_person",
            disclosed_to="Ms Demo-Tutor, form tutor",
            child_account="I sent it to him because he said he liked me. Now it's in the group and everyone's seen it. "
            "I don't want my mum to know.",
            incident_date=today - timedelta(days=8),
            kinds=["image_sharing"],
            platforms=["Snapchat"],
            pupils=[ChildInput(_pupil(first, 9), ChildPart.HARMED), ChildInput(_pupil(first, 10), ChildPart.SHARED_CONTENT)],
            unidentified_children=3,
            adult_involvement="none",
            imagery="some",
            imagery_kinds=["nude_u18"],
            imagery_description="She describes a photo of herself in underwear, taken in her bedroom. Nobody on staff has seen it.",
            answers={"C1": "no", "C2": "no", "C4": "unknown", "C6": "no"},
        ),
    )
    services.case_assign(actor=dsl, case=shared, user=users["pastoral@demo.example"])
    services.note_add(
        actor=dsl, case=shared, text="Spoke with the Head of Year about support in lessons this week.", for_support=True
    )
    _overdue_support_step(shared, dsl, users["pastoral@demo.example"], today)

    services.disclosure_record(
        actor=deputy,
        school=first,
        data=DisclosureInput(
            summary="A Year 9 pupil was asked for images by an adult stranger on Instagram.",
            disclosed_at=_at(today - timedelta(days=2), 13),
            method="through_friend",
            disclosed_to="Mr Demo-Coach, PE teacher",
            child_account="Some man messaged me saying he was 19 and asked me to send pictures. I blocked him but he made another account.",
            incident_date=today - timedelta(days=3),
            kinds=["unwanted_sexualisation"],
            platforms=["Instagram"],
            pupils=[ChildInput(_pupil(first, 9, 1), ChildPart.HARMED)],
            adult_involvement="stranger",
            imagery="none",
            answers={"C1": "unknown", "C2": "no", "C4": "no", "C6": "no"},
        ),
    )

    comments = services.disclosure_record(
        actor=dsl,
        school=first,
        data=DisclosureInput(
            summary="Sexualised comments about several Year 8 pupils posted under a class video.",
            disclosed_at=_at(today - timedelta(days=14), 9),
            method="staff_noticed",
            disclosed_to="Mrs Demo-Head-of-Year, Head of Year 8",
            child_account="Pupils showed their Head of Year the comments; one said: \u201cthey're saying things about our bodies and it's everyone\u201d.",
            incident_date=today - timedelta(days=15),
            incident_date_approximate=True,
            kinds=["sexualised_bullying", "unwanted_sexualisation"],
            platforms=["TikTok"],
            pupils=[
                ChildInput(_pupil(first, 8, 0), ChildPart.HARMED),
                ChildInput(_pupil(first, 8, 1), ChildPart.HARMED),
                ChildInput(_pupil(first, 8, 2), ChildPart.WITNESS),
            ],
            others=[OtherChildInput("Boy at a neighbouring school who posted comments", ChildPart.HARMED_OTHERS, age=14)],
            unidentified_children=2,
            adult_involvement="none",
            imagery="none",
            answers=NO,
        ),
    )
    services.decision_record(actor=dsl, case=comments, decision=DecisionChoice.REFER, rationale="")

    sextortion = services.disclosure_record(
        actor=dsl,
        school=first,
        data=DisclosureInput(
            summary="A Year 11 pupil is being threatened: pay, or an image will be sent to his followers.",
            disclosed_at=_at(today - timedelta(days=1), 15),
            method="in_person",
            disclosed_to="Morgan Ashby, DSL",
            child_account="They said they'd send it to everyone I follow unless I pay \u00a3200 by tonight. I didn't know what to do.",
            incident_date=today - timedelta(days=1),
            kinds=["exploitation"],
            platforms=["Instagram", "Snapchat"],
            pupils=[ChildInput(_pupil(first, 11), ChildPart.HARMED)],
            adult_involvement="unknown",
            imagery="some",
            imagery_kinds=["nude_u18"],
            imagery_description="He says he sent a semi-nude photo to someone he thought was a girl his age.",
            answers={"C1": "yes", "C2": "no", "C4": "yes", "C6": "no"},
        ),
    )
    services.decision_record(actor=dsl, case=sextortion, decision=DecisionChoice.REFER)

    messages_case = services.disclosure_record(
        actor=deputy,
        school=first,
        data=DisclosureInput(
            summary="Unwanted sexual messages between two Year 10 pupils; resolved with both families.",
            disclosed_at=_at(today - timedelta(days=30), 11),
            method="through_parent",
            disclosed_to="Riley Fenwick, Deputy DSL",
            child_account="He kept sending me messages about what he wanted to do. I told him to stop and he did after a day.",
            incident_date=today - timedelta(days=32),
            kinds=["unwanted_sexualisation"],
            platforms=["WhatsApp"],
            pupils=[
                ChildInput(_pupil(first, 10, 1), ChildPart.HARMED),
                ChildInput(_pupil(first, 10, 2), ChildPart.HARMED_OTHERS),
            ],
            adult_involvement="none",
            imagery="none",
            answers=NO,
        ),
    )
    services.decision_record(actor=deputy, case=messages_case, decision=DecisionChoice.NOT_REFER)

    services.concern_raise(
        actor=users["staff@demo.example"],
        school=first,
        data=ConcernInput(
            children="Two Year 7 girls (names not known)",
            what_happened="Overheard them at lunch talking about an older boy online who keeps asking for photos.",
        ),
    )

    other_pupil = Pupil.objects.filter(school=second).order_by("id").first()
    services.disclosure_record(
        actor=users["dsl@other.example"],
        school=second,
        data=DisclosureInput(
            summary="A pupil at the other school was asked for images by someone online.",
            disclosed_at=_at(today - timedelta(days=4), 10),
            method="in_person",
            disclosed_to="Jamie Rowan, DSL",
            child_account="Someone I don't know keeps asking for pictures.",
            incident_date=today - timedelta(days=5),
            kinds=["unwanted_sexualisation"],
            platforms=["Discord"],
            pupils=[ChildInput(other_pupil, ChildPart.HARMED)],
            adult_involvement="unknown",
            imagery="none",
            answers={"C1": "unknown", "C2": "no", "C4": "no", "C6": "no"},
        ),
    )
