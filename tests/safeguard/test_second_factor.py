"""The second factor: required for DSLs, deputies, heads and IT admins; others only raise concerns
until they have one; backup codes; re-authentication before exports and role changes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.models import AuditEvent
from safeguard.second_factor import has_second_factor


def code_for(user) -> str:
    device = TOTPDevice.objects.filter(user=user).order_by("-id").first()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def enrol(client, user) -> list[str]:
    client.get(reverse("otp_setup"))
    response = client.post(reverse("otp_setup"), {"token": code_for(user), "next": "/"})
    assert b"Your backup codes" in response.content
    return list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def test_a_dsl_is_asked_to_enrol_at_first_login_and_cannot_open_a_case_until_they_have(dsl, case, client):
    response = client.post(reverse("login"), {"username": dsl.email, "password": "correct-horse-battery"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("otp_setup"))
    opened = client.get(reverse("case_detail", args=[case.pk]))
    assert opened.status_code == 302 and opened["Location"].startswith(reverse("otp_setup"))
    for name, args in [("case_list", []), ("disclosure_new", []), ("notification_list", []), ("pupil_search", [])]:
        assert client.get(reverse(name, args=args))["Location"].startswith(reverse("otp_setup")), name
    enrol(client, dsl)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200
    assert AuditEvent.objects.filter(action="safeguard.second_factor.enrolled", actor=dsl).count() == 1


def test_a_wrong_code_is_refused_with_a_message(dsl, client):
    client.force_login(dsl)
    client.get(reverse("otp_setup"))
    response = client.post(reverse("otp_setup"), {"token": "000000"})
    assert b"That code is not right" in response.content
    assert not has_second_factor(dsl)


def test_next_login_asks_for_the_code_then_returns_where_you_were(dsl, case, client):
    client.force_login(dsl)
    enrol(client, dsl)
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": dsl.email, "password": "correct-horse-battery"})
    target = reverse("case_detail", args=[case.pk])
    asked = client.get(target)
    assert asked["Location"].startswith(reverse("otp_verify"))
    # Codes are single-use within their time step: wait for django-otp's next window by using a backup code.
    code = StaticToken.objects.filter(device__user=dsl).values_list("token", flat=True).first()
    done = client.post(reverse("otp_verify"), {"token": code, "next": target})
    assert done.status_code == 302 and done["Location"] == target
    assert not StaticToken.objects.filter(device__user=dsl, token=code).exists()  # used once


def test_next_cannot_send_you_off_site_after_the_code(dsl, client):
    client.force_login(dsl)
    enrol(client, dsl)
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": dsl.email, "password": "correct-horse-battery"})
    code = StaticToken.objects.filter(device__user=dsl).values_list("token", flat=True).first()
    done = client.post(reverse("otp_verify"), {"token": code, "next": "https://evil.example/"})
    assert done["Location"] == reverse("home")


def test_pastoral_staff_without_a_second_factor_can_only_raise_concerns(pastoral, case, client):
    client.post(reverse("login"), {"username": pastoral.email, "password": "correct-horse-battery"})
    home = client.get(reverse("home"))
    assert home.status_code == 200 and b"Raise a concern" in home.content and case.reference.encode() not in home.content
    assert client.get(reverse("concern_new")).status_code == 200
    assert client.get(reverse("case_detail", args=[case.pk]))["Location"].startswith(reverse("otp_setup"))
    enrol(client, pastoral)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["head", "it_admin", "deputy"])
def test_every_role_that_needs_it_is_sent_to_set_it_up(persona, personas, client):
    user = personas[persona]
    response = client.post(reverse("login"), {"username": user.email, "password": "correct-horse-battery"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("otp_setup"))
    assert client.get(reverse("concern_new")).status_code == 200  # still able to raise a concern


def test_role_changes_ask_for_the_password_and_a_code_again(it_admin, pastoral, client):
    client.force_login(it_admin)
    enrol(client, it_admin)
    session = client.session
    session["safeguard_reauth_at"] = 0  # the proof is old
    session.save()
    url = reverse("staff_edit", args=[pastoral.pk])
    asked = client.get(url)
    assert asked["Location"].startswith(reverse("reauth"))
    wrong = client.post(reverse("reauth"), {"password": "nope", "token": "123456", "next": url})
    assert b"That password is not right." in wrong.content
    code = StaticToken.objects.filter(device__user=it_admin).values_list("token", flat=True).first()
    ok = client.post(reverse("reauth"), {"password": "correct-horse-battery", "token": code, "next": url})
    assert ok["Location"] == url
    assert client.get(url).status_code == 200


def test_the_it_admin_resets_a_lost_second_factor(it_admin, staff_member, login, django_capture_on_commit_callbacks):
    login(staff_member)  # gives them a device
    assert has_second_factor(staff_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(it_admin).post(reverse("staff_reset_second_factor", args=[staff_member.pk]))
    assert response.status_code == 302
    assert not has_second_factor(staff_member)
    assert AuditEvent.objects.filter(action="safeguard.second_factor.reset", object_id=str(staff_member.pk)).count() == 1
    from django.core import mail

    assert [m.to for m in mail.outbox] == [[staff_member.email]] and "reset" in mail.outbox[0].body


def test_new_backup_codes_replace_the_old(dsl, client):
    client.force_login(dsl)
    old = enrol(client, dsl)  # entering the code is also a fresh proof of who this is
    response = client.post(reverse("otp_backup_codes"))
    assert b"Your backup codes" in response.content
    new = list(StaticToken.objects.filter(device__user=dsl).values_list("token", flat=True))
    assert len(new) == 10 and not set(old) & set(new)
