"""Set up a school (and its trust) on a new installation, with its first IT administrator."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from safeguard.models import School, StaffRole, Trust, User
from safeguard.roles import Role
from safeguard.services import staff_send_password_link


class Command(BaseCommand):
    help = "Create a school in a trust and its first IT administrator, who is emailed a set-password link."

    def add_arguments(self, parser):
        parser.add_argument("--trust", required=True, help="Trust name (created if new).")
        parser.add_argument("--school", required=True, help="School name.")
        parser.add_argument("--code", required=True, help="Short code used in case references, e.g. OAK.")
        parser.add_argument("--it-admin-email", required=True)
        parser.add_argument("--it-admin-name", required=True)

    def handle(self, *args, **opts):
        code = opts["code"].strip().upper()
        if not code.isalnum() or len(code) > 10:
            raise CommandError("--code must be up to 10 letters or digits.")
        if School.objects.filter(code=code).exists():
            raise CommandError(f"A school with code {code} already exists.")
        with transaction.atomic():
            trust, _ = Trust.objects.get_or_create(name=opts["trust"].strip())
            school = School.objects.create(trust=trust, name=opts["school"].strip(), code=code)
            email = opts["it_admin_email"].strip().lower()
            user = User.objects.filter(email__iexact=email).first() or User.objects.create_user(
                email=email, full_name=opts["it_admin_name"].strip()
            )
            StaffRole.objects.create(user=user, school=school, role=Role.IT_ADMIN)
            staff_send_password_link(user=user)
        self.stdout.write(self.style.SUCCESS(f"Created {school} ({code}); {email} was emailed a link to set a password."))
