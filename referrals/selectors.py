"""Reads for referrals: a case's steps and actions, and what is due across a school."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from cases.access import visible_at
from cases.chronology import attach_people
from cases.models import Case, CaseChild, CaseStatus, ChildPart
from referrals.chronology import REFERRAL_SOURCES
from referrals.models import (
    OPEN_STATES,
    Action,
    ActionStatus,
    ChildVoice,
    ParentContact,
    Reminder,
    ReminderStatus,
    Route,
    SchoolRoute,
    Step,
    StepState,
)
from referrals.routes import RouteCode
from referrals.steps import ACCEPTED_OPEN_STATES, NEXT_BUTTON, NEXT_MOVE_WORDS
from safeguard.models import User
from safeguard.selectors import COUNT_CAP, first_and_count


@dataclass
class CaseReferrals:
    steps: list[Step]
    actions: list[Action]
    voices: list[ChildVoice]
    parents: list[ParentContact]
    open_step_count: int
    open_action_count: int
    #: Rows read here that the case's chronology shows too, by source name (``case_chronology``).
    loaded: dict = field(default_factory=dict)


def case_referrals(case: Case, *, user=None, own_actions_only: bool = False, people: dict | None = None) -> CaseReferrals:
    """The case page's referral sections: steps, actions (a pastoral teacher's own only), the
    child's voice and contact with parents. ``people``: staff already read for the page."""

    ids = [case.pk]
    people = people if people is not None else {}
    only_actions_of = user if own_actions_only else None
    loaded = {name: REFERRAL_SOURCES[name].load(ids, only_actions_of, people=people) for name in ("actions", "voices", "parents")}
    steps = list(Step.objects.filter(case=case).select_related("route").order_by("position", "id"))
    attach_people([(steps, ("owner",))], people)
    actions = sorted(loaded["actions"], key=lambda a: (a.status, a.due_date, a.pk))
    today = timezone.localdate()
    for step in steps:
        step.overdue = bool(step.is_open and step.state != StepState.SUGGESTED and step.due_date and step.due_date < today)
        step.next_button = NEXT_BUTTON.get(step.state, "")
        step.next_words = NEXT_MOVE_WORDS.get(step.state, "")
    for action in actions:
        action.overdue = action.status == ActionStatus.OPEN and action.due_date < today
    if own_actions_only:
        open_actions = Action.objects.filter(case=case, status=ActionStatus.OPEN).count()
    else:
        open_actions = sum(1 for a in actions if a.status == ActionStatus.OPEN)
    parents_step = next((s for s in steps if s.route.code == RouteCode.PARENTS and s.is_open), None)
    if parents_step is not None:
        parents_step.parents_left = parents_still_to_tell(case, loaded["parents"])
    return CaseReferrals(
        steps=steps,
        actions=actions,
        voices=loaded["voices"],  # in the models' order: when told, when recorded
        parents=loaded["parents"],
        open_step_count=sum(1 for s in steps if s.is_open),
        open_action_count=open_actions,
        loaded=loaded,
    )


def parents_still_to_tell(case: Case, contacts) -> list:
    """The children harmed on the case (every child on it, when none is recorded as harmed) whose
    parents or carers are neither told nor recorded as not to be told, with why."""
    children = list(CaseChild.objects.filter(case=case, removed_at__isnull=True).select_related("pupil").order_by("id"))
    harmed = [c.pupil for c in children if c.part == ChildPart.HARMED] or [c.pupil for c in children]
    dealt_with = {contact.pupil_id for contact in contacts}
    return [pupil for pupil in harmed if pupil.pk not in dealt_with]


def route_details(school, route: Route) -> str:
    return SchoolRoute.objects.filter(school=school, route=route).values_list("contact_details", flat=True).first() or ""


def school_routes(school) -> list[tuple[Route, SchoolRoute | None]]:
    own = {r.route_id: r for r in SchoolRoute.objects.filter(school=school)}
    return [(route, own.get(route.pk)) for route in Route.objects.order_by("position")]


#: Steps listed on the DSL's home page; the counts above the list cover them all.
HOME_STEPS_LIMIT = 25


def steps_due(user, school, *, today: date | None = None, limit: int = HOME_STEPS_LIMIT) -> dict:
    """Open steps due today and overdue across the school's cases (what the DSL's home shows):
    the most overdue first, at most ``limit`` of them, with how many there are in all."""
    today = today or timezone.localdate()
    # Read in due order from the school's index of accepted open steps (step_school_due_idx): the
    # rows shown and a count that stops at COUNT_CAP, however many are due.
    base = Step.objects.filter(
        visible_at(user, school.pk, "case__", school_of_row=True),
        state__in=ACCEPTED_OPEN_STATES,
        due_date__lte=today,
        case__status=CaseStatus.OPEN,
    ).order_by("due_date", "case_id", "position")
    rows = list(base.select_related("route", "case", "owner")[:limit])
    if len(rows) < limit:  # every step due is shown: count them here
        counts = {"overdue": sum(1 for s in rows if s.due_date < today), "today": sum(1 for s in rows if s.due_date == today)}
    else:
        # The same steps, the case's being open asked of the school's open cases (their own index)
        # rather than by a join the planner makes a hash of every step due (20 ms at ten times the
        # open work), and unordered: the count stops at COUNT_CAP with no sort.
        open_cases = Case.objects.filter(school_id=school.pk, status=CaseStatus.OPEN).values("pk")
        counted = Step.objects.filter(
            visible_at(user, school.pk, "case__", school_of_row=True),
            state__in=ACCEPTED_OPEN_STATES,
            due_date__lte=today,
            case_id__in=open_cases,
        )
        counts = counted.order_by()[:COUNT_CAP].aggregate(
            overdue=Count("pk", filter=Q(due_date__lt=today)), today=Count("pk", filter=Q(due_date=today))
        )
    return {
        "overdue": [s for s in rows if s.due_date < today],
        "today": [s for s in rows if s.due_date == today],
        "overdue_count": counts["overdue"],
        "today_count": counts["today"],
        "shown": len(rows),
        "total": counts["overdue"] + counts["today"],
        #: COUNT_CAP or more are due: the page says so rather than counting them all.
        "capped": counts["overdue"] + counts["today"] >= COUNT_CAP,
    }


def suggestions_waiting(user, school) -> QuerySet[Step]:
    return (
        Step.objects.filter(
            visible_at(user, school.pk, "case__", school_of_row=True),
            case__status=CaseStatus.OPEN,
            state=StepState.SUGGESTED,
        )
        .select_related("route", "case")
        .order_by("case_id", "position")
    )


def my_open_actions(user, *, school) -> QuerySet[Action]:
    """A person's own open actions at ``school``, on cases they may still see, soonest due first.
    The school is chosen in the query, before any limit: someone with roles at several schools
    sees all of this one's."""
    return (
        Action.objects.filter(visible_at(user, school.pk, "case__"), owner=user, status=ActionStatus.OPEN)
        .select_related("case")
        .order_by("due_date", "id")
    )


def my_open_steps(user, *, school) -> QuerySet[Step]:
    """The open steps a person owns at ``school`` on cases they may still see (for pastoral staff:
    the school-support steps they work through), soonest due first."""
    return (
        Step.objects.filter(
            visible_at(user, school.pk, "case__", school_of_row=True),
            owner=user,
            state__in=OPEN_STATES,
            case__status=CaseStatus.OPEN,
        )
        .select_related("case", "route")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


def mark_overdue(rows: list, today) -> list:
    """Set ``overdue`` on each action or step of ``rows`` (a step only while it is still to do)."""
    for row in rows:
        still_to_do = row.state == StepState.TODO if isinstance(row, Step) else True
        row.overdue = bool(row.due_date and row.due_date < today and still_to_do)
    return rows


def failed_reminders(school, *, limit: int = 50) -> list:
    """Reminders whose email could not be delivered, with the mail server's reason."""

    return list(
        Reminder.objects.filter(school=school, status=ReminderStatus.FAILED)
        .select_related("recipient")
        .order_by("-created_at")[:limit]
    )


def reminder_counts(school) -> dict[str, int]:
    from django.db.models import Count

    counts = dict.fromkeys(ReminderStatus.values, 0)
    counts.update(
        {row["status"]: row["n"] for row in Reminder.objects.filter(school=school).values("status").annotate(n=Count("id"))}
    )
    return counts


# --- Work that needs a new owner (someone left) ----------------------------------------------


def unowned() -> Q:
    """Owned by nobody, or by someone who can no longer log in. The deactivated accounts are read
    first (a partial index holds only them), so the open work is then read through its owner index
    for those few people and for nobody: not a join from every open step of the trust to its owner,
    nor a subquery the database can only test row by row."""
    left = list(User.objects.filter(is_active=False).values_list("pk", flat=True))
    return Q(owner__isnull=True) | Q(owner_id__in=left) if left else Q(owner__isnull=True)


def _open_steps(school):
    return Step.objects.filter(school=school, case__status=CaseStatus.OPEN, state__in=OPEN_STATES)


def _accepted_open_steps(school):
    """Open steps someone has accepted (no suggestions), on open cases: read from the school's index."""
    return Step.objects.filter(school=school, case__status=CaseStatus.OPEN, state__in=ACCEPTED_OPEN_STATES)


def _open_actions(school):
    return Action.objects.filter(case__school=school, case__status=CaseStatus.OPEN, status=ActionStatus.OPEN)


def steps_needing_owner(school, *, unowned_q: Q | None = None) -> QuerySet[Step]:
    """Open steps (on open cases) owned by nobody, or by someone whose account is deactivated.
    A suggestion nobody has accepted yet has no owner by design, and is not among them.
    ``unowned_q``: :func:`unowned`, when the caller has read it already."""
    return _accepted_open_steps(school).filter(unowned_q if unowned_q is not None else unowned())


def actions_needing_owner(school, *, unowned_q: Q | None = None) -> QuerySet[Action]:
    return _open_actions(school).filter(unowned_q if unowned_q is not None else unowned())


def steps_owned_by(user, school) -> QuerySet[Step]:
    return _accepted_open_steps(school).filter(owner=user)


def actions_owned_by(user, school) -> QuerySet[Action]:
    return _open_actions(school).filter(owner=user)


@dataclass(frozen=True)
class Holdings:
    """The open work one person holds at a school, as numbers (all the IT administrator sees)."""

    steps: int
    actions: int
    first_due: date | None

    @property
    def any(self) -> bool:
        return bool(self.steps or self.actions)

    @property
    def words(self) -> str:
        parts = []
        if self.steps:
            parts.append(f"{self.steps} referral step{'s' if self.steps != 1 else ''}")
        if self.actions:
            parts.append(f"{self.actions} action{'s' if self.actions != 1 else ''}")
        return " and ".join(parts) or "nothing"


def holdings_of(user, school) -> Holdings:
    steps = steps_owned_by(user, school).aggregate(n=Count("id"), due=Min("due_date"))
    actions = actions_owned_by(user, school).aggregate(n=Count("id"), due=Min("due_date"))
    dues = [d for d in (steps["due"], actions["due"]) if d]
    return Holdings(steps=steps["n"], actions=actions["n"], first_due=min(dues) if dues else None)


def needing_owner(school, *, user, limit: int = 50) -> dict:
    """The DSL home page's "Needs a new owner" steps and actions (at most ``limit`` of each, with
    how many in all), on the cases ``user`` may open (never a case restricted from them)."""
    left = unowned()
    steps = (
        steps_needing_owner(school, unowned_q=left)
        .filter(visible_at(user, school.pk, "case__", school_of_row=True))
        .select_related("case", "route", "owner")
        .order_by("due_date", "id")
    )
    actions = (
        actions_needing_owner(school, unowned_q=left)
        .filter(visible_at(user, school.pk, "case__"))
        .select_related("case", "owner")
        .order_by("due_date", "id")
    )
    shown_steps, step_count = first_and_count(steps, limit)
    shown_actions, action_count = first_and_count(actions, limit)
    return {"steps": shown_steps, "step_count": step_count, "actions": shown_actions, "action_count": action_count}
