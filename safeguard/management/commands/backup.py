"""Write one encrypted backup archive (the database, the files, a manifest) and keep the newest N."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safeguard.backup import BackupProblem, recipient, write_backup


def next_run(now: datetime, at: str) -> datetime:
    """The next moment the clock (the school's time zone) reads ``at`` (HH:MM), after ``now``."""
    hour, minute = (int(part) for part in at.split(":"))
    local = timezone.localtime(now)
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = timezone.make_aware(datetime.combine(candidate.date() + timedelta(days=1), candidate.time()))
    return candidate


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files into one archive encrypted to SAFEGUARD_BACKUP_RECIPIENT, in "
        "SAFEGUARD_BACKUP_DIR, keeping the newest SAFEGUARD_BACKUP_KEEP."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Write the archive here instead of SAFEGUARD_BACKUP_DIR.")
        parser.add_argument("--keep", type=int, help="Keep this many archives instead of SAFEGUARD_BACKUP_KEEP.")
        parser.add_argument(
            "--nightly",
            metavar="HH:MM",
            help="Keep running, and back up every night at this time (docker-compose's backup service).",
        )

    def handle(self, *args, dir: str | None, keep: int | None, nightly: str | None, **options):
        if nightly is None:
            self.once(dir, keep)
            return
        try:
            next_run(timezone.now(), nightly)
        except ValueError:
            raise CommandError("--nightly takes a time of day such as 01:30.") from None
        try:
            recipient()
        except BackupProblem as problem:
            # Said at once, not first at 01:30; the service keeps running, and says it again then.
            self.stderr.write(f"Backups will fail until this is fixed: {problem}")
        while True:
            due = next_run(timezone.now(), nightly)
            self.stdout.write(f"Next backup at {due:%Y-%m-%d %H:%M}.")
            time.sleep(max(0.0, (due - timezone.now()).total_seconds()))
            try:
                self.once(dir, keep)
            except CommandError as problem:
                # Said in the log (and seen as an old last backup on /readyz); tried again tomorrow.
                self.stderr.write(f"Backup failed: {problem}")

    def once(self, dir: str | None, keep: int | None) -> None:
        try:
            result = write_backup(directory=Path(dir) if dir else None, keep=keep)
        except BackupProblem as problem:
            raise CommandError(str(problem)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {result.path} ({result.size / 1_048_576:.1f} MB; {result.tables} tables, "
                f"{result.rows} rows, {result.files} files)."
            )
        )
        for old in result.removed:
            self.stdout.write(f"Removed the older archive {old.name}.")
        self.stdout.write("Copy it off this server: a backup kept only beside what it backs up is lost with it.")
