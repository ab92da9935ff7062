"""Reads that combine the apps: the home page's panels, the case page's chronology and the pupil
page. Each reaches cases only through the permission gateway (``cases.access``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from cases import selectors as case_selectors
from cases.access import restricted_records_of, visible_at
from cases.chronology import CASE_SOURCES, Entry, chronology, pupil_record_entries
from cases.models import Case, CaseStatus
from cases.trust_grants import cases_granted_to
from desk.transfers.selectors import home_transfers
from referrals import selectors as referral_selectors
from referrals.chronology import REFERRAL_SOURCES
from safeguard.models import School, Trust
from safeguard.permissions import roles_at, trust_lead_of
from safeguard.roles import READS_ALL_CASES, SAFEGUARDING_LEADS, Role
from safeguard.selectors import approvals_waiting_count, first_and_count, firsts_and_counts, staff_for_school, worker_status

#: Every kind of record in a chronology: the cases app's and the referrals app's (steps, actions,
#: the child's voice, parents, reviews and closure are kept there).
CHRONOLOGY_SOURCES = CASE_SOURCES | REFERRAL_SOURCES

HOME_LIST_LIMIT = 15
#: A person's own actions and steps on their home page, soonest due first; the rest are on
#: "Your work" (``desk.views.work``).
HOME_WORK_LIMIT = 25


def home_panels(user, school: School) -> dict:
    """What the home page shows, by the roles held at ``school``."""
    roles = roles_at(user, school.pk)
    panels: dict = {"roles": roles}
    if roles & {Role.DSL, Role.HEAD}:
        panels["approvals"] = approvals_waiting_count(school)
    if roles & SAFEGUARDING_LEADS:
        lists = firsts_and_counts(
            {
                "open_case": (case_selectors.case_list(user, school=school, status=CaseStatus.OPEN), HOME_LIST_LIMIT),
                "triage": (case_selectors.triage_queue(school, user=user, with_pupils=False), HOME_LIST_LIMIT),
                "suggestion": (referral_selectors.suggestions_waiting(user, school), 5),
                "review": (case_selectors.reviews_due(user, school), HOME_LIST_LIMIT),
            }
        )
        panels["open_cases"], panels["open_case_count"] = lists["open_case"]
        panels["triage"], panels["triage_count"] = lists["triage"]
        panels["suggestions"], panels["suggestion_count"] = lists["suggestion"]
        panels["reviews_due"], panels["review_count"] = lists["review"]
        panels["steps_due"] = referral_selectors.steps_due(user, school)
        panels["needs_owner"] = needs_new_owner(school, user=user)
        panels["transfers"] = home_transfers(school.pk, today=timezone.localdate())
    elif Role.HEAD in roles:
        panels["school_cases"], panels["school_case_count"] = first_and_count(
            case_selectors.case_list(user, school=school), HOME_LIST_LIMIT
        )
    if Role.PASTORAL in roles and not roles & READS_ALL_CASES:
        today = timezone.localdate()
        lists = firsts_and_counts(
            {
                "cases": (case_selectors.case_list(user, school=school, status=CaseStatus.OPEN), HOME_LIST_LIMIT),
                "actions": (referral_selectors.my_open_actions(user, school=school), HOME_WORK_LIMIT),
                "steps": (referral_selectors.my_open_steps(user, school=school), HOME_WORK_LIMIT),
            }
        )
        panels["my_cases"], panels["my_case_count"] = lists["cases"]
        actions, panels["my_action_count"] = lists["actions"]
        steps, panels["my_step_count"] = lists["steps"]
        panels["my_actions"] = referral_selectors.mark_overdue(actions, today)
        panels["my_steps"] = referral_selectors.mark_overdue(steps, today)
    if Role.CHAIR_OF_GOVERNORS in roles and not roles & READS_ALL_CASES:
        # Only the cases they are named in: an allegation against the head comes to them.
        panels["named_cases"] = list(case_selectors.case_list(user, school=school)[:HOME_LIST_LIMIT])
    if Role.IT_ADMIN in roles:
        panels["staff_count"] = staff_for_school(school).count()
        panels["worker"] = worker_status()
    return panels


def trust_lead_home(user) -> dict | None:
    """The home page of a trust's safeguarding lead: their trusts (the trust report) and the cases
    a school's DSL granted them (through the gateway, so an ended appointment shows none)."""
    trust_ids = trust_lead_of(user)
    if not trust_ids:
        return None
    granted = cases_granted_to(user)
    return {
        "trusts": list(Trust.objects.filter(pk__in=trust_ids).order_by("name")),
        "granted": list(granted[:HOME_LIST_LIMIT]),
        "granted_count": granted.count(),
    }


def needs_new_owner(school: School, *, user, limit: int = HOME_LIST_LIMIT) -> dict:
    """The DSL home page's "Needs a new owner": steps and actions whose owner left (or that nobody
    owns), and open cases whose assigned member of staff left, of the cases ``user`` may open.
    Empty when nothing waits."""
    work = referral_selectors.needing_owner(school, user=user, limit=limit)
    cases = case_selectors.cases_needing_assignee(school).filter(visible_at(user, school.pk)).order_by("created_at", "id")
    shown, count = first_and_count(cases, limit)
    found = {**work, "cases": shown, "case_count": count}
    found["any"] = bool(found["step_count"] or found["action_count"] or found["case_count"])
    return found


def case_chronology(
    page: case_selectors.CasePage, *, also_loaded: dict | None = None, only_actions_of=None, support_view: bool = False
) -> list[Entry]:
    """The case's chronology, reusing the rows the page has read already (``also_loaded``: those
    the referral sections read, for the same viewer). ``support_view``: only what the support view
    shows ``only_actions_of`` (``cases.chronology.Source.support_view``)."""
    return chronology(
        [page.case.pk],
        sources=CHRONOLOGY_SOURCES,
        only_actions_of=only_actions_of,
        support_view_of=[page.case.pk] if support_view else (),
        cases={page.case.pk: page.case},
        loaded=page.loaded | (also_loaded or {}),
        people=page.people,
    )


def pupil_page(
    pupil,
    visible_case_ids: list[int],
    *,
    only_actions_of=None,
    support_view_of: Iterable[int] = (),
    with_concerns: bool = False,
    viewer=None,
) -> dict:
    """One child's chronology across the cases the viewer may read (``cases.access``) and, for the
    school's DSLs (``with_concerns``), the concerns about them that belong to no case: kept on
    their record, waiting for triage, or no further action, so a pattern shows. ``support_view_of``:
    the cases among them ``only_actions_of`` reads on the support view (their entries are only
    what the support view shows)."""
    cases = list(Case.objects.filter(pk__in=visible_case_ids).order_by("-created_at"))
    entries = chronology(
        visible_case_ids, sources=CHRONOLOGY_SOURCES, only_actions_of=only_actions_of, support_view_of=support_view_of
    )
    if with_concerns:
        entries = sorted(
            entries + pupil_record_entries(case_selectors.pupil_concerns(pupil, user=viewer)), key=lambda e: (e.at, e.order)
        )
    restricted = restricted_records_of(viewer, pupil.pk) if viewer is not None else 0
    return {
        "pupil": pupil,
        "cases": cases,
        "chronology": entries,
        "with_concerns": with_concerns,
        "restricted_records": restricted,
    }
