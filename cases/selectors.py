"""Reads of cases. Every list starts from the permission gateway's ``cases_visible_to``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from cases.access import READ_RESTRICTED_PERMISSION, VIEW_CASE_PERMISSION, cases_visible_at, concerns_hidden_from
from cases.chronology import CASE_SOURCES
from cases.criteria import OUTCOME_WORDS, Outcome
from cases.models import (
    AssignmentEnd,
    AssignmentView,
    Attachment,
    BreakGlass,
    Case,
    CaseAssignment,
    CaseChild,
    CaseExclusion,
    CasePlatform,
    CaseRestriction,
    CaseReview,
    CaseStatus,
    CaseStatusChange,
    CaseUserObjectPermission,
    Concern,
    ConcernPupil,
    ConcernStatus,
    Correction,
    Decision,
    FactChange,
    Note,
    OtherChild,
    Pupil,
    PupilImport,
)
from cases.roll import roll_match
from cases.rules import children_supported
from safeguard.models import School, User
from safeguard.roles import BREAK_GLASS_ACTIONS, CaseAction


def case_list(user, *, school: School, status: str | None = None) -> QuerySet[Case]:
    """``on_support_view``: a DSL chose ``user`` reads the case on the support view, so its row
    names only the child the support is for (``cases.templatetags.support_view``)."""
    on_support_view = Exists(
        CaseAssignment.objects.filter(case=OuterRef("pk"), user=user, ended_at__isnull=True, view=AssignmentView.SUPPORT)
    )
    qs = cases_visible_at(user, school.pk).select_related("school").annotate(on_support_view=on_support_view)
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related(
        Prefetch("children", queryset=CaseChild.objects.filter(removed_at__isnull=True).select_related("pupil").order_by("id")),
    ).order_by("-created_at", "-id")


def review_due(today: date | None = None) -> Q:
    """An open case whose review is due today or overdue."""
    return Q(status=CaseStatus.OPEN, review_due__lte=today or timezone.localdate())


def reviews_due(user, school, *, today: date | None = None) -> QuerySet[Case]:
    """The cases ``user`` may read at ``school`` with their review due, the most overdue first
    (the home page shows the first of them; the case list's "Review due" filter, all)."""
    return cases_visible_at(user, school.pk).filter(review_due(today)).order_by("review_due", "id")


STATUS_WORDS = {"met": "Met", "not_met": "Not met", "unanswered": "Unanswered"}


@dataclass
class CasePage:
    case: Case
    criteria: list[dict]
    children: list[CaseChild]
    removed_children: list[CaseChild]
    others: list[OtherChild]
    removed_others: list[OtherChild]
    platforms: list[str]
    decisions: list[Decision]
    notes: list[Note]
    assignments: list[CaseAssignment]
    attachments: list = field(default_factory=list)
    current_decision: Decision | None = None
    decision_stale: bool = False
    outcome_words: str = ""
    met_titles: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    #: Rows read for the page, by chronology source name (see ``case_chronology``).
    loaded: dict = field(default_factory=dict)
    #: The staff those rows name, by id (see ``cases.chronology.attach_people``).
    people: dict = field(default_factory=dict)


def case_for_editing(case: Case) -> Case:
    return Case.objects.select_related("school", "disclosure", "current_assessment").get(pk=case.pk)


#: What the case page reads beside the case itself, in the same query.
CASE_PAGE_RELATED = ("school", "created_by", "disclosure", "current_assessment")


#: Kinds of record most cases never have. The case's own query says which this one has (an EXISTS
#: each), and the page and its chronology read only those: one query instead of seven.
SPARSE_KINDS = {
    "other_children": OtherChild,
    "corrections": Correction,
    "attachments": Attachment,
    "fact_changes": FactChange,
    "concerns": Concern,
    "reviews": CaseReview,
    "status_changes": CaseStatusChange,
}


def case_for_page() -> QuerySet[Case]:
    """The query the permission gateway can read the case with, so the page need not read it again."""
    flags = {f"has_{name}": Exists(model.objects.filter(case=OuterRef("pk"))) for name, model in SPARSE_KINDS.items()}
    return Case.objects.select_related(*CASE_PAGE_RELATED).annotate(**flags)


def case_page(case: Case) -> CasePage:
    """Everything the case page shows but the referral sections and the chronology, in a fixed
    number of queries whatever the case holds. The rows it reads that the chronology also shows
    are kept in ``page.loaded`` for ``case_chronology``."""
    if not hasattr(case, "has_attachments") or not all(Case._meta.get_field(name).is_cached(case) for name in CASE_PAGE_RELATED):
        case = case_for_page().get(pk=case.pk)
    ids = [case.pk]
    loaded: dict[str, list] = {name: [] for name in SPARSE_KINDS if not getattr(case, f"has_{name}")}
    people = {case.created_by_id: case.created_by} if case.created_by_id else {}
    for name in ("pupils", "other_children", "decisions", "notes", "corrections", "assignments"):
        if name not in loaded:
            loaded[name] = CASE_SOURCES[name].load(ids, people=people)
    links = sorted(loaded["pupils"], key=lambda link: link.pk)
    others = sorted(loaded["other_children"], key=lambda other: other.pk)
    decisions = sorted(loaded["decisions"], key=lambda d: (d.made_at, d.pk), reverse=True)
    notes = sorted(loaded["notes"], key=lambda n: (n.created_at, n.pk))
    corrections_by_note: dict[int, list[Correction]] = {}
    for correction in sorted(loaded["corrections"], key=lambda c: (c.made_at, c.pk)):
        if correction.note_id is not None:
            corrections_by_note.setdefault(correction.note_id, []).append(correction)
    for note in notes:
        note.correction_list = corrections_by_note.get(note.pk, [])
        note.current_text = note.correction_list[-1].new_text if note.correction_list else note.text
    assessment = case.current_assessment
    criteria = []
    if assessment is not None:
        for item in assessment.result["criteria"]:
            criteria.append({**item, "status_words": STATUS_WORDS[item["status"]]})
    current = decisions[0] if decisions else None
    stale = bool(
        current and assessment and current.assessment_id != assessment.pk and current.assessment_outcome != assessment.outcome
    )
    return CasePage(
        case=case,
        criteria=criteria,
        children=[link for link in links if link.removed_at is None],
        removed_children=[link for link in links if link.removed_at is not None],
        others=[o for o in others if o.removed_at is None],
        removed_others=[o for o in others if o.removed_at is not None],
        platforms=list(CasePlatform.objects.filter(case=case, removed_at__isnull=True).values_list("name", flat=True)),
        decisions=decisions,
        notes=notes,
        assignments=[a for a in loaded["assignments"] if a.ended_at is None],  # in the order assigned
        attachments=list(case.attachments.select_related("uploaded_by")) if case.has_attachments else [],
        current_decision=current,
        decision_stale=stale,
        outcome_words=OUTCOME_WORDS[Outcome(case.outcome)] if case.outcome else "Not assessed yet",
        met_titles=[c["title"] for c in criteria if c["status"] == "met"],
        loaded=loaded,
        people=people,
    )


def support_view_case_ids(user, case_ids: Iterable[int]) -> set[int]:
    """Of ``case_ids``, the ones a DSL chose ``user`` reads on the support view (their open
    assignment's choice). For pastoral staff only: whoever reads every case of the school reads
    them in full, as the gateway says (``cases.access.access_facts``)."""
    return set(
        CaseAssignment.objects.filter(
            user=user, case_id__in=list(case_ids), ended_at__isnull=True, view=AssignmentView.SUPPORT
        ).values_list("case_id", flat=True)
    )


def pupils_supported(case_ids: Iterable[int]) -> dict[int, list[int]]:
    """The pupils the support view of each case names (``cases.rules.children_supported``), by case."""
    parts: dict[int, list[tuple[int, str]]] = {}
    links = CaseChild.objects.filter(case_id__in=list(case_ids), removed_at__isnull=True).order_by("case_id", "id")
    for case_id, pupil_id, part in links.values_list("case_id", "pupil_id", "part"):
        parts.setdefault(case_id, []).append((pupil_id, part))
    return {case_id: children_supported(found) for case_id, found in parts.items()}


def corrections_of(case: Case, field_name: str) -> list[Correction]:
    return list(Correction.objects.filter(case=case, field=field_name).select_related("made_by").order_by("made_at", "id"))


def platform_suggestions(school) -> list[str]:
    """Platforms already recorded at this school, most used first, for the form's suggestions."""
    rows = (
        CasePlatform.objects.filter(case__school=school, removed_at__isnull=True)
        .values("name")
        .annotate(n=Count("id"))
        .order_by("-n", "name")[:30]
    )
    known = [row["name"] for row in rows]
    for name in ("Snapchat", "Instagram", "WhatsApp", "TikTok", "Discord", "YouTube", "X (Twitter)", "Facebook", "Roblox"):
        if name not in known:
            known.append(name)
    return known


def triage_queue(school, *, user, with_pupils: bool = True) -> QuerySet[Concern]:
    """Concerns waiting for the DSL: urgent ones first, then the oldest (never one about them).
    ``with_pupils``: with the children each names (the concerns list shows them; the home page not)."""
    queue = (
        Concern.objects.filter(school=school, status=ConcernStatus.NEW)
        .exclude(concerns_hidden_from(user))
        .select_related("raised_by")
        .order_by("-urgent", "raised_at", "id")
    )
    if with_pupils:
        queue = queue.prefetch_related(
            Prefetch("pupil_links", queryset=ConcernPupil.objects.select_related("pupil").order_by("id"))
        )
    return queue


def concern_pupils(concern: Concern) -> list[Pupil]:
    return list(Pupil.objects.filter(concern_links__concern=concern).order_by("last_name", "first_name"))


def open_cases_for_concern(user, concern: Concern) -> list[Case]:
    """The open cases, that ``user`` may read, of the pupils a concern names (to add it to one)."""
    return list(
        cases_visible_at(user, concern.school_id)
        .filter(
            status=CaseStatus.OPEN,
            children__pupil__concern_links__concern=concern,
            children__removed_at__isnull=True,
        )
        .distinct()
        .order_by("-created_at", "-id")[:20]
    )


def pupil_concerns(pupil: Pupil, *, user) -> list[Concern]:
    """Every concern that names ``pupil`` that ``user`` may read (for the DSLs, on the pupil's page)."""
    return list(
        Concern.objects.filter(pupil_links__pupil=pupil)
        .exclude(concerns_hidden_from(user))
        .select_related("raised_by", "case")
        .order_by("raised_at", "id")
    )


def earlier_concerns(concern: Concern, *, user, limit: int = 20) -> list[Concern]:
    """Other concerns naming any pupil this one names (a pattern the DSL should see at triage)."""
    named = ConcernPupil.objects.filter(concern=concern).values("pupil_id")
    return list(
        Concern.objects.filter(pupil_links__pupil_id__in=named)
        .exclude(pk=concern.pk)
        .exclude(concerns_hidden_from(user))
        .distinct()
        .select_related("case")
        .order_by("-raised_at", "-id")[:limit]
    )


def concerns_dealt_with(school, *, user, limit: int = 30) -> list[Concern]:
    return list(
        Concern.objects.filter(school=school)
        .exclude(status=ConcernStatus.NEW)
        .exclude(concerns_hidden_from(user))
        .select_related("raised_by", "triaged_by", "case")
        .order_by("-triaged_at", "-id")[:limit]
    )


# --- Pupils (for the school's DSLs) ------------------------------------------------------------------

SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 20
RECENT_IMPORTS = 20


def nightly_imports(school, limit: int = 10) -> list[PupilImport]:
    """The nightly import's last files: outcome and counts only (the page is the IT admin's too)."""
    return list(
        PupilImport.objects.filter(school=school, source=PupilImport.Source.NIGHTLY)
        .defer("content", "report")
        .annotate(counts=F("report__counts"), marked_left=F("report__left_by_absence"))
        .order_by("-uploaded_at", "-id")[:limit]
    )


def recent_pupil_imports(school) -> list[PupilImport]:
    # The content and the full report can be megabytes each: the list reads only the counts.
    return list(
        PupilImport.objects.filter(school=school)
        .select_related("uploaded_by")
        .defer("content", "report")
        .annotate(counts=F("report__counts"), marked_left=F("report__left_by_absence"))
        .order_by("-uploaded_at", "-pk")[:RECENT_IMPORTS]
    )


def search_roll(school, query: str) -> tuple[list[Pupil], bool]:
    """Pupils of ``school`` by name or UPN, for any member of staff naming them in a concern: no
    sign of whether a pupil has cases. At most SEARCH_LIMIT, and whether there were more."""
    found = list(
        Pupil.objects.filter(school=school)
        .filter(roll_match(query))
        .only("pk", "first_name", "last_name", "year_group", "upn", "school_id")
        .order_by("last_name", "first_name", "pk")[: SEARCH_LIMIT + 1]
    )
    return found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT


def search_pupils(school, query: str) -> tuple[list[Pupil], bool]:
    """Pupils of ``school`` whose first or last name contains every word, or whose UPN is the query.

    One query however many match; at most SEARCH_LIMIT, and whether there were more.
    """
    found = list(
        Pupil.objects.filter(school=school)
        .filter(roll_match(query))
        .annotate(has_cases=Exists(CaseChild.objects.filter(pupil=OuterRef("pk"))))
        .order_by("last_name", "first_name", "pk")[: SEARCH_LIMIT + 1]
    )
    return found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT


def assignment_mismatches(*, school=None) -> list[tuple[int, int, str]]:
    """Where the two records of an assignment disagree: ``(case id, user id, what is wrong)``.

    Access is granted by django-guardian's object permission alone; ``CaseAssignment`` is its
    history. ``case_assign`` and ``case_unassign`` write both in one transaction, so this should
    always be empty: the nightly check (``cases.tasks.check_assignments``) says so if it is not.
    """
    permissions = CaseUserObjectPermission.objects.filter(permission__codename=VIEW_CASE_PERMISSION)
    open_assignments = CaseAssignment.objects.filter(ended_at__isnull=True)
    if school is not None:
        permissions = permissions.filter(content_object__school=school)
        open_assignments = open_assignments.filter(case__school=school)
    granted = set(permissions.values_list("content_object_id", "user_id"))
    recorded = set(open_assignments.values_list("case_id", "user_id"))
    return sorted(
        [(case_id, user_id, "access granted with no assignment recorded") for case_id, user_id in granted - recorded]
        + [(case_id, user_id, "an assignment recorded with no access granted") for case_id, user_id in recorded - granted]
    )


def cases_needing_assignee(school) -> QuerySet[Case]:
    """Open cases whose assigned member of staff left, until a DSL assigns someone new or says
    nobody new is needed (the DSL home page's "Needs a new owner")."""
    waiting = CaseAssignment.objects.filter(case=OuterRef("pk"), ended_because=AssignmentEnd.LEFT, followed_up_at__isnull=True)
    return Case.objects.filter(school=school, status=CaseStatus.OPEN).filter(Exists(waiting))


def open_assignments_of(user, school) -> int:
    """How many open cases of ``school`` a person is assigned to (a number: the IT administrator sees it)."""
    return CaseAssignment.objects.filter(
        user=user, ended_at__isnull=True, case__school=school, case__status=CaseStatus.OPEN
    ).count()


# --- Need to know (issue 17) ---------------------------------------------------------------------


@dataclass
class RestrictionSummary:
    """What the case page says of a restriction: to those named, who is named and why; to a DSL,
    also who is kept out and who broke the glass; to someone reading by break glass, that they are."""

    restriction: object
    named: list
    kept_out: list
    break_glass: list
    by_break_glass: bool


def restriction_summary(case, user, allowed) -> RestrictionSummary | None:
    """None for a case that is not restricted (no query)."""
    if not case.is_restricted:
        return None
    restriction = CaseRestriction.objects.filter(case=case, ended_at__isnull=True).select_related("started_by").first()
    named = list(
        User.objects.filter(
            caseuserobjectpermission__content_object=case,
            caseuserobjectpermission__permission__codename=READ_RESTRICTED_PERMISSION,
        )
        .distinct()
        .order_by("full_name", "id")
    )
    manage = CaseAction.MANAGE in allowed
    kept_out = (
        [e.user for e in CaseExclusion.objects.filter(case=case, ended_at__isnull=True).select_related("user")] if manage else []
    )
    glass = list(BreakGlass.objects.filter(case=case).select_related("user", "ended_by")[:50]) if manage else []
    return RestrictionSummary(
        restriction=restriction,
        named=named,
        kept_out=kept_out,
        break_glass=glass,
        by_break_glass=allowed == BREAK_GLASS_ACTIONS and user.pk not in {u.pk for u in named},
    )
