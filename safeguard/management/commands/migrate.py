"""Django's ``migrate``, run as the tables' owner when ``SAFEGUARD_DATABASE_OWNER_URL`` is set.

The application connects (``DATABASE_URL``) as a role that may only read and add audit rows, so
it cannot create or alter tables. With the owner configured and no ``--database`` given (or
``--database owner``), this command connects as the owner for the whole migration, then grants
the application role its rights (safeguard.database_roles). Without it, it is Django's migrate.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS

from safeguard.database_roles import OWNER_ALIAS, RoleProblem, connected_as_owner, grant_app_role


class Command(DjangoMigrate):
    help = (
        DjangoMigrate.help + " With SAFEGUARD_DATABASE_OWNER_URL set, runs as the tables' owner and then grants the "
        "application role (DATABASE_URL's) its rights: only SELECT and INSERT on the audit tables."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # None: "not given", so that the owner is the default whenever it is configured.
        parser.set_defaults(database=None)

    def execute(self, *args, **options):
        # execute, not handle: Django's system checks (run before handle) need the database too.
        database = options["database"] or (OWNER_ALIAS if OWNER_ALIAS in settings.DATABASES else DEFAULT_DB_ALIAS)
        if database != OWNER_ALIAS:
            return super().execute(*args, **{**options, "database": database})
        if OWNER_ALIAS not in settings.DATABASES:
            raise CommandError("--database owner needs SAFEGUARD_DATABASE_OWNER_URL to be set.")
        with connected_as_owner():
            super().execute(*args, **{**options, "database": DEFAULT_DB_ALIAS})
            if options["plan"] or options["check_unapplied"]:
                return None
            try:
                grant_app_role(role=settings.DATABASE_APP_ROLE, using=DEFAULT_DB_ALIAS)
            except RoleProblem as problem:
                raise CommandError(str(problem)) from None
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Granted the application role {settings.DATABASE_APP_ROLE!r} its rights (audit tables: SELECT and INSERT only)."
            )
        return None
