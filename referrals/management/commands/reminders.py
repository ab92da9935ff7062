"""Shows a school's reminders: pending, sent and failed, with reasons (no case content)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from referrals.models import Reminder, ReminderStatus
from referrals.selectors import reminder_counts
from safeguard.models import School


class Command(BaseCommand):
    help = "List a school's reminders by status: pending, claimed, sent, skipped, failed."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="The school's code, e.g. NDA.")
        parser.add_argument("--status", choices=ReminderStatus.values, help="Only reminders with this status.")
        parser.add_argument("--limit", type=int, default=50)

    def handle(self, *args, school: str, status: str | None, limit: int, **options):
        found = School.objects.filter(code__iexact=school).first()
        if found is None:
            raise CommandError(
                f"No school with code {school!r}. Codes: {', '.join(School.objects.values_list('code', flat=True))}."
            )
        counts = reminder_counts(found)
        self.stdout.write(f"{found.name} ({found.code}): " + ", ".join(f"{s} {counts.get(s, 0)}" for s in ReminderStatus.values))
        rows = Reminder.objects.filter(school=found).select_related("recipient").order_by("-deliver_at", "-id")
        if status:
            rows = rows.filter(status=status)
        for r in rows[:limit]:
            when = timezone.localtime(r.deliver_at).strftime("%Y-%m-%d %H:%M")
            line = f"{r.pk:>7}  {r.status:<8} {r.kind:<20} {r.subject:<12} due {r.due_on}  deliver {when}  to {r.recipient.email}"
            if r.attempts:
                line += f"  attempts {r.attempts}"
            if r.last_error:
                line += f"  — {r.last_error}"
            self.stdout.write(line)
