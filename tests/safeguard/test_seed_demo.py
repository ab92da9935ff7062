"""Demo data: fictional, idempotent, refused in production; each demo login lands on its home page."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case, CaseAssignment, Pupil
from desk.demo.people import ACCOUNTS, birth_range_for_year_group
from safeguard.models import School, User


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def test_seed_demo_makes_two_schools_pupils_cases_and_accounts(demo):
    assert School.objects.count() == 2
    assert Pupil.objects.count() >= 300
    assert Case.objects.count() >= 4
    assert set(User.objects.values_list("email", flat=True)) == {a[0] for a in ACCOUNTS}


def test_pastoral_demo_accounts_assignment(demo):
    assert CaseAssignment.objects.filter(user__email="pastoral@demo.example", ended_at__isnull=True).count() == 1
    assert not CaseAssignment.objects.filter(user__email="pastoral2@demo.example").exists()


def test_seed_demo_is_idempotent(demo):
    call_command("seed_demo", verbosity=0)
    assert School.objects.count() == 2


def test_seed_demo_refuses_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(SystemExit, match="production"):
        call_command("seed_demo", verbosity=0)


def totp_now(user) -> str:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).order_by("-id").first()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


@pytest.mark.parametrize(
    ("email", "marker"),
    [
        ("dsl@demo.example", b"Open cases"),
        ("deputy@demo.example", b"Open cases"),
        ("pastoral@demo.example", b"Open cases assigned to you ("),
        ("pastoral2@demo.example", b"No open case is assigned to you"),
        ("head@demo.example", b"Cases at Northbrook Demo Academy"),
        ("itadmin@demo.example", b"Staff accounts"),
        ("dsl@other.example", b"Open cases"),
    ],
)
def test_each_demo_account_logs_in_sets_up_a_second_factor_and_lands_on_its_home_page(demo, client, email, marker):
    response = client.post(reverse("login"), {"username": email, "password": settings.SAFEGUARD_DEMO_PASSWORD}, follow=True)
    assert response.status_code == 200
    user = User.objects.get(email=email)
    if email.startswith(("pastoral", "staff")):
        # Without a second factor: home offers only raising a concern, and no case opens.
        assert response.redirect_chain[-1][0] == reverse("home")
        assert b"Raise a concern" in response.content and marker not in response.content
    else:
        # The roles that must use a second factor are asked to set one up at once.
        assert response.redirect_chain[-1][0].startswith(reverse("otp_setup"))
    setup = client.get(reverse("otp_setup"))
    assert b"<svg" in setup.content
    done = client.post(reverse("otp_setup"), {"token": totp_now(user), "next": reverse("home")})
    assert b"Your backup codes" in done.content
    home = client.get(reverse("home"))
    assert marker in home.content


def test_year_group_birth_ranges_follow_the_english_school_year():
    # In November 2026, Year 7 were born from 1 Sept 2014 to 31 Aug 2015.
    assert birth_range_for_year_group(7, date(2026, 11, 23)) == (date(2014, 9, 1), date(2015, 8, 31))
    assert birth_range_for_year_group(7, date(2027, 3, 1)) == (date(2014, 9, 1), date(2015, 8, 31))
