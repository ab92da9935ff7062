"""Test-only ``flush``: Django's, with the audit log's append-only triggers lifted around it.

TransactionTestCase (pytest-django's ``transactional_db``) empties every table after each test
with ``flush``; the triggers would rightly refuse that for the audit events (migration 0002) and
the verification records (migration 0007). This app is only installed by tests/settings.py, so
production's flush still cannot touch the audit log.

The flush also empties what the migrations loaded (the reporting routes' catalogue), which every
later test expects to find, so it is loaded again afterwards: whichever test follows a
transactional one (by marker, by the ``transactional_db`` fixture or by ``live_server``) starts from
the database the migrations made.
"""

import importlib

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

TRIGGERS = [
    importlib.import_module("safeguard.migrations.0002_audit_append_only").STATEMENTS,
    importlib.import_module("safeguard.migrations.0007_audit_keyed_chains").STATEMENTS,
]


class Command(DjangoFlush):
    def handle(self, **options):
        connection = connections[options["database"]]
        with connection.cursor() as cursor:
            for statements in TRIGGERS:
                for sql in statements[connection.vendor][1]:
                    cursor.execute(sql)
        try:
            result = super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                for statements in TRIGGERS:
                    for sql in statements[connection.vendor][0]:
                        cursor.execute(sql)
        from referrals.catalogue import load_routes
        from referrals.models import Route

        load_routes(Route)
        return result
