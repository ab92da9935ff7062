"""Prints where Safeguard is running and the demo logins (used by `make run`)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from desk.demo.people import ACCOUNTS, SCHOOLS, assert_not_production
from safeguard.roles import Role


class Command(BaseCommand):
    help = "Print the local URL and the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port: int, **options):
        assert_not_production("demo_logins")

        line = "-" * 72
        self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Safeguard is starting at  http://127.0.0.1:{port}/"))
        self.stdout.write(f"Demo password for every account:  {settings.SAFEGUARD_DEMO_PASSWORD}")
        self.stdout.write("")
        for email, name, school_index, roles in ACCOUNTS:
            labels = ", ".join(Role(r).label for r in roles)
            self.stdout.write(f"  {email:<26} {name:<16} {labels} — {SCHOOLS[school_index]['name']}")
        self.stdout.write("")
        self.stdout.write("Web server, Celery worker and Celery beat run together; press Ctrl-C once to stop them all.")
        self.stdout.write(line)
