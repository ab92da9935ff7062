"""The permission gateway: who may read which case, and what a refusal looks like."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from cases.access import cases_visible_to, get_case_for_user
from cases.services import case_assign, case_unassign
from safeguard.models import AuditEvent, StaffRole
from safeguard.roles import CaseAction, Role, case_actions
from tests.factories import make_case, staff


def test_pastoral_teacher_cannot_see_unassigned_case(case, pastoral_unassigned, login):
    response = login(pastoral_unassigned).get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 404
    assert not cases_visible_to(pastoral_unassigned).exists()


def test_pastoral_teacher_reads_assigned_case(case, pastoral, login):
    response = login(pastoral).get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert list(cases_visible_to(pastoral)) == [case]


def test_pastoral_teacher_loses_access_the_moment_they_are_unassigned(case, pastoral, dsl, login):
    client = login(pastoral)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200
    case_unassign(actor=dsl, case=case, user=pastoral)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    assert not cases_visible_to(pastoral).exists()


def test_unassign_through_the_page_revokes_on_next_request(case, pastoral, dsl, login):
    teacher = login(pastoral)
    assert teacher.get(reverse("case_detail", args=[case.pk])).status_code == 200
    response = login(dsl).post(reverse("case_unassign", args=[case.pk, pastoral.pk]))
    assert response.status_code == 302
    assert teacher.get(reverse("case_detail", args=[case.pk])).status_code == 404


def test_assign_through_the_page_grants_access(case, pastoral_unassigned, dsl, login):
    teacher = login(pastoral_unassigned)
    assert teacher.get(reverse("case_detail", args=[case.pk])).status_code == 404
    login(dsl).post(reverse("case_assign", args=[case.pk]), {"user": pastoral_unassigned.pk})
    assert teacher.get(reverse("case_detail", args=[case.pk])).status_code == 200


def test_it_admin_gets_404_on_every_case(case, other_case, it_admin, login):
    client = login(it_admin)
    for target in (case, other_case):
        assert client.get(reverse("case_detail", args=[target.pk])).status_code == 404
    assert not cases_visible_to(it_admin).exists()


def test_it_admin_who_is_also_assigned_still_needs_a_case_role(case, it_admin, dsl, login):
    # Being granted the object permission alone gives nothing without the pastoral role.
    from guardian.shortcuts import assign_perm

    assign_perm("view_case", it_admin, case)
    assert login(it_admin).get(reverse("case_detail", args=[case.pk])).status_code == 404


def test_other_school_dsl_gets_404(case, other_dsl, login):
    assert login(other_dsl).get(reverse("case_detail", args=[case.pk])).status_code == 404
    assert not cases_visible_to(other_dsl).filter(pk=case.pk).exists()


def test_head_reads_every_case_of_their_school_only(case, other_case, head, dsl, school, login):
    second = make_case(actor=dsl, school=school)
    assert set(cases_visible_to(head)) == {case, second}
    assert login(head).get(reverse("case_detail", args=[other_case.pk])).status_code == 404


def test_head_cannot_manage_a_case(case, head, pastoral_unassigned, login):
    response = login(head).post(reverse("case_assign", args=[case.pk]), {"user": pastoral_unassigned.pk})
    assert response.status_code == 403


def test_pastoral_cannot_assign_others(case, pastoral, pastoral_unassigned, login):
    response = login(pastoral).post(reverse("case_assign", args=[case.pk]), {"user": pastoral_unassigned.pk})
    assert response.status_code == 403


def test_trust_role_at_one_school_does_not_open_another(case, other_school, school):
    person = staff(other_school, "dsl")
    StaffRole.objects.create(user=person, school=school, role=Role.IT_ADMIN)
    with pytest.raises(Http404):
        get_case_for_user(person, case.pk, CaseAction.VIEW)


def test_missing_case_is_a_plain_404_in_the_layout(dsl, login):
    response = login(dsl).get(reverse("case_detail", args=[999999]))
    assert response.status_code == 404
    assert b"Not found" in response.content
    assert b"Skip to main content" in response.content


def test_refusals_are_audited_without_revealing_anything(case, it_admin, head):
    with pytest.raises(Http404):
        get_case_for_user(it_admin, case.pk, CaseAction.VIEW)
    with pytest.raises(PermissionDenied):
        get_case_for_user(head, case.pk, CaseAction.MANAGE)
    with pytest.raises(Http404):
        get_case_for_user(head, 424242, CaseAction.VIEW)
    refused = list(AuditEvent.objects.filter(action="cases.case.access_refused").order_by("id"))
    assert [(e.actor_id, e.extra["reason"]) for e in refused] == [
        (it_admin.pk, "not_visible"),
        (head.pk, "not_permitted"),
        (head.pk, "not_found"),
    ]
    assert refused[0].object_id == str(case.pk) and refused[0].school_id == case.school_id


def test_role_removed_takes_effect_on_next_request(case, head, login):
    client = login(head)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200
    StaffRole.objects.filter(user=head).delete()
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404


def test_assignment_requires_pastoral_role(case, dsl, head):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        case_assign(actor=dsl, case=case, user=head)


@pytest.mark.parametrize(
    ("roles", "assigned", "expected"),
    [
        ({"dsl"}, False, set(CaseAction)),
        ({"deputy_dsl"}, False, set(CaseAction)),
        ({"head"}, False, {CaseAction.VIEW, CaseAction.READ_IN_FULL, CaseAction.VIEW_ACCESS_LOG}),
        (
            {"pastoral"},
            True,
            {
                CaseAction.VIEW,
                CaseAction.READ_IN_FULL,
                CaseAction.ADD_NOTE,
                CaseAction.COMPLETE_OWN_ACTION,
                CaseAction.WORK_OWN_STEP,
            },
        ),
        ({"pastoral"}, False, set()),
        ({"it_admin"}, True, set()),
        ({"staff"}, False, set()),
        (set(), True, set()),
        ({"chair_of_governors"}, False, set()),
    ],
)
def test_case_actions_follow_the_roles_table(roles, assigned, expected):
    assert case_actions(roles, assigned=assigned) == expected
