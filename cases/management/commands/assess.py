"""Run the police-referral criteria on facts given as JSON: a what-if tool for DSL training and
for other systems. The input shape is documented in cases/criteria.py; the output is JSON."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from cases.criteria import FactsError, assess, facts_from_dict


class Command(BaseCommand):
    help = "Assess facts given as JSON (a file, or - for standard input) against the police-referral criteria."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A JSON file of facts (see cases/criteria.py), or - to read standard input.")

    def handle(self, *args, file: str, **options):
        try:
            text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(f"{file} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}).") from None
        try:
            facts = facts_from_dict(data)
        except FactsError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(assess(facts).to_dict(), indent=2, ensure_ascii=False))
