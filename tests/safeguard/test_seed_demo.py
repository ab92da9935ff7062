"""Demo data: fictional, idempotent, refused in production; each demo login gets past the second
factor with the printed demo key or a printed backup code and lands on its home page."""

from __future__ import annotations

import io
import re
from base64 import b32decode
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.criteria import age_on
from cases.models import Case, CaseAssignment, Pupil
from desk.demo.people import (
    ACCOUNTS,
    DEMO_BACKUP_CODES,
    DEMO_TOTP_KEY,
    DEMO_TOTP_KEY_HEX,
    TRUST_LEAD_ACCOUNT,
    birth_range_for_year_group,
    under_13_today,
)
from safeguard.models import School, User


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def test_seed_demo_makes_two_schools_pupils_cases_and_accounts(demo):
    assert School.objects.count() == 2
    assert Pupil.objects.count() >= 300
    assert Case.objects.count() >= 4
    assert set(User.objects.values_list("email", flat=True)) == {a[0] for a in ACCOUNTS} | {TRUST_LEAD_ACCOUNT[0]}


def test_the_demo_trust_has_a_safeguarding_lead_with_one_case_granted(demo):
    from cases.trust_grants import cases_granted_to
    from safeguard.models import TrustLead

    lead = TrustLead.objects.get(user__email=TRUST_LEAD_ACCOUNT[0], ended_at__isnull=True)
    assert lead.trust.name == "Demo Learning Trust"
    assert not lead.user.roles.exists()
    assert cases_granted_to(lead.user).count() == 1
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    printed = out.getvalue()
    assert f"{TRUST_LEAD_ACCOUNT[0]}" in printed and "Trust safeguarding lead" in printed
    assert printed.split(TRUST_LEAD_ACCOUNT[0], 1)[1].splitlines()[1].strip().startswith("the demo key, or a backup code: ")


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


def demo_key_code() -> str:
    """The code an authenticator app shows for the printed demo key, computed from the printed form."""
    from django_otp.oath import TOTP

    secret = DEMO_TOTP_KEY.replace(" ", "")
    return f"{TOTP(b32decode(secret + '=' * (-len(secret) % 8))).token():06d}"


def second_factor_line(email: str) -> str:
    """What ``demo_logins`` prints under an account: how it gets past the second factor."""
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    lines = out.getvalue().splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.strip().startswith(email)) + 1]


HOMES = [
    ("dsl@demo.example", b"Open cases"),
    ("deputy@demo.example", b"Open cases"),
    ("pastoral@demo.example", b"Open cases assigned to you ("),
    ("pastoral2@demo.example", b"No open case is assigned to you"),
    ("head@demo.example", b"Cases at Northbrook Demo Academy"),
    ("itadmin@demo.example", b"Staff accounts"),
    ("dsl@other.example", b"Open cases"),
]


@pytest.mark.parametrize(("email", "marker"), HOMES)
def test_each_demo_account_logs_in_with_the_printed_demo_key_and_lands_on_its_home_page(demo, client, email, marker):
    response = client.post(reverse("login"), {"username": email, "password": settings.SAFEGUARD_DEMO_PASSWORD}, follow=True)
    # Its second factor is set up already: it is asked for a code, not to set one up.
    assert response.redirect_chain[-1][0].startswith(reverse("otp_verify"))
    done = client.post(reverse("otp_verify"), {"token": demo_key_code(), "next": reverse("home")}, follow=True)
    assert marker in done.content


@pytest.mark.parametrize("email", ["dsl@demo.example", "head@demo.example", "itadmin@demo.example"])
def test_each_printed_backup_code_of_a_demo_account_works_once(demo, client, email):
    codes = re.findall(r"\b\d{8}\b", second_factor_line(email))
    assert len(codes) == DEMO_BACKUP_CODES

    def log_in_with(code: str):
        client.post(reverse("login"), {"username": email, "password": settings.SAFEGUARD_DEMO_PASSWORD})
        return client.post(reverse("otp_verify"), {"token": code, "next": reverse("home")})

    first = log_in_with(codes[0])
    assert first.status_code == 302 and first["Location"] == reverse("home")
    client.post(reverse("logout"))
    again = log_in_with(codes[0])
    assert again.status_code == 200 and b"That code is not right" in again.content
    # What is printed next is what is left.
    assert re.findall(r"\b\d{8}\b", second_factor_line(email)) == codes[1:]


def test_the_staff_demo_account_raises_concerns_and_can_set_up_a_second_factor_through_the_page(demo, client):
    response = client.post(
        reverse("login"), {"username": "staff@demo.example", "password": settings.SAFEGUARD_DEMO_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Raise a concern" in response.content
    setup = client.get(reverse("otp_setup"))
    assert b"<svg" in setup.content
    user = User.objects.get(email="staff@demo.example")
    done = client.post(reverse("otp_setup"), {"token": totp_now(user), "next": reverse("home")})
    assert b"Your backup codes" in done.content


def test_demo_second_factors_are_only_the_published_key_and_only_for_demo_accounts_that_read_cases(demo):
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__email", flat=True))
    # The trust's safeguarding lead holds no school role, and must use a second factor too.
    wanted = {email for email, _n, _s, roles in ACCOUNTS if roles != ["staff"]} | {TRUST_LEAD_ACCOUNT[0]}
    assert with_device == wanted
    assert set(TOTPDevice.objects.values_list("key", flat=True)) == {DEMO_TOTP_KEY_HEX}
    assert StaticToken.objects.count() == DEMO_BACKUP_CODES * len(with_device)
    # Every backup code is different.
    assert len(set(StaticToken.objects.values_list("token", flat=True))) == StaticToken.objects.count()


def test_seeding_again_sets_up_the_demo_second_factor_only_where_there_is_none(demo):
    dsl, head = User.objects.get(email="dsl@demo.example"), User.objects.get(email="head@demo.example")
    TOTPDevice.objects.filter(user=dsl).delete()  # demo data made before the demo key existed
    StaticDevice.objects.filter(user=dsl).delete()
    TOTPDevice.objects.filter(user=head).update(key="ab" * 20)  # the head set up their own
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "dsl@demo.example" in out.getvalue() and "head@demo.example" not in out.getvalue()
    assert list(TOTPDevice.objects.filter(user=dsl).values_list("key", flat=True)) == [DEMO_TOTP_KEY_HEX]
    assert list(TOTPDevice.objects.filter(user=head).values_list("key", flat=True)) == ["ab" * 20]
    assert "the authenticator app you set up" in second_factor_line("head@demo.example")


def test_demo_logins_prints_the_key_and_says_who_is_under_13_from_dates_of_birth(demo):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    printed = out.getvalue()
    assert DEMO_TOTP_KEY in printed and "authenticator app" in printed
    today = timezone.localdate()
    pupils = Pupil.objects.filter(school__code="NDA")
    young = [p for p in pupils if age_on(p.date_of_birth, today) < 13]
    assert f"from their dates of birth: {len(young)} at Northbrook Demo Academy" in printed
    named = re.findall(r"^    (.+) \(Year (\d+), born ", printed, re.M)
    assert named
    for full_name, year in named:
        pupil = next(p for p in pupils if p.full_name == full_name)
        assert age_on(pupil.date_of_birth, today) < 13 and pupil.year_group == int(year) in (7, 8)
    # Not every Year 8 pupil: the rule is the date of birth, not the year group.
    year_8 = [p for p in pupils if p.year_group == 8]
    assert {p.pk for p in young} == {p.pk for p in pupils if p.year_group == 7} | {
        p.pk for p in year_8 if age_on(p.date_of_birth, today) < 13
    }


def test_the_readme_gives_the_demo_key_and_the_under_13_rule_not_a_list():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert DEMO_TOTP_KEY in readme
    assert "Year 7 or 8, so 12" not in readme and "whose 13th birthday has not come" in readme


def test_demo_logins_refuses_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(SystemExit, match="production"):
        call_command("demo_logins")


@pytest.mark.parametrize(
    ("today", "young"),
    [
        # Year 8 in 2026-27 were born 1 Sept 2013 to 31 Aug 2014: one born 2 Dec 2013 turns 13 on 2 Dec 2026.
        (date(2026, 12, 1), True),
        (date(2026, 12, 2), False),
    ],
)
def test_under_13_today_is_the_criteria_rule_on_the_date_of_birth(today, young):
    pupil = SimpleNamespace(date_of_birth=date(2013, 12, 2))
    assert (under_13_today([pupil], today) == [pupil]) is young


def test_year_group_birth_ranges_follow_the_english_school_year():
    # In November 2026, Year 7 were born from 1 Sept 2014 to 31 Aug 2015.
    assert birth_range_for_year_group(7, date(2026, 11, 23)) == (date(2014, 9, 1), date(2015, 8, 31))
    assert birth_range_for_year_group(7, date(2027, 3, 1)) == (date(2014, 9, 1), date(2015, 8, 31))


def test_the_demo_roll_file_is_imported_by_the_nightly_import(demo, settings, tmp_path):
    """Issue 20, as a tester would try it: the demo MIS file dropped into the demo school's folder
    adds one pupil, moves one up a year and marks one with a case as left, starting their file's checklist."""
    import os
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import FileTransfer, Pupil, PupilImport, RollFeed
    from cases.services.roll_feed import check_all
    from desk.demo.roll import NEW_PUPIL

    settings.SAFEGUARD_ROLL_ROOT = tmp_path
    feed = RollFeed.objects.get()
    assert (feed.folder, feed.preset, feed.enabled) == ("demo-mis", "sims", True)
    out = io.StringIO()
    call_command("demo_roll_file", stdout=out)
    assert "marks" in out.getvalue()
    path = tmp_path / "demo-mis" / "pupils.csv"
    old = (timezone.now() - timedelta(minutes=5)).timestamp()
    os.utime(path, (old, old))
    transfers_before = FileTransfer.objects.count()
    check_all()
    outcome = check_all()[feed.school_id]
    assert "1 added" in outcome and "1 changed" in outcome and "1 marked as left" in outcome, outcome
    assert Pupil.objects.filter(upn=NEW_PUPIL["upn"]).exists()
    assert PupilImport.objects.get(source=PupilImport.Source.NIGHTLY).status == PupilImport.Status.APPLIED
    assert FileTransfer.objects.count() == transfers_before + 1


def test_the_demo_school_signs_in_through_the_test_provider_and_older_demo_data_gains_it(demo):
    from desk.demo.sign_in import DEMO_PROVIDER_ISSUER, DEMO_SECRET_ENV
    from safeguard.models import SignInProvider

    provider = SignInProvider.objects.get()
    assert provider.directory == DEMO_PROVIDER_ISSUER and provider.secret_env == DEMO_SECRET_ENV
    assert provider.password_sign_in and not provider.trust_provider_mfa
    # The Makefile gives the same demo secret to Safeguard and to `make provider`.
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert f"export {DEMO_SECRET_ENV} ?= demo-provider-secret" in makefile
    assert f"--client-secret $({DEMO_SECRET_ENV})" in makefile
    SignInProvider.objects.all().delete()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "set up signing in through the test provider" in out.getvalue()
    assert SignInProvider.objects.get().directory == DEMO_PROVIDER_ISSUER
