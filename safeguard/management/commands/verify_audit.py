"""Check the audit log's hash chain from the first event to the last; name the first broken link."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Check every audit event's hash and its link to the one before. Exits 1 and names the first broken event if any."

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
        from safeguard.audit import verify_chain
        from safeguard.reports.services import audit_chain_check

        if no_record:
            report = verify_chain()
            ok, checked = report.ok, report.events_checked
            broken_id, detail = (report.broken.event_id, report.broken.detail) if report.broken else (None, "")
        else:
            check = audit_chain_check(alert=alert)
            ok, checked, broken_id, detail = check.ok, check.events_checked, check.first_broken_id, check.detail
        if ok:
            self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events"))
            return
        self.stderr.write(self.style.ERROR(f"Audit chain broken at event {broken_id}: {detail}"))
        sys.exit(1)
