"""Give the application's PostgreSQL role its rights again (``migrate`` does this after migrating)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from safeguard.database_roles import OWNER_ALIAS, RoleProblem, grant_app_role


class Command(BaseCommand):
    help = (
        "As the tables' owner (SAFEGUARD_DATABASE_OWNER_URL), grant the application role every right on the "
        "application's tables except the audit tables, where it may only SELECT and INSERT."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role", default=None, help="the application role (default: SAFEGUARD_DATABASE_APP_ROLE or DATABASE_URL's user)"
        )
        parser.add_argument("--database", default=None, help="the connection to grant from (default: owner when configured)")

    def handle(self, *args, role: str | None, database: str | None, **options):
        using = database or (OWNER_ALIAS if OWNER_ALIAS in settings.DATABASES else DEFAULT_DB_ALIAS)
        role = role or settings.DATABASE_APP_ROLE
        if not role:
            raise CommandError("No application role: set SAFEGUARD_DATABASE_APP_ROLE or put a user in DATABASE_URL.")
        try:
            statements = grant_app_role(role=role, using=using)
        except RoleProblem as problem:
            raise CommandError(str(problem)) from None
        for sql in statements if options["verbosity"] >= 2 else ():
            self.stdout.write(sql)
        self.stdout.write(f"Granted the application role {role!r} its rights (audit tables: SELECT and INSERT only).")
