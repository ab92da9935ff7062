"""Appoint (or end) a trust's safeguarding lead at deployment, before the trust's schools have
their IT administrators and DSLs to ask and approve in Safeguard. Run by whoever runs the server,
like ``create_school``; audited at every school of the trust, whose DSLs and heads are told."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from safeguard.models import Trust, User
from safeguard.services import send_first_password_link, trust_lead_appoint, trust_lead_end
from safeguard.services.trust_leads import open_lead


class Command(BaseCommand):
    help = (
        "Appoint the safeguarding lead of a trust (their account is created if new and emailed a set-password link), "
        "or end the appointment with --end. They must use a second factor; they see every school's figures and only "
        "the cases a school's DSL grants them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--trust", required=True, help="The trust's name, as create_school was given it.")
        parser.add_argument("--email", required=True, help="The lead's email address (their login).")
        parser.add_argument("--name", help="Their full name (needed for a new account).")
        parser.add_argument("--end", action="store_true", help="End their appointment instead.")

    def handle(self, *args, **opts):
        trust = Trust.objects.filter(name=opts["trust"].strip()).first()
        if trust is None:
            raise CommandError(f"No trust is called {opts['trust'].strip()!r}. Create its first school with create_school.")
        email = User.objects.normalize_email(opts["email"]).strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if opts["end"]:
            lead = open_lead(user, trust) if user else None
            if lead is None:
                raise CommandError(f"{email} is not the safeguarding lead of {trust.name}.")
            trust_lead_end(actor=None, lead=lead)
            self.stdout.write(self.style.SUCCESS(f"{email} is no longer the safeguarding lead of {trust.name}."))
            return
        name = (opts["name"] or "").strip()
        if user is None and not name:
            raise CommandError("A new account needs --name (their full name).")
        try:
            with transaction.atomic():
                created = user is None
                if created:
                    user = User.objects.create_user(email=email, full_name=name)
                if open_lead(user, trust) is not None:
                    raise CommandError(f"{email} is already the safeguarding lead of {trust.name}.")
                trust_lead_appoint(actor=None, user=user, trust=trust)
                if created:
                    send_first_password_link(user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if created:
            self.stdout.write(f"{email} was emailed a link to set a password; they set up a second factor at first login.")
        self.stdout.write(self.style.SUCCESS(f"{email} is the safeguarding lead of {trust.name}."))
