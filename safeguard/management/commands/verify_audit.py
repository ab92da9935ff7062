"""Check every audit chain from its first event to its last, and every verification record's
seal; name the first broken item."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand


def chains(count: int) -> str:
    return f"{count} chain" if count == 1 else f"{count} chains"


class Command(BaseCommand):
    help = (
        "Check every audit event's keyed hash and its link to the one before at the same school, and the seal of every "
        "earlier check. Exits 1 and names the first broken event or record if any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-record",
            action="store_true",
            help="Do not record this check (by default it is recorded and shown on the reports page).",
        )
        parser.add_argument(
            "--alert", action="store_true", help="On a newly found break, alert the DSLs and heads as the nightly check does."
        )

    def handle(self, *args, no_record: bool, alert: bool, **options):
        from safeguard.audit import verify_log
        from safeguard.audit_checks import audit_chain_record

        report = verify_log()
        if not no_record:
            audit_chain_record(report=report, alert=alert)
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Audit chain intact: {report.events_checked} events in {chains(report.chains_checked)}")
            )
            return
        self.stderr.write(self.style.ERROR(f"Audit chain broken at {report.broken.where}: {report.broken.detail}"))
        sys.exit(1)
