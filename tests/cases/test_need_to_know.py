"""Need to know (issue 17): restricted cases, allegations against staff, break glass.

The attacker's path as well as the user's: a restricted case is the same 404 as a case that does
not exist, for every page of it; the member of staff an allegation is about finds no trace of it
anywhere (lists, home, search, notifications); break glass is per session, alerts the DSLs and is
audited; each bad input gets its message and changes nothing."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.access import cases_visible_to, get_case_for_user
from cases.models import BreakGlass, CaseExclusion, CaseRestriction, RestrictionKind
from referrals.models import Step
from safeguard.models import AlertEmail, AuditEvent, Notification
from safeguard.roles import BREAK_GLASS_ACTIONS, CaseAction, case_actions
from safeguard.workdays import add_working_days
from tests.factories import PupilFactory, make_case, staff

pytestmark = pytest.mark.django_db

SECRET = "Zanzibar-quince-7731"  # in the case's summary and the child's account: found only where it may be


@pytest.fixture
def chair(school):
    return staff(school, "chair_of_governors", full_name="Cora Chair", email="chair@hillside.example")


@pytest.fixture
def teacher(school):
    """A member of staff who also holds a role that reads cases (a deputy DSL)."""
    return staff(school, "deputy_dsl", full_name="Tom Teacher", email="teacher@hillside.example")


def _allegation(dsl, school, named, **facts):
    return make_case(
        actor=dsl,
        school=school,
        pupils=[PupilFactory(school=school)],
        summary=f"Messages from an adult at school. {SECRET}",
        child_account=f"He messaged me at night. {SECRET}",
        adult_involvement="staff",
        staff_member=named,
        **facts,
    )


# --- The rules, as a table ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "facts", "expected"),
    [
        ({"dsl"}, {"restricted": True}, set()),
        ({"dsl"}, {"restricted": True, "named": True}, set(CaseAction)),
        ({"head"}, {"restricted": True}, set()),
        ({"head"}, {"restricted": True, "broke_glass": True}, set(BREAK_GLASS_ACTIONS)),
        ({"deputy_dsl"}, {"restricted": True, "broke_glass": True}, set(BREAK_GLASS_ACTIONS)),
        ({"pastoral"}, {"assigned": True, "restricted": True, "broke_glass": True}, set()),
        ({"dsl"}, {"kept_out": True, "restricted": True, "named": True}, set()),
        ({"head"}, {"kept_out": True, "restricted": True, "broke_glass": True}, set()),
        ({"chair_of_governors"}, {"restricted": True}, set()),
        (
            {"chair_of_governors"},
            {"restricted": True, "named": True},
            {CaseAction.VIEW, CaseAction.READ_IN_FULL, CaseAction.ADD_NOTE, CaseAction.VIEW_ACCESS_LOG},
        ),
        ({"chair_of_governors"}, {}, set()),
        ({"it_admin"}, {"restricted": True, "named": True}, set()),
        (set(), {"granted": True}, {CaseAction.VIEW, CaseAction.READ_IN_FULL}),
    ],
)
def test_the_rules_for_restricted_cases(roles, facts, expected):
    assert case_actions(roles, **{"assigned": False, **facts}) == expected


# --- An allegation against a member of staff --------------------------------------------------------


def test_an_allegation_against_staff_restricts_the_case_and_keeps_the_person_out(school, dsl, deputy, head, teacher, login):
    case = _allegation(dsl, school, teacher, answers={"C1": "yes"})
    case.refresh_from_db()
    assert case.is_restricted
    restriction = CaseRestriction.objects.get(case=case, ended_at__isnull=True)
    assert restriction.kind == RestrictionKind.STAFF
    assert CaseExclusion.objects.filter(case=case, user=teacher, ended_at__isnull=True).exists()
    # The DSLs, deputies and the head read it; the person named never does, though a deputy.
    for reader in (dsl, deputy, head):
        assert login(reader).get(reverse("case_detail", args=[case.pk])).status_code == 200
    client = login(teacher)
    response = client.get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 404
    assert "break the glass" not in response.content.decode()  # no sign that it exists
    for name in ("home", "case_list", "notification_list"):
        assert (
            SECRET not in client.get(reverse(name)).content.decode()
            and case.reference not in client.get(reverse(name)).content.decode()
        )
    link = f'href="{reverse("case_detail", args=[case.pk])}"'
    assert link not in client.get(reverse("search"), {"q": case.reference}).content.decode()
    assert link not in client.get(reverse("search"), {"q": "Zanzibar"}).content.decode()
    assert not cases_visible_to(teacher).filter(pk=case.pk).exists()
    # Not even a cleared notification, nor an email: the required police referral's alert to every
    # lead (C3: the pupil below is 12) passed them by.
    assert Notification.objects.filter(recipient=dsl, case_id=case.pk).exists()
    assert not Notification.objects.filter(recipient=teacher, case_id=case.pk).exists()
    assert not AlertEmail.objects.filter(recipient=teacher, notification__case_id=case.pk).exists()
    # They cannot break the glass either: the same 404.
    assert client.get(reverse("case_break_glass", args=[case.pk])).status_code == 404
    assert client.post(reverse("case_break_glass", args=[case.pk]), {"reason": "x" * 40}).status_code == 404
    assert not BreakGlass.objects.filter(case=case).exists()


def test_the_lado_step_is_suggested_and_due_the_next_working_day(school, dsl, teacher):
    from django.utils import timezone

    case = _allegation(dsl, school, teacher)
    lado = Step.objects.get(case=case, route__code="R8")
    assert lado.state == "suggested" and "LADO" in lado.reason
    assert lado.due_date == add_working_days(timezone.localdate(), 1)


def test_an_allegation_against_the_head_goes_to_the_chair_not_the_head(school, dsl, deputy, head, chair, login):
    case = _allegation(dsl, school, head)
    assert CaseRestriction.objects.get(case=case).kind == RestrictionKind.HEAD
    assert login(head).get(reverse("case_detail", args=[case.pk])).status_code == 404
    for reader in (dsl, deputy, chair):
        assert login(reader).get(reverse("case_detail", args=[case.pk])).status_code == 200, reader
    # The chair reads it and may add a note, but manages nothing.
    allowed = get_case_for_user(chair, case.pk).allowed_actions
    assert CaseAction.ADD_NOTE in allowed and CaseAction.MANAGE not in allowed
    assert list(cases_visible_to(chair)) == [case]
    assert f'href="{reverse("case_detail", args=[case.pk])}"' in login(chair).get(reverse("home")).content.decode()
    # The head's reports list no case-level row of it.
    reports = login(head).get(reverse("reports")).content.decode()
    assert case.reference not in reports


def test_naming_someone_from_another_school_is_refused_and_nothing_is_recorded(school, dsl, other_dsl):
    from cases.models import Case

    before = Case.objects.count()
    with pytest.raises(ValidationError) as refused:
        _allegation(dsl, school, other_dsl)
    assert "not a member of staff at this school" in str(refused.value)
    assert Case.objects.count() == before


def test_the_disclosure_form_names_the_member_of_staff(school, dsl, teacher, login):
    from tests.cases.helpers import disclosure_post

    client = login(dsl)
    data = disclosure_post(adult_involvement="staff", staff_member=teacher.pk)
    response = client.post(reverse("disclosure_new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = CaseExclusion.objects.get(user=teacher).case
    assert case.is_restricted
    # Naming someone but saying no adult is involved: a message beside the field, nothing recorded.
    data = disclosure_post(adult_involvement="none", staff_member=teacher.pk)
    page = client.post(reverse("disclosure_new"), data)
    assert page.status_code == 200
    assert "choose \u201cA member of staff\u201d as the adult involved" in page.content.decode()


# --- A DSL restricts a case -------------------------------------------------------------------------


@pytest.fixture
def restricted(school, dsl, deputy, head, case):
    services.case_restrict(actor=dsl, case=case, people=[dsl], reason="The family asked for the fewest people to know.")
    case.refresh_from_db()
    return case


def test_a_restricted_case_is_a_404_to_the_deputy_and_head_left_out(restricted, deputy, head, pastoral, login):
    for person in (deputy, head, pastoral):
        client = login(person)
        response = client.get(reverse("case_detail", args=[restricted.pk]))
        assert response.status_code == 404
        assert SECRET not in response.content.decode()
        assert restricted.reference not in client.get(reverse("case_list")).content.decode()
        assert restricted.reference not in client.get(reverse("home")).content.decode()
    # The refusal is audited as a restriction, not as an ordinary miss.
    assert AuditEvent.objects.filter(
        action="cases.case.access_refused", object_id=str(restricted.pk), actor=deputy, extra__reason="restricted"
    ).exists()


def test_the_deputy_breaks_the_glass_for_one_session_and_the_dsl_is_told(restricted, dsl, deputy, head, login):
    client = login(deputy)
    page = client.get(reverse("case_detail", args=[restricted.pk])).content.decode()
    assert reverse("case_break_glass", args=[restricted.pk]) in page  # a 404, offering the glass
    short = client.post(reverse("case_break_glass", args=[restricted.pk]), {"reason": "need it"})
    assert short.status_code == 200 and "at least 20 characters" in short.content.decode()
    assert not BreakGlass.objects.exists()
    done = client.post(
        reverse("case_break_glass", args=[restricted.pk]), {"reason": "The child is missing and the DSL cannot be reached."}
    )
    assert done.status_code == 302
    glass = BreakGlass.objects.get()
    assert glass.session_hash == hashlib.sha256(client.session.session_key.encode()).hexdigest()
    case_page = client.get(reverse("case_detail", args=[restricted.pk]))
    assert case_page.status_code == 200 and "by breaking the glass" in case_page.content.decode()
    # Read only: no change.
    assert client.get(reverse("case_decide", args=[restricted.pk])).status_code == 403
    # Every DSL is told at once; the audit log holds it.
    assert Notification.objects.filter(recipient=dsl, kind="break_glass", case_id=restricted.pk).exists()
    assert AuditEvent.objects.filter(action="cases.case.break_glass", actor=deputy, object_id=str(restricted.pk)).exists()
    # It stands out in the head's access report.
    reports = login(head).get(reverse("reports")).content.decode()
    glass_table = reports.split('id="table-break-glass"')[1].split("</table>")[0]
    assert "Dev Deputy" in glass_table and "A restricted case" in glass_table  # the head is not named in it
    assert restricted.reference not in reports
    # Another session of the same deputy: not open.
    assert login(deputy).get(reverse("case_detail", args=[restricted.pk])).status_code == 404
    # The DSL ends it: the next request is refused.
    dsl_client = login(dsl)
    assert dsl_client.post(reverse("break_glass_end", args=[restricted.pk, glass.pk])).status_code == 302
    assert client.get(reverse("case_detail", args=[restricted.pk])).status_code == 404


def test_a_dsl_names_people_and_changes_who_is_named(restricted, dsl, deputy, head, login):
    client = login(dsl)
    page = client.get(reverse("case_restriction", args=[restricted.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("case_restriction", args=[restricted.pk]),
        {"people": [dsl.pk, deputy.pk], "reason": "The deputy covers this week."},
    )
    assert response.status_code == 302
    assert login(deputy).get(reverse("case_detail", args=[restricted.pk])).status_code == 200
    assert login(head).get(reverse("case_detail", args=[restricted.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="cases.case.restriction_changed", extra__added=[deputy.pk]).exists()


@pytest.mark.parametrize(
    ("people", "reason", "message"),
    [
        ([], "A good long reason here.", "Name at least one person"),
        (["head"], "A good long reason here.", "Name at least one DSL or deputy DSL"),
        (["dsl"], "short", "at least 10 characters"),
        (["dsl", "it_admin"], "A good long reason here.", "not a member of staff of this school who can read cases"),
    ],
)
def test_bad_restrictions_are_refused_with_a_clear_message(case, dsl, head, it_admin, people, reason, message):
    by_name = {"dsl": dsl, "head": head, "it_admin": it_admin}
    with pytest.raises(ValidationError, match=message):
        services.case_restrict(actor=dsl, case=case, people=[by_name[p] for p in people], reason=reason)
    case.refresh_from_db()
    assert not case.is_restricted and not CaseRestriction.objects.exists()


def test_the_restriction_form_keeps_what_was_typed_on_a_bad_submission(case, dsl, login):
    client = login(dsl)
    page = client.post(reverse("case_restriction", args=[case.pk]), {"reason": "Family asked for this to stay tight."})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Name at least one person" in html and "Family asked for this to stay tight." in html
    case.refresh_from_db()
    assert not case.is_restricted


def test_removing_the_last_dsl_from_a_restriction_is_refused(restricted, dsl, head):
    with pytest.raises(ValidationError, match="Name at least one DSL or deputy DSL"):
        services.case_restriction_change(actor=dsl, case=restricted, people=[head], reason="Hand it to the head alone.")
    assert get_case_for_user(dsl, restricted.pk).pk == restricted.pk


def test_the_it_admin_cannot_lift_a_restriction_or_name_themselves(restricted, it_admin, login):
    with pytest.raises(ValidationError):
        services.case_restriction_change(actor=it_admin, case=restricted, people=[it_admin], reason="Let me look at it please.")
    with pytest.raises(ValidationError):
        services.case_unrestrict(actor=it_admin, case=restricted, reason="Lifting it for a check.")
    client = login(it_admin)
    assert client.get(reverse("case_restriction", args=[restricted.pk])).status_code == 404
    assert client.post(reverse("case_restriction_lift", args=[restricted.pk]), {"lift_reason": "x" * 20}).status_code == 404
    restricted.refresh_from_db()
    assert restricted.is_restricted


def test_an_allegations_restriction_cannot_be_lifted_while_the_person_is_kept_out(school, dsl, teacher):
    case = _allegation(dsl, school, teacher)
    with pytest.raises(ValidationError, match="stays restricted"):
        services.case_unrestrict(actor=dsl, case=case, reason="No longer needed, we think.")


def test_lifting_a_restriction_opens_the_case_to_the_school_again(restricted, dsl, head, login):
    services.case_unrestrict(actor=dsl, case=restricted, reason="The family agreed the usual team may know.")
    assert login(head).get(reverse("case_detail", args=[restricted.pk])).status_code == 200


# --- A concern about a member of staff ----------------------------------------------------------


def test_a_concern_about_a_dsl_never_reaches_them_and_its_case_is_restricted(school, dsl, deputy, head, staff_member, login):
    from cases.services import ConcernInput, concern_raise

    concern = concern_raise(
        actor=staff_member,
        school=school,
        data=ConcernInput(what_happened=f"Saw the DSL message a pupil late at night. {SECRET}", staff_member=dsl),
    )
    assert not Notification.objects.filter(recipient=dsl, subject=f"concern:{concern.pk}").exists()
    assert Notification.objects.filter(recipient=deputy, subject=f"concern:{concern.pk}").exists()
    client = login(dsl)
    assert client.get(reverse("concern_detail", args=[concern.pk])).status_code == 404
    assert client.get(reverse("disclosure_new"), {"concern": concern.pk}).status_code == 404  # nor open a case from it
    for name in ("home", "concern_list"):
        assert concern.reference not in client.get(reverse(name)).content.decode()
    assert (
        concern.reference
        not in client.get(reverse("search"), {"q": "Zanzibar"}).content.decode().split('id="search-q-help"', 1)[-1]
    )
    # The deputy opens a case from it: restricted at once, the DSL kept out.
    deputy_client = login(deputy)
    assert "About a member of staff: Dee Lead" in deputy_client.get(reverse("concern_detail", args=[concern.pk])).content.decode()
    case = _allegation_from_concern(deputy, school, concern)
    assert case.is_restricted and CaseExclusion.objects.filter(case=case, user=dsl).exists()
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404


def _allegation_from_concern(actor, school, concern):
    from cases.services import disclosure_record
    from tests.factories import disclosure_input

    case = disclosure_record(
        actor=actor, school=school, data=disclosure_input(pupils=[PupilFactory(school=school)]), concern=concern
    )
    case.refresh_from_db()
    return case


def test_a_kept_out_dsl_finds_no_trace_in_needs_a_new_owner(school, dsl, deputy, teacher, pastoral, it_admin, login):
    """Work waiting for a new owner on a case about them is not listed on their home page."""
    from desk.services import staff_leave

    case = _allegation(dsl, school, teacher)
    services.case_assign(actor=dsl, case=case, user=pastoral, view="full")
    staff_leave(actor=it_admin, school=school, user=pastoral, new_owner=None)
    assert case.reference in login(deputy).get(reverse("home")).content.decode()  # waits for a new owner
    assert case.reference not in login(teacher).get(reverse("home")).content.decode()
