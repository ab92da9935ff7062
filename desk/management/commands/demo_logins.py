"""Prints where Safeguard is running, the demo logins, how to get past the second factor, and
which demo pupils are under 13 today (used by `make run`). Never in production."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Pupil
from desk.demo.people import (
    ACCOUNTS,
    DEMO_TOTP_KEY,
    DEMO_TOTP_KEY_HEX,
    DEMO_TRUST,
    SCHOOLS,
    TRUST_LEAD_ACCOUNT,
    assert_not_production,
    under_13_today,
)
from desk.demo.transfers import moving_pupil
from safeguard.models import School, User
from safeguard.roles import Role, needs_second_factor

#: How many under-13 pupils to name per year group: enough to try criterion C3 with.
UNDER_13_EXAMPLES = 3


def _long_date(value) -> str:
    return f"{value.day} {value:%B %Y}"


class Command(BaseCommand):
    help = "Print the local URL, the demo accounts with their second factor, and the demo pupils under 13."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port: int, **options):
        assert_not_production("demo_logins")
        write = self.stdout.write
        line = "-" * 72
        write(line)
        write(self.style.SUCCESS(f"Safeguard is starting at  http://127.0.0.1:{port}/"))
        write(f"Demo password for every account:  {settings.SAFEGUARD_DEMO_PASSWORD}")
        write("")
        write("Second factor: after the password, most demo accounts ask for a 6-digit code. Type this key")
        write('into any authenticator app ("enter a setup key", time-based); one entry serves every demo account:')
        write(f"    {DEMO_TOTP_KEY}")
        write("Or type one of the account's backup codes below instead (each works once).")
        write("")
        for email, name, school_index, roles in ACCOUNTS:
            labels = ", ".join(Role(r).label for r in roles)
            write(f"  {email:<26} {name:<16} {labels} — {SCHOOLS[school_index]['name']}")
            write(f"  {'':<26} {self._second_factor(email, roles)}")
        email, name = TRUST_LEAD_ACCOUNT
        write(f"  {email:<26} {name:<16} Trust safeguarding lead — {DEMO_TRUST} (the trust report; one case granted)")
        write(f"  {'':<26} {self._second_factor(email, [], required=True)}")
        write("")
        write("Signing in with the school's accounts: run `make provider` in a second terminal, then use")
        write('"Sign in with your school account" on the login page (the provider\'s password for every')
        write('demo account is "provider-demo-pass"). The DSL is still asked for the second factor.')
        write("")
        self._under_13()
        self._moving()
        write("")
        write("Web server, Celery worker and Celery beat run together; press Ctrl-C once to stop them all.")
        write(line)

    def _moving(self) -> None:
        """The demo pupil whose family is moving to the second demo school (issue 18)."""
        school = School.objects.filter(name=SCHOOLS[0]["name"]).first()
        if school is None:
            return
        pupil = moving_pupil(school)
        if pupil.left_on is not None:
            return
        self.stdout.write("")
        self.stdout.write(
            f"A child's file to send: {pupil.full_name} ({pupil.year_group_label}) is moving to {SCHOOLS[1]['name']}. "
            "As the DSL, open their pupil page, mark them as leaving, and send their file; then log in as "
            "dsl@other.example to accept it."
        )

    def _second_factor(self, email: str, roles: list[str], *, required: bool = False) -> str:
        """``required``: a second factor is needed whatever the roles (the trust's safeguarding lead)."""
        user = User.objects.filter(email=email).first()
        keys = set(TOTPDevice.objects.filter(user=user, confirmed=True).values_list("key", flat=True)) if user else set()
        if not keys:
            if required or needs_second_factor(roles):
                return "sets up a second factor at first login"
            return "no second factor: raises concerns only"
        if DEMO_TOTP_KEY_HEX not in keys:
            return "uses the authenticator app you set up for it"
        codes = list(
            StaticToken.objects.filter(device__user=user, device__confirmed=True).order_by("id").values_list("token", flat=True)
        )
        if not codes:
            return "the demo key (its backup codes are used up)"
        return "the demo key, or a backup code: " + ", ".join(codes)

    def _under_13(self) -> None:
        """Criterion C3 counts age on the date of the incident; these are under 13 today."""
        today = timezone.localdate()
        school = SCHOOLS[0]["name"]
        pupils = list(Pupil.objects.filter(school__code=SCHOOLS[0]["code"]).order_by("year_group", "date_of_birth", "id"))
        young = under_13_today(pupils, today)
        self.stdout.write(f"Pupils under 13 today ({_long_date(today)}), from their dates of birth: {len(young)} at {school},")
        self.stdout.write("all of Year 7 and the Year 8 pupils not yet 13. A child under 13 on the date of the incident")
        self.stdout.write("means a police referral is required. For example:")
        for year_group in sorted({p.year_group for p in young}):
            # The oldest of each year who are still 12: the ones whose birthday decides it.
            group = [p for p in young if p.year_group == year_group][:UNDER_13_EXAMPLES]
            for pupil in group:
                self.stdout.write(f"    {pupil.full_name} (Year {pupil.year_group}, born {_long_date(pupil.date_of_birth)})")
