"""How fast are the head's reports with a million audit events?

    .venv/bin/python bench/reports_bench.py --events 1000000

Runs against a scratch database it creates itself and removes afterwards, never against yours:
- with DATABASE_URL set to PostgreSQL: a database named ``safeguard_bench`` on that server
  (refused if it already exists, unless --replace);
- otherwise: a throwaway SQLite file in a temporary folder.

It bulk-inserts the audit events with a valid hash chain (computed with safeguard.audit.event_hash)
and a few thousand cases with disclosures, assessments, decisions, steps, children and platforms,
spread over five years; then times the reports page (Django's test client, logged in as a head
teacher) and each selector, and prints the median of several runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "safeguard_bench"
YEARS = 5
SCHOOL_SHARE = 0.85  # of events and cases at the school whose head reads the report
IN_HOURS = 0.85  # of events on a weekday in school hours (unless --uniform-times)
BURST_RATE = 0.000025  # a burst of 18 case views for every 40,000 events: about 25 in five years
KINDS = ("kind_image_sharing", "kind_exploitation", "kind_sexualised_bullying", "kind_unwanted_sexualisation")
PLATFORMS = ("Snapchat", "Instagram", "WhatsApp", "TikTok", "Discord", "YouTube", "Roblox")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="audit events to insert (default 1,000,000)")
    parser.add_argument("--cases", type=int, default=3000, help="cases to insert (default 3,000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each measurement (default 5)")
    parser.add_argument("--replace", action="store_true", help="PostgreSQL: drop an existing safeguard_bench database first")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards (its location is printed)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--uniform-times", action="store_true", help="spread events evenly over every hour of every day (worst case)"
    )
    return parser.parse_args()


# --- The scratch database --------------------------------------------------------------------------


class ScratchDatabase:
    """Points DATABASE_URL at a database made for this run, before Django is set up."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.original = os.environ.get("DATABASE_URL", "")
        self.postgres = urlsplit(self.original).scheme in ("postgres", "postgresql")
        self.tmp = tempfile.TemporaryDirectory(prefix="safeguard-bench-")
        os.environ["SAFEGUARD_VAR_DIR"] = self.tmp.name
        os.environ.setdefault("SAFEGUARD_LOG_LEVEL", "WARNING")

    def __enter__(self) -> str:
        if self.postgres:
            parts = urlsplit(self.original)
            if parts.path.strip("/") == BENCH_DB:
                raise SystemExit("Point DATABASE_URL at your server's usual database; the bench makes its own.")
            self.url = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
            self._admin(create=True)
        else:
            self.url = f"sqlite:///{Path(self.tmp.name) / 'bench.sqlite3'}"
        os.environ["DATABASE_URL"] = self.url
        return "PostgreSQL" if self.postgres else "SQLite"

    def _admin(self, *, create: bool) -> None:
        import psycopg

        with psycopg.connect(self.original, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
            if create:
                if exists and not self.args.replace:
                    raise SystemExit(f"A database named {BENCH_DB} already exists. Run again with --replace to drop it first.")
                if exists:
                    conn.execute(f'DROP DATABASE "{BENCH_DB}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
            elif exists:
                conn.execute(f'DROP DATABASE "{BENCH_DB}" WITH (FORCE)')

    def __exit__(self, *exc) -> None:
        from django.db import connections

        connections.close_all()
        if self.args.keep:
            print(f"\nKept the scratch database: {self.url}")
            self.tmp._finalizer.detach()  # keep the folder (and the SQLite file in it) after exit
            return
        if self.postgres:
            self._admin(create=False)
        self.tmp.cleanup()


# --- Data --------------------------------------------------------------------------------------------


def build_data(args: argparse.Namespace, rng: random.Random, now: datetime) -> dict:
    from django.db import connection, transaction

    from cases.models import Assessment, Case, CaseChild, CasePlatform, Decision, Disclosure, Pupil
    from referrals.models import Route, Step
    from safeguard.models import School, StaffRole, Trust, User

    started = time.perf_counter()
    span = timedelta(days=365 * YEARS)
    trust = Trust.objects.create(name="Bench Trust")
    schools = [School.objects.create(trust=trust, name=f"Bench School {n}", code=f"BS{n}") for n in (1, 2)]
    staff: dict[int, list[User]] = {}
    heads = {}
    for school in schools:
        people = []
        for role, count in (("dsl", 1), ("deputy_dsl", 2), ("head", 1), ("pastoral", 20), ("staff", 10), ("it_admin", 1)):
            for n in range(count):
                user = User.objects.create_user(
                    email=f"{role}{n}@{school.code.lower()}.example", full_name=f"{role.title()} {n} {school.code}"
                )
                StaffRole.objects.create(user=user, school=school, role=role)
                people.append(user)
                if role == "head":
                    heads[school.pk] = user
        staff[school.pk] = people
    pupils = {
        school.pk: Pupil.objects.bulk_create(
            Pupil(
                school=school,
                upn=f"B{school.pk}{n:011d}"[:13],
                first_name=f"First{n}",
                last_name=f"Last{n}",
                date_of_birth=date(2010, 1, 1) + timedelta(days=n % 2000),
                year_group=7 + n % 5,
            )
            for n in range(1500)
        )
        for school in schools
    }
    routes = {route.code: route for route in Route.objects.all()}
    case_ids: dict[int, list[int]] = {school.pk: [] for school in schools}
    with transaction.atomic():
        cases, disclosures = [], []
        for n in range(args.cases):
            school = schools[0] if rng.random() < SCHOOL_SHARE else schools[1]
            disclosed = now - span * rng.random()
            created = disclosed + timedelta(hours=rng.uniform(0.2, 30))
            cases.append(
                Case(
                    school=school,
                    reference=f"{school.code}-{n:06d}",
                    summary="Bench case.",
                    created_by=staff[school.pk][0],
                    created_at=created,
                    status="open" if rng.random() < 0.3 else "closed",
                    review_due=(created + timedelta(days=14)).date(),
                )
            )
        Case.objects.bulk_create(cases, batch_size=2000)
        for case in cases:
            case_ids[case.school_id].append(case.pk)
            disclosed = case.created_at - timedelta(hours=rng.uniform(0.2, 30))
            flags = {kind: rng.random() < 0.35 for kind in KINDS}
            disclosures.append(
                Disclosure(
                    case=case,
                    disclosed_at=disclosed,
                    method="in_person",
                    disclosed_to="Tutor",
                    child_account="Bench.",
                    incident_date=disclosed.date(),
                    **flags,
                )
            )
        Disclosure.objects.bulk_create(disclosures, batch_size=2000)
        assessments, children, platforms = [], [], []
        for case in cases:
            required = rng.random() < 0.4
            assessments.append(
                Assessment(
                    case=case,
                    created_at=case.created_at,
                    trigger="recorded",
                    ruleset_version="bench",
                    outcome="required" if required else "not_required",
                    complete=rng.random() < 0.9,
                    met=["C1"] if required else [],
                    facts={},
                    result={"criteria": []},
                )
            )
            for pupil in rng.sample(pupils[case.school_id], rng.randint(1, 3)):
                children.append(CaseChild(case=case, pupil=pupil, part="harmed", added_at=case.created_at))
            for name in rng.sample(PLATFORMS, rng.randint(1, 2)):
                platforms.append(CasePlatform(case=case, name=name, added_at=case.created_at))
        Assessment.objects.bulk_create(assessments, batch_size=2000)
        CaseChild.objects.bulk_create(children, batch_size=2000)
        CasePlatform.objects.bulk_create(platforms, batch_size=2000)
        decisions, steps = [], []
        for case, disclosure, assessment in zip(cases, disclosures, assessments, strict=True):
            if rng.random() < 0.85:
                refer = (assessment.outcome == "required") != (rng.random() < 0.1)
                decisions.append(
                    Decision(
                        case=case,
                        decision="refer" if refer else "not_refer",
                        rationale="Bench rationale." if refer != (assessment.outcome == "required") else "",
                        assessment=assessment,
                        assessment_outcome=assessment.outcome,
                        differs_from_assessment=refer != (assessment.outcome == "required"),
                        made_by=case.created_by,
                        made_at=disclosure.disclosed_at + timedelta(hours=rng.uniform(1, 72)),
                    )
                )
            if assessment.outcome == "required":
                made = rng.random() < 0.8
                steps.append(
                    Step(
                        case=case,
                        school_id=case.school_id,
                        route=routes["R7"],
                        state="made" if made else "todo",
                        origin="automatic",
                        due_date=case.created_at.date(),
                        made_at=disclosure.disclosed_at + timedelta(hours=rng.uniform(1, 48)) if made else None,
                        owner=case.created_by,
                    )
                )
            steps.append(
                Step(
                    case=case,
                    school_id=case.school_id,
                    route=routes["R6"],
                    state="todo",
                    due_date=case.created_at.date() + timedelta(days=5),
                    owner=case.created_by,
                )
            )
        Decision.objects.bulk_create(decisions, batch_size=2000)
        Step.objects.bulk_create(steps, batch_size=2000)
    print(f"  {len(cases)} cases, {len(decisions)} decisions, {len(steps)} steps in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"schools": schools, "staff": staff, "heads": heads, "case_ids": case_ids}


def event_offsets(args: argparse.Namespace, rng: random.Random, begin: datetime, span: int) -> list[float]:
    """Seconds after ``begin`` of each event, sorted: events are written in time order, as in real use.

    By default most case work happens in school hours: IN_HOURS of the events fall on a weekday
    between 07:30 and 18:00 UK time, the rest at any time. ``--uniform-times`` spreads every event
    evenly over the day and week instead (the worst case for the out-of-hours report).
    """
    if args.uniform_times:
        return sorted(rng.random() * span for _ in range(args.events))
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    first = begin.astimezone(london).date() + timedelta(days=1)
    weekdays = [first + timedelta(days=n) for n in range(span // 86400 - 2) if (first + timedelta(days=n)).weekday() < 5]
    offsets = []
    for _ in range(args.events):
        if rng.random() < IN_HOURS:
            day = rng.choice(weekdays)
            local = datetime(day.year, day.month, day.day, 7, 30, tzinfo=london) + timedelta(seconds=rng.random() * 37800)
            offsets.append((local.astimezone(UTC) - begin).total_seconds())
        else:
            offsets.append(rng.random() * span)
    return sorted(offsets)


def insert_events(args: argparse.Namespace, rng: random.Random, now: datetime, data: dict) -> None:
    """A million events in time order with a valid hash chain, as audit_record would have written them."""
    from django.db import connection, transaction

    from desk.scale import CHANGE_ACTIONS
    from safeguard.audit import ChainSealer
    from safeguard.models import AuditEvent

    started = time.perf_counter()
    schools = data["schools"]
    span = (365 * YEARS) * 86400
    begin = now - timedelta(seconds=span)
    offsets = event_offsets(args, rng, begin, span)
    chains = ChainSealer()
    batch: list[AuditEvent] = []

    def flush() -> None:
        with transaction.atomic():
            AuditEvent.objects.bulk_create(batch, batch_size=5000)
        batch.clear()

    def add(when, actor_id, school_id, action, object_type, object_id, extra) -> None:
        ip = f"10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        fields = {
            "occurred_at": when,
            "actor_id": actor_id,
            "school_id": school_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "ip_address": ip,
            "request_id": "",
            "extra": extra,
        }
        prev, digest = chains.seal(**fields)
        batch.append(AuditEvent(prev_hash=prev, hash=digest, **fields))
        if len(batch) >= 20_000:
            flush()

    written = 0
    for offset in offsets:
        if written >= args.events:
            break
        school = schools[0] if rng.random() < SCHOOL_SHARE else schools[1]
        actor = rng.choice(data["staff"][school.pk])
        ids = data["case_ids"][school.pk]
        when = begin + timedelta(seconds=offset)
        roll = rng.random()
        if roll < 0.2:
            add(
                when, actor.pk, school.pk, rng.choice(CHANGE_ACTIONS), "cases.case", str(rng.choice(ids)), {"fields": ["summary"]}
            )
        elif roll < 0.22:
            extra = {"attempted": "view", "reason": "not_visible"}
            add(when, actor.pk, school.pk, "cases.case.access_refused", "cases.case", str(rng.choice(ids)), extra)
        elif roll < 0.30:
            add(when, actor.pk, school.pk, "safeguard.staff.roles_changed", "safeguard.user", str(actor.pk), {})
        elif roll > 1 - BURST_RATE:  # someone opens 18 different cases within six minutes
            for n, case_id in enumerate(rng.sample(ids, 18)):
                add(
                    when + timedelta(seconds=20 * n),
                    actor.pk,
                    school.pk,
                    "cases.case.viewed",
                    "cases.case",
                    str(case_id),
                    {"page": "case"},
                )
            written += 17
        else:
            add(when, actor.pk, school.pk, "cases.case.viewed", "cases.case", str(rng.choice(ids)), {"page": "case"})
        written += 1
    if batch:
        flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE safeguard_auditevent")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"  {args.events:,} audit events with their hash chain in {time.perf_counter() - started:.1f} s")


# --- Timing ------------------------------------------------------------------------------------------


def timed(runs: int, work) -> tuple[float, float]:
    work()  # warm-up: caches, connection, query plans
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    try:  # a verified second factor, as after entering a code (django-otp)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=user, name="Bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session["safeguard_reauth_at"] = time.time()
        session.save()
    except ImportError:
        pass
    return client


def measure(args: argparse.Namespace, data: dict, now: datetime) -> list[tuple[str, float, float]]:
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from desk.reports import selectors, tables
    from desk.reports.periods import Period, default_period
    from safeguard.audit import verify_chain
    from safeguard.models import AuditEvent

    school = data["schools"][0]
    today = timezone.localdate()
    year = default_period(today)
    six = Period(today.replace(year=today.year - 5, month=1, day=1), today)
    head = data["heads"][school.pk]
    client = client_for(head)
    busiest = (
        AuditEvent.objects.filter(object_type="cases.case", school=school)
        .values("object_id")
        .annotate(n=Count("pk"))
        .order_by("-n")[0]
    )
    from cases.models import Case

    busy_case = Case.objects.get(pk=int(busiest["object_id"]))
    in_year = AuditEvent.objects.filter(school=school, occurred_at__gte=year.starts_at).count()
    print(f"  the head's school holds {in_year:,} audit events in the last twelve months; busiest case: {busiest['n']} events")

    def page(period: Period):
        def go():
            response = client.get(reverse("reports"), {"start": period.start.isoformat(), "end": period.end.isoformat()})
            assert response.status_code == 200, response.status_code
            assert b"Safeguarding reports for" in response.content

        return go

    def export(name: str):
        def go():
            response = client.get(
                reverse("report_export", args=[name]), {"start": year.start.isoformat(), "end": year.end.isoformat()}
            )
            assert response.status_code == 200, response.status_code

        return go

    sid = school.pk
    work = [
        ("page: reports, last 12 months", page(year)),
        ("page: reports, 6 years", page(six)),
        ("page: governors' report, last 12 months", lambda: client.get(reverse("governors_report"))),
        ("export: access.csv, last 12 months", export("access")),
        ("selector: by_kind", lambda: selectors.by_kind(sid, year)),
        ("selector: by_month", lambda: selectors.by_month(sid, year)),
        ("selector: by_year_group", lambda: selectors.by_year_group(sid, year)),
        ("selector: by_platform", lambda: selectors.by_platform(sid, year)),
        ("selector: timings (3 medians and p90s)", lambda: selectors.timings(sid, year)),
        ("selector: overdue_steps_by_route", lambda: selectors.overdue_steps_by_route(sid, today)),
        ("selector: past_review (count)", lambda: selectors.past_review(sid, today).count()),
        (
            "selector: decisions against + reverse",
            lambda: (list(selectors.decisions(sid, year, "against")), list(selectors.decisions(sid, year, "reverse"))),
        ),
        ("selector: access_by_person_and_case (page)", lambda: tables.access(school, year, today, selectors.PAGE_ROWS)),
        ("selector: access_totals", lambda: selectors.access_totals(sid, year)),
        ("selector: refused_attempts (page)", lambda: tables.refused(school, year, today, selectors.PAGE_ROWS)),
        ("selector: bursts", lambda: selectors.bursts(sid, year)),
        ("selector: out_of_hours (page)", lambda: tables.out_of_hours(school, year, today, selectors.PAGE_ROWS)),
        ("selector: case_access_log (busiest case)", lambda: selectors.case_access_log(busy_case)),
        ("selector: access_by_person_and_case, 6 years (page)", lambda: tables.access(school, six, today, selectors.PAGE_ROWS)),
    ]
    results = []
    for name, go in work:
        median, worst = timed(args.runs, go)
        results.append((name, median, worst))
        print(f"  {name:<55} median {median:9.1f} ms   max {worst:9.1f} ms", flush=True)
    started = time.perf_counter()
    report = verify_chain()
    took = time.perf_counter() - started
    assert report.ok, report.broken
    print(f"  verify_chain over {report.events_checked:,} events: intact, {took:.1f} s")
    results.append(("verify_chain (whole log, once)", took * 1000, took * 1000))
    return results


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    with ScratchDatabase(args) as vendor:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        print(f"Database: {vendor} ({connection.settings_dict['NAME']}), scratch; Django {django.get_version()}")
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"  migrated in {time.perf_counter() - started:.1f} s")
        now = datetime.now(UTC)
        spread = "evenly over every hour (--uniform-times)" if args.uniform_times else f"{IN_HOURS:.0%} in school hours"
        print(f"  events spread over {YEARS} years, {spread}; {SCHOOL_SHARE:.0%} at the head's school")
        data = build_data(args, rng, now)
        insert_events(args, rng, now, data)
        print(f"Timings: median of {args.runs} runs after one warm-up")
        measure(args, data, now)


if __name__ == "__main__":
    main()
