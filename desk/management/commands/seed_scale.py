"""A trust's worth of fictional data for load and query-count work (issue 8). Never in production."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from desk.demo.people import assert_not_production
from desk.scale import SCALE_TRUST, ScaleBuilder, ScaleSpec
from safeguard.models import Trust


class Command(BaseCommand):
    help = (
        "Fill the database with a multi-academy trust's worth of fictional data, with bulk inserts: by default "
        "30 schools, 30,000 pupils, 20,000 cases, 100,000 referral steps and 2,000,000 hash-chained audit events. "
        "Refuses to run with production settings or if scale data is already present."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=30)
        parser.add_argument("--pupils", type=int, default=30_000)
        parser.add_argument("--cases", type=int, default=20_000)
        parser.add_argument("--steps", type=int, default=100_000)
        parser.add_argument("--events", type=int, default=2_000_000, help="audit events (default 2,000,000)")
        parser.add_argument("--years", type=int, default=5, help="years of history the cases spread over (default 5)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same data")
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="multiply schools, pupils, cases, steps and events by this: --scale 10 is 300 schools, 300,000 pupils, "
            "200,000 cases, 1,000,000 steps and 20,000,000 audit events",
        )
        parser.add_argument(
            "--first-school-weight",
            type=int,
            default=1,
            help="school SC01 gets this many times an ordinary school's pupils and cases (default 1)",
        )

    def handle(self, *args, **options):

        assert_not_production("seed_scale")
        if options["scale"] < 1:
            raise CommandError("--scale must be at least 1.")
        scaled = ("schools", "pupils", "cases", "steps", "events")
        spec = ScaleSpec(
            **{name: options[name] * options["scale"] for name in scaled},
            **{name: options[name] for name in ("years", "seed", "first_school_weight")},
        )
        for name, value in vars(spec).items():
            least = 1 if name in ("schools", "years", "first_school_weight") else 0
            if value < least:
                raise CommandError(f"--{name.replace('_', '-')} must be at least {least}.")
        if spec.cases and spec.pupils < spec.schools:
            raise CommandError("Give at least one pupil per school (--pupils) so cases have children.")
        if Trust.objects.filter(name=SCALE_TRUST).exists():
            raise CommandError("Scale data is already in this database. Use a fresh database for another run.")
        started = time.perf_counter()
        self.stdout.write(f"Building scale data ({', '.join(f'{k} {v:,}' for k, v in vars(spec).items())}):")
        ScaleBuilder(spec, password=settings.SAFEGUARD_DEMO_PASSWORD, say=self.stdout.write).build()
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data built in {time.perf_counter() - started:.0f} s. Accounts: dsl@sc01.scale.example, "
                "pastoral@sc01.scale.example, head@sc01.scale.example, ... with the demo password."
            )
        )
