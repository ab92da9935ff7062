"""Profile one page in-process, through the whole middleware stack, to see where its time goes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_scale_bench \\
        .venv/bin/python bench/profile_page.py dsl@sc01.scale.example /cases/123/ --runs 200

Use it on the scratch database that ``bench/scale_bench.py --keep`` leaves. It logs the member of
staff in with a verified second factor (as the test suite's ``login`` fixture does), requests the
page ``--runs`` times after a warm-up, prints the mean time and query count per request, and the
functions that took the most cumulative time (cProfile) — both ours and Django's.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("email", help="the member of staff to request the page as")
    parser.add_argument("paths", nargs="+", help="one or more paths, requested in turn")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--top", type=int, default=40, help="rows of the profile to print")
    parser.add_argument("--queries", type=int, default=0, metavar="N", help="print each query's first N characters")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime)")
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        metavar="N",
        help="PostgreSQL: run EXPLAIN ANALYZE on each SELECT of one request and print the N slowest, with their plans",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    os.environ.setdefault("SAFEGUARD_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from safeguard.models import User

    user = User.objects.get(email=args.email)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes", defaults={"confirmed": True})
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    def run_once() -> None:
        for path in args.paths:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")

    for _ in range(5):
        run_once()
    queries: list[str] = []

    captured: list[tuple[str, object]] = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run_once()
    if args.queries:
        for sql in queries:
            print(sql[: args.queries])
    if args.explain:
        explain(captured, args.explain)
    started = time.perf_counter()
    for _ in range(args.runs):
        run_once()
    plain = (time.perf_counter() - started) / (args.runs * len(args.paths)) * 1000
    print(f"{plain:.1f} ms per request, {len(queries) / len(args.paths):.0f} queries per request")
    if not args.top:
        return
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for _ in range(args.runs):
        run_once()
    profile.disable()
    elapsed = time.perf_counter() - started
    per = elapsed / (args.runs * len(args.paths)) * 1000
    print(f"{per:.1f} ms per request under cProfile")
    pstats.Stats(profile).strip_dirs().sort_stats(args.sort).print_stats(args.top)


def explain(captured: list, top: int) -> None:
    """The database's own time for each SELECT (EXPLAIN ANALYZE), slowest first, with the plans."""
    import json

    from django.db import connection

    timed = []
    with connection.cursor() as cursor:
        for sql, params in captured:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = plan if isinstance(plan, list) else json.loads(plan)
            timed.append((plan[0]["Execution Time"], sql, params))
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
            timed[-1] += ("\n".join(row[0] for row in cursor.fetchall()),)
    print(f"{sum(t[0] for t in timed):.1f} ms in the database over {len(timed)} SELECTs; the slowest:")
    for ms, sql, _params, text in sorted(timed, key=lambda t: -t[0])[:top]:
        print(f"\n--- {ms:.2f} ms: {sql[:160]}")
        print(text)


if __name__ == "__main__":
    main()
