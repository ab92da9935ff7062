"""Restore a backup archive into an empty database and file store, then check it."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safeguard.backup import BackupProblem, identity_from, restore

CONFIRM_WORD = "replace"


class Command(BaseCommand):
    help = (
        "Restore ARCHIVE (made by `manage.py backup`) into an empty database and file store, then check the audit chain "
        "and every row count and file against the archive's manifest. Exits 1 if anything differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--key",
            default=settings.SAFEGUARD_BACKUP_KEY_FILE or None,
            help="The backup key file (the private key made by backup_key). Default: SAFEGUARD_BACKUP_KEY_FILE.",
        )
        parser.add_argument(
            "--replace", action="store_true", help="Replace what the database and file store hold now (asks to confirm)."
        )
        parser.add_argument("--confirm", help=f"With --replace, without asking: --confirm {CONFIRM_WORD}.")

    def handle(self, *args, archive: str, key: str | None, replace: bool, confirm: str | None, **options):
        if not key:
            raise CommandError("Say which backup key opens the archive: --key <the private key file kept off the server>.")
        if replace and confirm != CONFIRM_WORD:
            if not sys.stdin.isatty():
                raise CommandError(
                    f"--replace deletes everything in the database and file store first: add --confirm {CONFIRM_WORD}."
                )
            answer = input(
                f"This deletes every record and file Safeguard holds now, then restores the archive. Type {CONFIRM_WORD} to go on: "
            )
            if answer.strip() != CONFIRM_WORD:
                raise CommandError("Nothing was changed.")
        try:
            result = restore(archive=Path(archive), identity=identity_from(key), replace=replace, say=self.stdout.write)
        except BackupProblem as problem:
            raise CommandError(str(problem)) from None
        self.stdout.write(
            f"Restored the archive made at {result.made_at}: {result.tables} tables, {result.rows} rows, {result.files} files."
        )
        if result.audit_intact:
            self.stdout.write(self.style.SUCCESS("Audit chain intact."))
        else:
            self.stderr.write(self.style.ERROR(f"Audit chain broken at {result.audit_detail}"))
        for mismatch in result.mismatches:
            self.stderr.write(self.style.ERROR(f"Not as in the archive: {mismatch}"))
        if not result.ok:
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("Every row count and file matches the archive's manifest."))
        if result.pending_migrations:
            self.stdout.write("The archive is from an older version: run `python manage.py migrate` before starting Safeguard.")
