"""Make the school's backup key pair: the private key into a file to keep off the server, the
public key printed for SAFEGUARD_BACKUP_RECIPIENT."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safeguard.backup import new_key_pair


class Command(BaseCommand):
    help = "Make a backup key pair: writes the private key to --out (keep it off this server) and prints the public key."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="The file to write the private key to (it must not exist yet).")

    def handle(self, *args, out: str, **options):
        path = Path(out).expanduser()
        if path.exists():
            raise CommandError(f"{path} already exists: a backup key is never overwritten (archives made for it would be lost).")
        private, public = new_key_pair()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write("# Safeguard backup key: opens the school's backups. Keep it off the server, in two safe places.\n")
            handle.write(f"# public key: {public}\n{private}\n")
        self.stdout.write(f"Private key written to {path}. Keep it off this server: without it no backup can be restored.")
        self.stdout.write("Set this on the server (the .env file beside docker-compose.yml):")
        self.stdout.write(f"SAFEGUARD_BACKUP_RECIPIENT={public}")
