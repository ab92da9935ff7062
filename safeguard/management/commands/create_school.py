"""Set up a school (and its trust) on a new installation, with its first IT administrator and,
optionally, its first Designated Safeguarding Lead."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from safeguard.audit import audit_record
from safeguard.models import School, StaffRole, Trust, User
from safeguard.roles import Role
from safeguard.services import send_first_password_link


class Command(BaseCommand):
    help = (
        "Create a school in a trust with its first IT administrator (and, with --dsl-email, its first "
        "Designated Safeguarding Lead); each is emailed a set-password link."
    )

    def add_arguments(self, parser):
        parser.add_argument("--trust", required=True, help="Trust name (created if new).")
        parser.add_argument("--school", required=True, help="School name.")
        parser.add_argument("--code", required=True, help="Short code used in case references, e.g. OAK.")
        parser.add_argument("--it-admin-email", required=True)
        parser.add_argument("--it-admin-name", required=True)
        parser.add_argument("--dsl-email", help="The school's first Designated Safeguarding Lead.")
        parser.add_argument("--dsl-name")

    def handle(self, *args, **opts):
        code = opts["code"].strip().upper()
        if not code.isalnum() or len(code) > 10:
            raise CommandError("--code must be up to 10 letters or digits.")
        if School.objects.filter(code=code).exists():
            raise CommandError(f"A school with code {code} already exists.")
        if bool(opts["dsl_email"]) != bool(opts["dsl_name"]):
            raise CommandError("Give both --dsl-email and --dsl-name, or neither.")
        people = [(opts["it_admin_email"], opts["it_admin_name"], Role.IT_ADMIN)]
        if opts["dsl_email"]:
            if opts["dsl_email"].strip().lower() == opts["it_admin_email"].strip().lower():
                raise CommandError("The first DSL and the IT administrator must be two different people.")
            people.append((opts["dsl_email"], opts["dsl_name"], Role.DSL))
        with transaction.atomic():
            trust, _ = Trust.objects.get_or_create(name=opts["trust"].strip())
            school = School.objects.create(trust=trust, name=opts["school"].strip(), code=code)
            for email, name, role in people:
                email = email.strip().lower()
                user = User.objects.filter(email__iexact=email).first() or User.objects.create_user(
                    email=email, full_name=name.strip()
                )
                StaffRole.objects.create(user=user, school=school, role=role)
                audit_record(
                    actor=None,
                    action="safeguard.staff.added",
                    obj=user,
                    school=school,
                    extra={"roles": [role], "by": "create_school"},
                )
                send_first_password_link(user)
                self.stdout.write(f"{email} ({Role(role).label}) was emailed a link to set a password.")
        self.stdout.write(self.style.SUCCESS(f"Created {school} ({code})."))
