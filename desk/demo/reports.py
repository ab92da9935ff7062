"""Fictional history for the demo, so each section of the head's reports has something to show:
case views by the school's staff over the last fortnight (one late in the evening), a refused
attempt by a member of pastoral staff, and one decision that went against the criteria.

Everything goes through the same code real use does (audit_record, decision_record), with the
times of the views set in the past. Names and reasons are invented.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from cases import services
from cases.models import Case, DecisionChoice
from desk.reports.periods import LONDON
from safeguard.audit import audit_record
from safeguard.models import School, User


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def seed_demo_report_history(*, school: School, users: dict[str, User], today: date) -> None:

    cases = list(Case.objects.filter(school=school).select_related("disclosure").order_by("created_at", "pk"))
    if not cases:
        return
    dsl, deputy, head = users["dsl@demo.example"], users["deputy@demo.example"], users["head@demo.example"]
    pastoral, pastoral2 = users["pastoral@demo.example"], users["pastoral2@demo.example"]
    now = timezone.now()
    visits = []
    for offset, case in enumerate(cases):
        day = today - timedelta(days=12 - 2 * offset)
        visits += [(dsl, case, _at(day, 8, 40 + offset)), (deputy, case, _at(day, 13, 5 + offset))]
    visits += [(head, case, _at(today - timedelta(days=3), 16, 10 + i)) for i, case in enumerate(cases)]
    shared = cases[0]
    visits += [
        (pastoral, shared, _at(today - timedelta(days=5), 11, 20)),
        (deputy, shared, _at(today - timedelta(days=2), 21, 40)),
    ]
    for actor, case, when in sorted(visits, key=lambda visit: visit[2]):
        if when < now:
            audit_record(
                actor=actor, action="cases.case.viewed", obj=case, school=school, extra={"page": "case"}, occurred_at=when
            )
    refused_at = _at(today - timedelta(days=4), 12, 55)
    if refused_at < now:
        audit_record(
            actor=pastoral2,
            action="cases.case.access_refused",
            obj=shared,
            school=school,
            extra={"attempted": "view", "reason": "not_visible"},
            occurred_at=refused_at,
        )
    # The first demo case meets the criteria (a high number of children); the DSL decides not to
    # refer, and says why: the head's reports list such decisions with the rationale.
    if shared.police_required and not shared.decisions.exists():
        services.decision_record(
            actor=dsl,
            case=shared,
            decision=DecisionChoice.NOT_REFER,
            rationale="Spoke to the police schools officer, who advised that the school handles this: the image has been "
            "deleted from every phone we know of and the families are involved. Review in one week.",
        )
