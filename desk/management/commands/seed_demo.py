"""Fictional demo data: one trust, two schools, a few hundred pupils, a handful of cases, demo logins."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from cases.models import Pupil
from desk.demo.cases import seed_demo_cases
from desk.demo.people import ACCOUNTS, DEMO_TRUST, SCHOOLS, assert_not_production, demo_pupils
from desk.demo.reports import seed_demo_report_history
from safeguard.models import School, StaffRole, Trust, User


class Command(BaseCommand):
    help = "Create fictional demo data and demo accounts. Does nothing if the demo trust already exists."

    def add_arguments(self, parser):
        parser.add_argument("--pupils", type=int, default=300, help="Pupils in the first school (default 300).")

    def handle(self, *args, pupils: int, **options):
        assert_not_production("seed_demo")
        if Trust.objects.filter(name=DEMO_TRUST).exists():
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
            users[email] = user
        for index, school in enumerate(schools):
            count = pupil_count if index == 0 else max(pupil_count // 3, 20)
            Pupil.objects.bulk_create(Pupil(school=school, **row) for row in demo_pupils(index, count, today))
        seed_demo_cases(schools=schools, users=users, today=today)

        seed_demo_report_history(school=schools[0], users=users, today=today)
