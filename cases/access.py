"""The permission gateway: the only way views reach cases, concerns, pupils and pupil imports.

- :func:`get_case_for_user` fetches one case for one action. A case the user may not see is a
  404 (never a 403 that would confirm it exists); a case they may see but not change is a 403.
- :func:`cases_visible_to` is the one queryset every case list starts from; a list of one
  school's cases starts from :func:`cases_visible_at`, the same rows in a faster form.
- Concerns are for the DSLs of their school (whoever raised one cannot read it back); pupils and
  imports for the school's DSLs, and a pupil's record for whoever may read one of their cases.

Every refusal is audited in a transaction of its own (docs/domain.md: every failed access is
logged). The rules themselves are pure functions in :mod:`safeguard.roles`; this module feeds
them the user's roles at the school (``safeguard.permissions``) and whether a DSL assigned them
(django-guardian's object permission on the case, the one thing that grants a pastoral teacher
access).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from cases.models import (
    READ_GRANTED_PERMISSION,
    READ_RESTRICTED_PERMISSION,
    AssignmentView,
    BreakGlass,
    Case,
    CaseAssignment,
    CaseChild,
    CaseExclusion,
    CaseUserObjectPermission,
    Concern,
    FileTransfer,
    LegalHold,
    Pupil,
    PupilImport,
    ReceivedFile,
    SubjectAccessRequest,
)
from safeguard.permissions import roles_at, schools_with_role, trust_lead_of, user_roles
from safeguard.refusals import asked_for_text, refusal_record
from safeguard.roles import READS_ALL_CASES, SAFEGUARDING_LEADS, CaseAction, Role, case_actions, may_break_glass

#: The object permission django-guardian grants a pastoral teacher assigned to a case.
VIEW_CASE_PERMISSION = "view_case"


def is_assigned(user, case) -> bool:
    return CaseUserObjectPermission.objects.filter(
        user=user, content_object=case, permission__codename=VIEW_CASE_PERMISSION
    ).exists()


class CaseRestricted(Http404):
    """A restricted case refused to someone who may break the glass: still a 404 (the page says
    nothing of the case), but the 404 page offers to open it with a written reason."""

    def __init__(self, case_id: int):
        super().__init__("No such case.")
        self.case_id = case_id


def session_hash(user) -> str:
    """The SHA-256 of the user's session key (``safeguard.middleware.SessionHashMiddleware``):
    break glass holds for that one session."""
    return getattr(user, "_safeguard_session_hash", "") or ""


def _object_permissions(user, case) -> set[str]:
    return set(
        CaseUserObjectPermission.objects.filter(user=user, content_object=case).values_list("permission__codename", flat=True)
    )


def is_kept_out(user, case) -> bool:
    """An allegation on this case is about ``user``: they never open it."""
    return case.is_restricted and CaseExclusion.objects.filter(case=case, user=user, ended_at__isnull=True).exists()


def access_facts(user, case) -> dict:
    """What the rules (``safeguard.roles.case_actions``) need about ``user`` and ``case``. An
    unrestricted case read by a DSL costs no query beyond the roles."""
    roles = roles_at(user, case.school_id)
    perms: set[str] = set()
    trust_lead = not roles & READS_ALL_CASES and case.school.trust_id in trust_lead_of(user)
    if Role.PASTORAL in roles or case.is_restricted or trust_lead:
        perms = _object_permissions(user, case)
    assigned = Role.PASTORAL in roles and VIEW_CASE_PERMISSION in perms
    full_view = True
    if assigned and not roles & READS_ALL_CASES:
        view = CaseAssignment.objects.filter(case=case, user=user, ended_at__isnull=True).values_list("view", flat=True).first()
        full_view = view == AssignmentView.FULL
    named = READ_RESTRICTED_PERMISSION in perms
    kept_out = is_kept_out(user, case)
    broke_glass = False
    if case.is_restricted and may_break_glass(roles, restricted=True, named=named, kept_out=kept_out) and session_hash(user):
        broke_glass = BreakGlass.objects.filter(
            case=case, user=user, session_hash=session_hash(user), ended_at__isnull=True
        ).exists()
    return {
        "roles": roles,
        "assigned": assigned,
        "full_view": full_view,
        "granted": trust_lead and READ_GRANTED_PERMISSION in perms,
        "restricted": case.is_restricted,
        "named": named,
        "kept_out": kept_out,
        "broke_glass": broke_glass,
    }


def allowed_actions(user, case) -> frozenset[CaseAction]:
    return case_actions(**access_facts(user, case))


def may_break_glass_on(user, case) -> bool:
    facts = access_facts(user, case)
    return may_break_glass(facts["roles"], restricted=facts["restricted"], named=facts["named"], kept_out=facts["kept_out"])


def _refuse(user, *, case_id, school_id, action: CaseAction, reason: str, asked_for: str = "") -> None:
    # Its own transaction (refusal_record): the refusal must be recorded though the request fails.
    refusal_record(
        actor=user,
        action="cases.case.access_refused",
        obj=("cases.case", case_id),
        school=school_id,
        extra={"attempted": str(action), "reason": reason},
        asked_for=asked_for,
    )


def refuse_on_case(user, case, attempted: str, *, reason: str = "not_permitted") -> None:
    """Record a refusal of something narrower than the case itself (a step that is not theirs,
    a move only a DSL makes), before the view answers 404 or 403."""
    refusal_record(
        actor=user,
        action="cases.case.access_refused",
        obj=case,
        school=case.school_id,
        extra={"attempted": attempted, "reason": reason},
        asked_for=str(case.pk),
    )


def get_case_for_user(user, pk, action: CaseAction = CaseAction.VIEW, *, queryset: QuerySet | None = None):
    """The case ``pk`` if ``user`` may perform ``action`` on it; 404 or 403 otherwise."""
    qs = queryset if queryset is not None else Case.objects.select_related("school")
    try:
        case = qs.get(pk=int(pk))
    except (Case.DoesNotExist, ValueError, TypeError, OverflowError):
        # No case had that number at the time: what was asked for is kept as text, never as the
        # case's id (a case that later gets that number was not the one tried).
        _refuse(user, case_id="", school_id=None, action=action, reason="not_found", asked_for=asked_for_text(pk))
        raise Http404("No such case.") from None
    facts = access_facts(user, case)
    allowed = case_actions(**facts)
    if CaseAction.VIEW not in allowed:
        restricted_out = facts["restricted"] and not facts["named"]
        _refuse(
            user,
            case_id=case.pk,
            school_id=case.school_id,
            action=action,
            reason="restricted" if restricted_out and not facts["kept_out"] else "not_visible",
            asked_for=str(case.pk),
        )
        if may_break_glass(facts["roles"], restricted=facts["restricted"], named=facts["named"], kept_out=facts["kept_out"]):
            raise CaseRestricted(case.pk)
        raise Http404("No such case.")
    if action not in allowed:
        _refuse(user, case_id=case.pk, school_id=case.school_id, action=action, reason="not_permitted", asked_for=str(case.pk))
        raise PermissionDenied("You can read this case but not do that.")
    case.allowed_actions = allowed
    return case


def get_case_for_break_glass(user, pk):
    """A restricted case ``user`` may ask to open with a reason (``may_break_glass``); to anyone
    else the same 404, audited, as any case they cannot see."""
    try:
        case = Case.objects.select_related("school").get(pk=int(pk))
    except (Case.DoesNotExist, ValueError, TypeError, OverflowError):
        _refuse(user, case_id="", school_id=None, action=CaseAction.VIEW, reason="not_found", asked_for=asked_for_text(pk))
        raise Http404("No such case.") from None
    if not may_break_glass_on(user, case):
        _refuse(
            user, case_id=case.pk, school_id=case.school_id, action=CaseAction.VIEW, reason="not_visible", asked_for=str(case.pk)
        )
        raise Http404("No such case.")
    return case


def cases_visible_to(user) -> QuerySet:
    """Every case ``user`` may read: the one starting point for every list of cases.

    A restricted case is listed only to the people named in it, and never to the member of staff
    an allegation on it is about (an exclusion always comes with a restriction). A case opened by
    breaking the glass is not listed: it was opened for one look, from its own link."""
    roles = user_roles(user)
    whole_school = [school_id for school_id, held in roles.items() if held & READS_ALL_CASES]
    pastoral = [school_id for school_id, held in roles.items() if Role.PASTORAL in held and not held & READS_ALL_CASES]
    chair = [school_id for school_id, held in roles.items() if Role.CHAIR_OF_GOVERNORS in held]
    trusts = trust_lead_of(user)
    if not whole_school and not pastoral and not chair and not trusts:
        return Case.objects.none()
    mine = CaseUserObjectPermission.objects.filter(user=user)
    named = mine.filter(permission__codename=READ_RESTRICTED_PERMISSION).values("content_object_id")
    condition = Q(school_id__in=whole_school)
    if pastoral:
        assigned = mine.filter(permission__codename=VIEW_CASE_PERMISSION).values("content_object_id")
        condition |= Q(school_id__in=pastoral, pk__in=assigned)
    if chair:
        condition |= Q(school_id__in=chair, pk__in=named)
    if trusts:
        granted = mine.filter(permission__codename=READ_GRANTED_PERMISSION).values("content_object_id")
        condition |= Q(school__trust_id__in=trusts, pk__in=granted)
    kept_out = CaseExclusion.objects.filter(user=user, ended_at__isnull=True).values("case_id")
    return Case.objects.filter(condition).filter(Q(is_restricted=False) | (Q(pk__in=named) & ~Q(pk__in=kept_out)))


def cases_visible_at(user, school_id: int) -> QuerySet:
    """The cases at one school ``user`` may read: the same rows as
    ``cases_visible_to(user).filter(school_id=school_id)``, in the form the database answers
    fastest (see :func:`visible_at`). Every list of one school's cases starts here."""
    return Case.objects.filter(visible_at(user, school_id))


def visible_at(user, school_id: int, path: str = "", *, school_of_row: bool = False) -> Q:
    """The condition "the case at ``path`` (``""``: the row itself is the case; ``"case__"``: a
    step's case) is at ``school_id`` and ``user`` may read it".

    For someone who reads every case at the school (DSL, deputy, head) it is the school's cases
    less the restricted ones kept from them (:func:`cases_hidden_from`, usually none, read once per
    request): a plain condition on the school, so a list or count of a school's open work is read
    through the school's indexes instead of testing a permission subquery on every row. For
    everyone else it is ``cases_visible_to`` itself. Both are the same rows by construction: a
    whole-school reader's cases at the school are all of them but the restricted ones they are not
    named in or are kept out of, which is exactly what ``cases_hidden_from`` takes away.

    ``school_of_row``: the row keeps its case's school itself (``Step.school``, set from the case,
    which never changes school), and the school is tested on that column. The row's own school
    index then serves the query; a second test on the case's school makes PostgreSQL start from
    the cases instead and sort every open step of the school (measured: 12 ms against 0.3 ms for
    the home page's due steps on a busy day)."""
    school = {"school_id": school_id} if school_of_row else {f"{path}school_id": school_id}
    if roles_at(user, school_id) & READS_ALL_CASES:
        condition = Q(**school)
        hidden = _hidden_at(user, school_id)
        if hidden:
            condition &= ~Q(**{f"{path}pk__in": sorted(hidden)})
        return condition
    return Q(**school, **{f"{path}pk__in": cases_visible_to(user).filter(school_id=school_id).values("pk")})


def _hidden_at(user, school_id: int) -> frozenset[int]:
    """``cases_hidden_from``, cached on the user object for this request (as their roles are;
    ``forget_roles`` drops both)."""
    cached = getattr(user, "_safeguard_hidden", None)
    if cached is None:
        cached = user._safeguard_hidden = {}
    if school_id not in cached:
        cached[school_id] = cases_hidden_from(user, school_id)
    return cached[school_id]


def may_hear_of(case_id: int, people: list) -> list:
    """Those of ``people`` who may be told of case ``case_id``: never anyone kept out of it."""
    kept_out = set(CaseExclusion.objects.filter(case_id=case_id, ended_at__isnull=True).values_list("user_id", flat=True))
    return [user for user in people if user.pk not in kept_out] if kept_out else people


def support_view_case_ids(user, visible) -> QuerySet:
    """Of ``visible`` (cases ``user`` may read), those a DSL chose the support view for them, as a
    subquery of case ids (for a query that needs them: a teacher may hold hundreds)."""
    return (
        CaseAssignment.objects.filter(
            user=user, ended_at__isnull=True, view=AssignmentView.SUPPORT, case__in=visible.values("pk")
        )
        .order_by()
        .values("case_id")
    )


def support_view_cases(user, visible) -> list[int]:
    """:func:`support_view_case_ids`, read."""
    return [row["case_id"] for row in support_view_case_ids(user, visible)]


def cases_hidden_from(user, school_id: int) -> frozenset[int]:
    """The school's restricted cases ``user`` may not open: reports leave out their rows."""
    restricted = Case.objects.filter(school_id=school_id, is_restricted=True).order_by()
    return frozenset(restricted.exclude(pk__in=cases_visible_to(user).values("pk")).values_list("pk", flat=True))


def concerns_hidden_from(user) -> Q:
    """Concerns ``user`` may not read though they triage the school's concerns: one about them (an
    allegation), and one joined to a restricted case they may not open."""
    return Q(staff_member=user) | (Q(case__is_restricted=True) & ~Q(case__in=cases_visible_to(user)))


def restricted_records_of(user, pupil_id: int) -> int:
    """How many of a pupil's cases are restricted from ``user`` (never those about them: of those
    they see no sign): the pupil's page says a restricted record exists, to ask the DSL."""
    kept_out = CaseExclusion.objects.filter(user=user, ended_at__isnull=True).values("case_id")
    return (
        Case.objects.filter(is_restricted=True, children__pupil_id=pupil_id, children__removed_at__isnull=True)
        .exclude(pk__in=cases_visible_to(user).values("pk"))
        .exclude(pk__in=kept_out)
        .distinct()
        .count()
    )


def get_concern_for_user(user, pk):
    """A concern, for the DSLs of its school only. Whoever raised it cannot read it back (404)."""
    try:
        concern = Concern.objects.select_related("school", "raised_by").get(pk=int(pk))
    except (Concern.DoesNotExist, ValueError, TypeError, OverflowError):
        refusal_record(
            actor=user, action="cases.concern.access_refused", extra={"reason": "not_found"}, asked_for=asked_for_text(pk)
        )
        raise Http404("No such concern.") from None
    hidden = concern.staff_member_id == user.pk or (
        concern.case_id is not None and Concern.objects.filter(pk=concern.pk).filter(concerns_hidden_from(user)).exists()
    )
    if hidden or not roles_at(user, concern.school_id) & SAFEGUARDING_LEADS:
        refusal_record(
            actor=user,
            action="cases.concern.access_refused",
            obj=concern,
            school=concern.school_id,
            extra={"reason": "not_visible"},
        )
        raise Http404("No such concern.")
    return concern


# --- Pupils and pupil imports ---------------------------------------------------------------------


def lead_school_ids(user) -> list[int]:
    return schools_with_role(user, SAFEGUARDING_LEADS)


def _refuse_record(user, action: str, obj, pk, school_id=None) -> None:
    refusal_record(
        actor=user,
        action=action,
        obj=obj,
        school=school_id,
        extra={"reason": "not_visible" if obj else "not_found"},
        asked_for=asked_for_text(pk),
    )


def _as_id(pk) -> int | None:
    text = str(pk)
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 2**63 else None


def get_pupil_for_lead(user, pk) -> Pupil:
    """A pupil of a school where ``user`` is a DSL or deputy (import, search, correction)."""
    found = None
    if _as_id(pk) is not None:
        found = (
            Pupil.objects.filter(pk=_as_id(pk))
            .select_related("school")
            .annotate(has_cases=Exists(CaseChild.objects.filter(pupil=OuterRef("pk"))))
            .first()
        )
    if found is None or found.school_id not in lead_school_ids(user):
        _refuse_record(user, "cases.pupil.access_refused", found and ("cases.pupil", found.pk), pk, found and found.school_id)
        raise Http404("No such pupil.")
    return found


def get_pupil_import_for_lead(user, pk, *, with_content: bool = False) -> PupilImport:
    found = None
    if _as_id(pk) is not None:
        qs = PupilImport.objects.filter(pk=_as_id(pk)).select_related("school", "uploaded_by")
        found = (qs if with_content else qs.defer("content")).first()
    if found is None or found.school_id not in lead_school_ids(user):
        _refuse_record(
            user, "cases.pupil_import.access_refused", found and ("cases.pupilimport", found.pk), pk, found and found.school_id
        )
        raise Http404("No such pupil import.")
    return found


def get_pupil_for_reader(user, pk) -> tuple[Pupil, list[int]]:
    """A pupil and the ids of their cases ``user`` may read: the school's DSLs and head read the
    pupil's whole record; pastoral staff only through the cases assigned to them."""
    pupil = Pupil.objects.filter(pk=_as_id(pk)).select_related("school").first() if _as_id(pk) is not None else None
    visible: list[int] = []
    if pupil is not None:
        visible = list(cases_visible_to(user).filter(children__pupil_id=pupil.pk).values_list("pk", flat=True).distinct())
    if pupil is None or (not visible and not roles_at(user, pupil.school_id) & READS_ALL_CASES):
        _refuse_record(user, "cases.pupil.access_refused", pupil and ("cases.pupil", pupil.pk), pk, pupil and pupil.school_id)
        raise Http404("No such pupil.")
    return pupil, visible


def get_transfer_for_lead(user, pk) -> FileTransfer:
    """A child's file leaving a school where ``user`` is a DSL or deputy (KCSIE: the DSL's duty)."""
    found = None
    if _as_id(pk) is not None:
        found = FileTransfer.objects.filter(pk=_as_id(pk)).select_related("school", "pupil", "receiving_school").first()
    if found is None or found.school_id not in lead_school_ids(user):
        _refuse_record(
            user, "desk.transfer.access_refused", found and ("cases.filetransfer", found.pk), pk, found and found.school_id
        )
        raise Http404("No such transfer.")
    return found


def get_received_for_lead(user, pk) -> ReceivedFile:
    """A child's file that came to a school where ``user`` is a DSL or deputy."""
    found = None
    if _as_id(pk) is not None:
        found = ReceivedFile.objects.filter(pk=_as_id(pk)).select_related("school", "pupil", "transfer").first()
    if found is None or found.school_id not in lead_school_ids(user):
        _refuse_record(
            user, "desk.received_file.access_refused", found and ("cases.receivedfile", found.pk), pk, found and found.school_id
        )
        raise Http404("No such file.")
    return found


# --- Retention (issue 19) -------------------------------------------------------------------------


def retention_school_ids(user) -> list[int]:
    """The schools where ``user`` may see pupils' retention: the DSLs, deputies and the head."""
    return schools_with_role(user, READS_ALL_CASES)


def get_pupil_for_retention(user, pk) -> Pupil:
    """A pupil of a school where ``user`` is a DSL, a deputy or the head (their records' review,
    holds and destruction); to anyone else no such pupil (404, audited)."""
    found = Pupil.objects.filter(pk=_as_id(pk)).select_related("school").first() if _as_id(pk) is not None else None
    if found is None or found.school_id not in retention_school_ids(user):
        _refuse_record(user, "desk.retention.access_refused", found and ("cases.pupil", found.pk), pk, found and found.school_id)
        raise Http404("No such pupil.")
    return found


def get_hold_for_retention(user, pk) -> LegalHold:
    """A legal hold at a school where ``user`` is a DSL, a deputy or the head; 404 (audited) otherwise."""
    found = None
    if _as_id(pk) is not None:
        found = LegalHold.objects.filter(pk=_as_id(pk)).select_related("school", "pupil", "case").first()
    if found is None or found.school_id not in retention_school_ids(user):
        _refuse_record(
            user, "desk.retention.access_refused", found and ("cases.legalhold", found.pk), pk, found and found.school_id
        )
        raise Http404("No such hold.")
    return found


def request_school_ids(user) -> list[int]:
    """The schools whose subject access requests ``user`` may see: DSL, deputy or head there."""
    return schools_with_role(user, READS_ALL_CASES)


def get_request_for_reader(user, pk) -> SubjectAccessRequest:
    """A subject access request of a school where ``user`` is a DSL, deputy or the head (issue 19:
    nothing about a request appears to anyone else). Anyone else: 404, and the refusal audited."""
    found = None
    if _as_id(pk) is not None:
        found = SubjectAccessRequest.objects.filter(pk=_as_id(pk)).select_related("school", "pupil").first()
    if found is None or found.school_id not in request_school_ids(user):
        _refuse_record(
            user, "desk.sar.access_refused", found and ("cases.subjectaccessrequest", found.pk), pk, found and found.school_id
        )
        raise Http404("No such request.")
    return found


def get_received_for_reader(user, pk) -> ReceivedFile:
    """A file that came to a school where ``user`` reads every case (its DSLs, deputies and the
    head: the file joins the pupil's record); anyone else, or a file that is not there, is a 404
    on record. Answering it (accept, decline) is for the DSLs: ``get_received_for_lead``."""
    found = None
    if _as_id(pk) is not None:
        found = ReceivedFile.objects.filter(pk=_as_id(pk)).select_related("school", "pupil", "transfer").first()
    if found is None or not roles_at(user, found.school_id) & READS_ALL_CASES:
        _refuse_record(
            user, "desk.received_file.access_refused", found and ("cases.receivedfile", found.pk), pk, found and found.school_id
        )
        raise Http404("No such file.")
    return found
