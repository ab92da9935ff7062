"""Fictional demo data: one trust, two schools, a few hundred pupils, a handful of cases, demo logins.

The demo accounts that read cases or must use a second factor get one already set up: an
authenticator with the published demo key (``DEMO_TOTP_KEY``) and a few backup codes, which
``demo_logins`` prints. Never in production (``assert_not_production``).
"""

from __future__ import annotations

import secrets
from datetime import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Case, Pupil
from cases.services.grants import case_grant_trust_lead
from desk.demo.cases import seed_demo_cases
from desk.demo.people import (
    ACCOUNTS,
    DEMO_BACKUP_CODES,
    DEMO_TOTP_KEY_HEX,
    DEMO_TRUST,
    SCHOOLS,
    TRUST_LEAD_ACCOUNT,
    assert_not_production,
    demo_pupils,
    has_demo_second_factor,
)
from desk.demo.reports import seed_demo_report_history
from desk.demo.retention import seed_demo_retention
from desk.demo.roll import seed_demo_roll_feed
from desk.demo.sign_in import seed_demo_sign_in
from desk.demo.transfers import seed_demo_transfers
from safeguard.models import School, SignInProvider, StaffRole, Trust, TrustLead, User
from safeguard.second_factor import APP_DEVICE_NAME, BACKUP_DEVICE_NAME, has_second_factor
from safeguard.services import trust_lead_appoint


class Command(BaseCommand):
    help = (
        "Create fictional demo data and demo accounts, the demo second factor set up. If the demo trust already "
        "exists, only sets up the demo second factor for demo accounts that have none."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pupils", type=int, default=300, help="Pupils in the first school (default 300).")

    def handle(self, *args, pupils: int, **options):
        assert_not_production("seed_demo")
        if Trust.objects.filter(name=DEMO_TRUST).exists():
            # Demo data made before the demo accounts had a second factor: give it to those
            # still without one (an account that set up its own keeps it).
            with transaction.atomic():
                given = [user.email for user in demo_second_factor_missing() if give_demo_second_factor(user)]
                lead = demo_trust_lead(Trust.objects.get(name=DEMO_TRUST))
                if lead is not None:
                    given.append(f"{lead.email} (the trust's safeguarding lead, new)")
                # Demo data made before signing in with the school's accounts (issue 20).
                first = School.objects.filter(name=SCHOOLS[0]["name"]).first()
                it_admin = User.objects.filter(email="itadmin@demo.example").first()
                sign_in_new = (
                    first is not None and it_admin is not None and not SignInProvider.objects.filter(school=first).exists()
                )
                if sign_in_new:
                    seed_demo_sign_in(school=first, it_admin=it_admin)
            if sign_in_new:
                self.stdout.write("Demo data is already present; set up signing in through the test provider (make provider).")
            if given:
                self.stdout.write(f"Demo data is already present; set up the demo second factor for {', '.join(given)}.")
            elif not sign_in_new:
                self.stdout.write("Demo data is already present; nothing to do.")
            return
        with transaction.atomic():
            self._seed(pupils)
        self.stdout.write(self.style.SUCCESS("Demo data created."))

    def _seed(self, pupil_count: int) -> None:

        today = timezone.localdate()
        trust = Trust.objects.create(name=DEMO_TRUST)
        schools = [School.objects.create(trust=trust, **spec) for spec in SCHOOLS]
        # The demo school has no quiet hours, so reminders can be seen whenever the demo is tried.
        School.objects.filter(pk=schools[0].pk).update(quiet_hours_start=time(0, 0), quiet_hours_end=time(0, 0))
        schools[0].refresh_from_db()
        users = {}
        for email, name, school_index, roles in ACCOUNTS:
            user = User.objects.create_user(email=email, full_name=name, password=settings.SAFEGUARD_DEMO_PASSWORD)
            for role in roles:
                StaffRole.objects.create(user=user, school=schools[school_index], role=role)
            if has_demo_second_factor(roles):
                give_demo_second_factor(user)
            users[email] = user
        for index, school in enumerate(schools):
            count = pupil_count if index == 0 else max(pupil_count // 3, 20)
            Pupil.objects.bulk_create(Pupil(school=school, **row) for row in demo_pupils(index, count, today))
        seed_demo_cases(schools=schools, users=users, today=today)
        lead = demo_trust_lead(trust)
        # One case the DSL granted the trust's lead, so that what they can read is there to try.
        first_case = Case.objects.filter(school=schools[0]).order_by("pk").first()
        case_grant_trust_lead(actor=users["dsl@demo.example"], case=first_case, user=lead)

        seed_demo_report_history(school=schools[0], users=users, today=today)
        seed_demo_transfers(schools=schools, users=users, today=today)
        seed_demo_retention(schools=schools, users=users, today=today)
        seed_demo_roll_feed(school=schools[0], it_admin=users["itadmin@demo.example"])
        seed_demo_sign_in(school=schools[0], it_admin=users["itadmin@demo.example"])


def demo_trust_lead(trust: Trust) -> User | None:
    """The demo trust's safeguarding lead, appointed as the ``trust_lead`` command does, with the
    demo second factor (a trust lead must use one). None if they were there already."""
    email, name = TRUST_LEAD_ACCOUNT
    if TrustLead.objects.filter(user__email=email, trust=trust).exists():
        return None
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, full_name=name, password=settings.SAFEGUARD_DEMO_PASSWORD
    )
    trust_lead_appoint(actor=None, user=user, trust=trust)
    give_demo_second_factor(user)
    return user


def demo_second_factor_missing() -> list[User]:
    """Demo accounts that should have the demo second factor and have no second factor at all."""
    wanted = [email for email, _name, _school, roles in ACCOUNTS if has_demo_second_factor(roles)]
    users = User.objects.filter(email__in=wanted, roles__school__trust__name=DEMO_TRUST).distinct().order_by("id")
    return [user for user in users if not has_second_factor(user)]


def give_demo_second_factor(user: User) -> bool:
    """An authenticator with the published demo key, confirmed, and a few backup codes: the demo
    account logs in with a code at once instead of setting one up. Demo data only."""
    assert_not_production("seed_demo")
    if has_second_factor(user):
        return False
    TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=True, key=DEMO_TOTP_KEY_HEX)
    backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    StaticToken.objects.bulk_create(
        StaticToken(device=backup, token=f"{secrets.randbelow(10**8):08d}") for _ in range(DEMO_BACKUP_CODES)
    )
    return True
