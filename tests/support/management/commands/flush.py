"""Test-only ``flush``: Django's, with the audit log's append-only triggers lifted around it.

TransactionTestCase (pytest-django's ``transactional_db``) empties every table after each test
with ``flush``; the triggers would rightly refuse that for the audit table. This app is only
installed by tests/settings.py, so production's flush still cannot touch the audit log.
"""

import importlib

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

_triggers = importlib.import_module("safeguard.migrations.0002_audit_append_only")


class Command(DjangoFlush):
    def handle(self, **options):
        connection = connections[options["database"]]
        create, drop = _triggers.STATEMENTS[connection.vendor]
        with connection.cursor() as cursor:
            for sql in drop:
                cursor.execute(sql)
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                for sql in create:
                    cursor.execute(sql)
