"""Reads for retention: the school's rule, each pupil's review date, what is due, what is held
and why, what was destroyed, and the figures for the data protection officer. Lists are flat:
a fixed number of queries however many pupils are due (tests/desk/test_retention.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from cases.access import cases_visible_to
from cases.models import (
    DEFAULT_RETENTION_YEARS,
    Case,
    CaseChild,
    CaseExclusion,
    CaseRestriction,
    ConcernPupil,
    Destruction,
    DestructionStatus,
    Disclosure,
    LegalHold,
    Pupil,
    ReceivedFile,
    ReceivedStatus,
    RequestStatus,
    RetentionReview,
    RetentionRule,
    ReviewOutcome,
    SubjectAccessRequest,
    Tombstone,
)
from desk.retention import rules
from safeguard.models import School

OPEN_REQUEST_STATUSES = (RequestStatus.OPEN, RequestStatus.DRAFT, RequestStatus.REVIEWED)


# --- The rule and one pupil's review date ----------------------------------------------------------


def retention_rule(school: School) -> tuple[int, RetentionRule | None]:
    """The school's period in years and the rule row that set it (None: the IRMS default)."""
    rule = RetentionRule.objects.filter(school=school).select_related("set_by").first()
    return (rule.years if rule else DEFAULT_RETENTION_YEARS), rule


def rule_history(school: School) -> list[RetentionRule]:
    return list(RetentionRule.objects.filter(school=school).select_related("set_by"))


def last_keep(pupil: Pupil) -> RetentionReview | None:
    return (
        RetentionReview.objects.filter(pupil=pupil, outcome=ReviewOutcome.KEEP)
        .exclude(next_review_on__isnull=True)
        .select_related("reviewed_by")
        .first()
    )


def pupil_review_on(pupil: Pupil) -> date:
    """When ``pupil``'s records are next reviewed (the school's rule, or the last "keep" review)."""
    years, _ = retention_rule(pupil.school)
    keep = last_keep(pupil)
    return rules.review_date(pupil.date_of_birth, years, keep.next_review_on if keep else None)


def has_records_q() -> Q:
    """A pupil with anything a child protection file holds: a case naming them, a concern about
    them, or a file received from a previous school."""
    return Q(
        Exists(CaseChild.objects.filter(pupil=OuterRef("pk"), removed_at__isnull=True))
        | Exists(ConcernPupil.objects.filter(pupil=OuterRef("pk")))
        | Exists(ReceivedFile.objects.filter(pupil=OuterRef("pk"), status=ReceivedStatus.ACCEPTED))
    )


def _with_last_keep(queryset: QuerySet) -> QuerySet:
    newest = RetentionReview.objects.filter(pupil=OuterRef("pk")).order_by("-reviewed_at", "-id")
    return queryset.annotate(
        last_outcome=Subquery(newest.values("outcome")[:1]),
        last_next_review_on=Subquery(
            RetentionReview.objects.filter(pupil=OuterRef("pk"), outcome=ReviewOutcome.KEEP, next_review_on__isnull=False)
            .order_by("-reviewed_at", "-id")
            .values("next_review_on")[:1]
        ),
    )


# --- Holds -------------------------------------------------------------------------------------------


def _facts_by_case(case_ids: list[int]) -> dict[int, rules.CaseFacts]:
    kinds_of: dict[int, list[str]] = defaultdict(list)
    for case_id, kind in CaseRestriction.objects.filter(case_id__in=case_ids).values_list("case_id", "kind"):
        kinds_of[case_id].append(kind)
    facts = {}
    for disclosure in Disclosure.objects.filter(case_id__in=case_ids).only(
        "case_id",
        "imagery",
        "adult_involvement",
        *Disclosure.KIND_FIELDS.values(),
        *Disclosure.IMAGERY_KIND_FIELDS.values(),
    ):
        facts[disclosure.case_id] = rules.CaseFacts(
            imagery=disclosure.imagery,
            imagery_kinds=tuple(disclosure.imagery_kinds()),
            kinds=tuple(disclosure.kinds()),
            adult_involvement=disclosure.adult_involvement,
            restriction_kinds=tuple(kinds_of.get(disclosure.case_id, ())),
        )
    for case_id in case_ids:
        facts.setdefault(case_id, rules.CaseFacts(restriction_kinds=tuple(kinds_of.get(case_id, ()))))
    return facts


def _placed(hold: LegalHold, reference: str = "") -> rules.Hold:
    return rules.Hold(
        kind_label=hold.get_kind_display(),
        reason=hold.reason,
        case_reference=reference,
        hold_id=hold.pk,
        placed_on=timezone.localdate(hold.placed_at),
        placed_by=hold.placed_by.full_name if hold.placed_by_id else "",
    )


def unseen_cases(viewer, case_ids: list[int]) -> set[int]:
    """Of ``case_ids``, the restricted cases ``viewer`` may not open (not named in the restriction,
    or an allegation about them): retention names none of them to that viewer."""
    restricted = set(Case.objects.filter(pk__in=case_ids, is_restricted=True).values_list("pk", flat=True))
    if not restricted:
        return set()
    visible = set(cases_visible_to(viewer).filter(pk__in=restricted).values_list("pk", flat=True))
    kept_out = set(
        CaseExclusion.objects.filter(user=viewer, case_id__in=restricted, ended_at__isnull=True).values_list("case_id", flat=True)
    )
    return (restricted - visible) | kept_out


def holds_for(pupil_ids: list[int], *, viewer=None) -> dict[int, list[rules.Hold]]:
    """``{pupil_id: holds}``: holds placed on the pupil, on any of their cases, and the cases held
    by rule (the inquiry instruction). Five queries whatever the number of pupils.

    With a ``viewer``, a hold on a case they may not open (restricted from them, or an allegation
    about them) is told as one line that names no case and gives no reason."""
    links = list(
        CaseChild.objects.filter(pupil_id__in=pupil_ids, removed_at__isnull=True).values_list(
            "pupil_id", "case_id", "case__reference"
        )
    )
    case_ids = sorted({case_id for _, case_id, _ in links})
    reference = {case_id: ref for _, case_id, ref in links}
    unseen = unseen_cases(viewer, case_ids) if viewer is not None else set()
    placed = list(
        LegalHold.objects.filter(lifted_at__isnull=True)
        .filter(Q(pupil_id__in=pupil_ids) | Q(case_id__in=case_ids))
        .select_related("placed_by")
    )
    by_case: dict[int, list[rules.Hold]] = defaultdict(list)
    result: dict[int, list[rules.Hold]] = {pupil_id: [] for pupil_id in pupil_ids}
    for hold in placed:
        if hold.pupil_id is not None:
            result[hold.pupil_id].append(_placed(hold))
        else:
            by_case[hold.case_id].append(_placed(hold, reference.get(hold.case_id, "")))
    for case_id, facts in _facts_by_case(case_ids).items():
        reason = rules.inquiry_hold_reason(facts)
        if reason:
            by_case[case_id].append(
                rules.Hold(kind_label=rules.INQUIRY_HOLD_LABEL, reason=reason, case_reference=reference[case_id], by_rule=True)
            )
    unseen_hold = rules.Hold(kind_label="", reason=rules.UNSEEN_HOLD_REASON)
    for pupil_id, case_id, _ in links:
        holds = by_case.get(case_id, [])
        if not holds:
            continue
        if case_id in unseen:
            if unseen_hold not in result[pupil_id]:
                result[pupil_id].append(unseen_hold)
        else:
            result[pupil_id].extend(holds)
    return result


def holds_on(pupil: Pupil, *, viewer=None) -> list[rules.Hold]:
    """Everything stopping the destruction of ``pupil``'s records, each with its reason."""
    return holds_for([pupil.pk], viewer=viewer)[pupil.pk]


def inquiry_rule_q(prefix: str = "") -> Q:
    """The cases the inquiry instruction holds, as a query: the same rule as
    ``rules.inquiry_hold_reasons`` (a test checks the two agree), for counting a whole school."""
    p = prefix
    return (
        Q(**{f"{p}disclosure__imagery": rules.Imagery.SOME, f"{p}disclosure__imagery_nude_u18": True})
        | Q(**{f"{p}disclosure__kind_exploitation": True})
        | Q(**{f"{p}disclosure__adult_involvement__in": sorted(rules.ADULTS)})
        | Q(**{f"{p}restrictions__kind__in": sorted(rules.STAFF_ALLEGATIONS)})
    )


# --- The retention page --------------------------------------------------------------------------------


@dataclass
class DueRow:
    pupil: Pupil
    review_on: date
    words: str
    holds: list[rules.Hold] = field(default_factory=list)
    destruction: Destruction | None = None

    @property
    def held(self) -> bool:
        return bool(self.holds)


def due_for_review(school: School, today: date, *, viewer=None, limit: int | None = None) -> list[DueRow]:
    """Pupils with records whose review date is today or earlier, the longest overdue first, each
    with why it is due and what holds it. Flat: the same queries for 5 pupils as for 500."""
    years, _ = retention_rule(school)
    # The latest date of birth whose review could be due: one day's slack for 29 February.
    cutoff = rules.add_years(today, -years) + timedelta(days=1)
    candidates = (
        _with_last_keep(Pupil.objects.filter(school=school).filter(has_records_q()))
        .filter(Q(last_next_review_on__isnull=True, date_of_birth__lte=cutoff) | Q(last_next_review_on__lte=today))
        .only("id", "school_id", "first_name", "last_name", "upn", "date_of_birth", "year_group", "left_on")
    )
    rows = []
    for pupil in candidates:
        review_on = rules.review_date(pupil.date_of_birth, years, pupil.last_next_review_on)
        if review_on <= today:
            words = rules.review_words(pupil.date_of_birth, years, pupil.last_next_review_on)
            rows.append(DueRow(pupil=pupil, review_on=review_on, words=words))
    rows.sort(key=lambda row: (row.review_on, row.pupil.last_name, row.pupil.first_name, row.pupil.pk))
    if limit is not None:
        rows = rows[:limit]
    ids = [row.pupil.pk for row in rows]
    holds = holds_for(ids, viewer=viewer) if ids else {}
    open_destructions = {
        d.pupil_id: d
        for d in Destruction.objects.filter(pupil_id__in=ids, status=DestructionStatus.PROPOSED).select_related("proposed_by")
    }
    for row in rows:
        row.holds = holds.get(row.pupil.pk, [])
        row.destruction = open_destructions.get(row.pupil.pk)
    return rows


def placed_holds(school: School, *, viewer=None) -> tuple[list[LegalHold], int]:
    """Holds standing at the school, newest first, with what they are on; a hold on a case the
    viewer may not open is only counted (the second value), never named."""
    holds = list(LegalHold.objects.filter(school=school, lifted_at__isnull=True).select_related("placed_by", "pupil", "case"))
    if viewer is None:
        return holds, 0
    unseen = unseen_cases(viewer, [hold.case_id for hold in holds if hold.case_id])
    shown = [hold for hold in holds if hold.case_id not in unseen]
    return shown, len(holds) - len(shown)


def tombstones(school: School) -> list[Tombstone]:
    return list(Tombstone.objects.filter(school=school).select_related("proposed_by", "approved_by"))


def open_destructions(school: School) -> list[Destruction]:
    return list(
        Destruction.objects.filter(school=school, status=DestructionStatus.PROPOSED).select_related("pupil", "proposed_by")
    )


# --- One pupil's retention --------------------------------------------------------------------------


@dataclass
class PupilRetention:
    years: int
    review_on: date
    words: str
    due: bool
    holds: list[rules.Hold]
    reviews: list[RetentionReview]
    placed: list[LegalHold]
    lifted: list[LegalHold]
    cases: list[Case]
    destruction: Destruction | None
    unseen_count: int
    has_records: bool


def pupil_retention(pupil: Pupil, *, today: date, viewer) -> PupilRetention:
    years, _ = retention_rule(pupil.school)
    keep = last_keep(pupil)
    keep_on = keep.next_review_on if keep else None
    review_on = rules.review_date(pupil.date_of_birth, years, keep_on)
    case_ids = list(CaseChild.objects.filter(pupil=pupil, removed_at__isnull=True).values_list("case_id", flat=True).distinct())
    # A restricted case the viewer may not open is never named to them (its holds still count).
    unseen = unseen_cases(viewer, case_ids)
    cases = list(Case.objects.filter(pk__in=case_ids).exclude(pk__in=unseen).order_by("created_at"))
    holds_all = list(
        LegalHold.objects.filter(Q(pupil=pupil) | Q(case_id__in=[c.pk for c in cases])).select_related(
            "placed_by", "lifted_by", "case"
        )
    )
    return PupilRetention(
        years=years,
        review_on=review_on,
        words=rules.review_words(pupil.date_of_birth, years, keep_on),
        due=review_on <= today,
        holds=holds_on(pupil, viewer=viewer),
        reviews=list(RetentionReview.objects.filter(pupil=pupil).select_related("reviewed_by")),
        placed=[h for h in holds_all if h.lifted_at is None],
        lifted=[h for h in holds_all if h.lifted_at is not None],
        cases=cases,
        destruction=Destruction.objects.filter(pupil=pupil, status=DestructionStatus.PROPOSED)
        .select_related("proposed_by")
        .first(),
        unseen_count=len(unseen),
        has_records=Pupil.objects.filter(pk=pupil.pk).filter(has_records_q()).exists(),
    )


# --- For the data protection officer ---------------------------------------------------------------


def dpo_figures(school: School, *, today: date | None = None) -> dict:
    """Figures only, no one named: records held, due for review, under hold, destroyed, requests."""
    today = today or timezone.localdate()
    cases = Case.objects.filter(school=school)
    requests = SubjectAccessRequest.objects.filter(school=school)
    released = list(requests.filter(released_at__isnull=False).values_list("released_at", "due_on"))
    on_time = sum(1 for released_at, due_on in released if timezone.localdate(released_at) <= due_on)
    held_pupils = LegalHold.objects.filter(school=school, lifted_at__isnull=True, pupil__isnull=False)
    held_cases = LegalHold.objects.filter(school=school, lifted_at__isnull=True, case__isnull=False)
    return {
        "pupils_with_records": Pupil.objects.filter(school=school).filter(has_records_q()).count(),
        "cases": cases.count(),
        "concerns": school.concerns.count(),
        "due_for_review": len(due_for_review(school, today)),
        "holds_on_pupils": held_pupils.count(),
        "holds_on_cases": held_cases.values("case_id").distinct().count(),
        "cases_held_by_rule": cases.filter(inquiry_rule_q()).distinct().count(),
        "tombstones": Tombstone.objects.filter(school=school).count(),
        "requests_open": requests.filter(status__in=OPEN_REQUEST_STATUSES).count(),
        "requests_overdue": requests.filter(status__in=OPEN_REQUEST_STATUSES, due_on__lt=today).count(),
        "requests_answered": len(released),
        "requests_on_time": on_time,
    }
