"""The IT administrator's staff page: add staff, set roles, deactivate; sessions end at once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from safeguard.models import AuditEvent, StaffRole, User
from safeguard.services import staff_create, staff_deactivate, staff_set_roles
from tests.factories import staff


def test_it_admin_adds_a_member_of_staff_who_gets_a_set_password_link(
    it_admin, school, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(it_admin).post(
            reverse("staff_add"), {"full_name": "Nia New", "email": "Nia.New@Hillside.example", "roles": ["pastoral"]}
        )
    assert response.status_code == 302
    user = User.objects.get(email="nia.new@hillside.example")
    assert not user.has_usable_password()
    assert list(StaffRole.objects.filter(user=user).values_list("school_id", "role")) == [(school.pk, "pastoral")]
    assert len(mail.outbox) == 1 and "/password/set/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="safeguard.staff.added", object_id=str(user.pk)).count() == 1


def test_new_member_sets_password_from_the_link_and_logs_in(it_admin, school, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        staff_create(actor=it_admin, school=school, email="new@hillside.example", full_name="New Person", roles=["staff"])
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/set/" in line)
    path = link.split("8000", 1)[1] if "8000" in link else link
    page = client.get(path, follow=True)
    assert page.status_code == 200
    set_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    done = client.post(set_url, {"new_password1": "a-long-new-passphrase", "new_password2": "a-long-new-passphrase"})
    assert done.status_code == 302
    logged_in = client.post(reverse("login"), {"username": "new@hillside.example", "password": "a-long-new-passphrase"})
    assert logged_in.status_code == 302 and logged_in["Location"] == reverse("home")


def test_adding_without_a_role_is_refused_with_a_message(it_admin, login):
    response = login(it_admin).post(reverse("staff_add"), {"full_name": "No Role", "email": "norole@hillside.example"})
    assert response.status_code == 200
    assert b"This field is required" in response.content or b"Choose at least one role" in response.content
    assert b"No Role" in response.content  # what was typed is kept
    assert not User.objects.filter(email="norole@hillside.example").exists()


def test_adding_someone_already_at_the_school_is_refused(it_admin, pastoral, school):
    with pytest.raises(ValidationError):
        staff_create(actor=it_admin, school=school, email=pastoral.email, full_name="x", roles=["staff"])


def test_only_it_admin_can_manage_staff(dsl, school):
    with pytest.raises(ValidationError):
        staff_create(actor=dsl, school=school, email="x@hillside.example", full_name="X", roles=["staff"])


def test_role_change_ends_that_persons_sessions_at_once(it_admin, head, case, login):
    head_client = login(head)
    assert head_client.get(reverse("case_detail", args=[case.pk])).status_code == 200
    response = login(it_admin).post(reverse("staff_edit", args=[head.pk]), {"roles": ["staff"]})
    assert response.status_code == 302
    assert set(StaffRole.objects.filter(user=head).values_list("role", flat=True)) == {"staff"}
    # The old session is over: the next request is sent to the login page.
    after = head_client.get(reverse("case_detail", args=[case.pk]))
    assert after.status_code == 302 and after["Location"].startswith(reverse("login"))
    event = AuditEvent.objects.get(action="safeguard.staff.roles_changed")
    assert event.extra == {"added": ["staff"], "waiting_for_approval": [], "removed": ["head"], "withdrawn": []}


def test_deactivation_ends_sessions_and_blocks_login(it_admin, pastoral, school, login, client):
    teacher = login(pastoral)
    assert teacher.get(reverse("home")).status_code == 200
    response = login(it_admin).post(reverse("staff_deactivate", args=[pastoral.pk]), {"confirm": "on"})
    assert response.status_code == 302
    pastoral.refresh_from_db()
    assert not pastoral.is_active
    assert teacher.get(reverse("home")).status_code == 302
    refused = client.post(reverse("login"), {"username": pastoral.email, "password": "correct-horse-battery"})
    assert refused.status_code == 200 and b"The email address or password is not right" in refused.content


def test_it_admin_cannot_change_own_roles_or_deactivate_self(it_admin, school):
    with pytest.raises(ValidationError):
        staff_set_roles(actor=it_admin, school=school, user=it_admin, roles=["dsl"])
    with pytest.raises(ValidationError):
        staff_deactivate(actor=it_admin, school=school, user=it_admin)


def test_it_admin_cannot_deactivate_someone_who_works_at_another_school(it_admin, school, other_school):
    both = staff(school, "pastoral")
    StaffRole.objects.create(user=both, school=other_school, role="pastoral")
    with pytest.raises(ValidationError, match="another school|school you do not administer"):
        staff_deactivate(actor=it_admin, school=school, user=both)


def test_it_admin_of_one_school_cannot_edit_staff_of_another(it_admin, other_dsl, login):
    assert login(it_admin).get(reverse("staff_edit", args=[other_dsl.pk])).status_code == 404


def test_staff_page_lists_roles_without_a_query_per_person(it_admin, school, login, django_assert_max_num_queries):
    for _ in range(20):
        staff(school, "pastoral", "staff")
    client = login(it_admin)
    # 15: the header asks once whether they are a trust's safeguarding lead (its "Trust report"
    # link), and the page lists the trust's safeguarding leads.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("staff_list"))
    assert response.status_code == 200
