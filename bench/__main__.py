"""Measure the quality bars of DESIGN.md section 8: the list endpoint GET /api/v1/sites/, then the
batch import (`bench.batches`, in a process of its own).

    python -m bench [--suite all|api|batches] [--rows-small 10000] [--rows-large 1000000] [--quick]

Uses DATABASE_URL's server, in a database of its own (see bench.data.bench_database_url),
and REDIS_URL. Loads the small table, measures, grows it to the large size, measures again,
then serves the portal with gunicorn for the throughput bar. Prints a table, writes the
figures to var/bench-results.json, and exits 0 whether the bars pass or not.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(f"bench {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=["all", "api", "batches"], default="all", help="which benchmarks run")
    parser.add_argument(
        "--batch-rows", type=int, help="rows of the large batch file (default 1,000,000, quick 200,000)"
    )
    parser.add_argument("--rows-small", type=int, default=10_000, help="rows of the first measurement")
    parser.add_argument("--rows-large", type=int, help="rows after growing the table (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="200k large rows, fewer repetitions, short load phases")
    parser.add_argument("--reps", type=int, help="requests per latency figure (default 100, quick 20)")
    parser.add_argument("--walk-pages", type=int, help="pages followed with `next` (default 100, quick 20)")
    parser.add_argument("--duration", type=float, help="seconds per load phase (default 6, quick 3)")
    parser.add_argument("--rounds", type=int, help="load phases per target (default 5, quick 2)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections of the load client")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--driver", choices=["auto", "wrk", "python"], default="auto", help="load client")
    parser.add_argument("--no-server", action="store_true", help="skip the gunicorn throughput bar")
    parser.add_argument("--seed", type=int, default=20230829)
    parser.add_argument("--output", type=Path, default=BASE_DIR / "var" / "bench-results.json")
    args = parser.parse_args(argv)
    quick = args.quick
    args.rows_large = args.rows_large or (200_000 if quick else 1_000_000)
    args.reps = args.reps or (20 if quick else 100)
    args.walk_pages = args.walk_pages or (20 if quick else 100)
    args.duration = args.duration or (3.0 if quick else 6.0)
    args.rounds = args.rounds or (2 if quick else 5)
    if not 0 < args.rows_small < args.rows_large:
        parser.error("need 0 < --rows-small < --rows-large")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    status = 0
    if args.suite in ("all", "api"):
        status = api(args)
    if args.suite in ("all", "batches"):
        large = args.batch_rows or (200_000 if args.quick else 1_000_000)
        small = min(100_000, large // 2) if args.quick else 100_000
        status = (
            subprocess.call(
                [sys.executable, "-m", "bench.batches", "--large", str(large), "--small", str(small)], cwd=BASE_DIR
            )
            or status
        )
    return status


def api(args) -> int:
    from bench import data, server

    driver = "none" if args.no_server else server.choose_driver(args.driver)
    database_url = data.bench_database_url(os.environ.get("DATABASE_URL") or data.DEFAULT_DATABASE_URL)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    data.ensure_database(database_url)

    import django

    django.setup()
    from django.db import connection

    from bench import measure, report

    started = time.monotonic()
    log(f"database {connection.settings_dict['NAME']} on {connection.settings_dict['HOST']}: migrating")
    fixture = data.prepare_schema_and_principal()
    api = measure.Api(fixture.token_secret)
    generator = data.SiteGenerator(seed=args.seed, total=args.rows_large, park_ids=fixture.park_ids)
    rare_term = str(generator.number(args.rows_small // 2))  # one site's name, present at both sizes

    # List shapes a partner asks for; all first pages of 50 rows.
    shapes = {
        "default (ordering code)": "",
        "ordering=id": "ordering=id",
        "kind": "kind=facility&ordering=id",
        "park + floor area range": "park=HK&floor_area_min=1000&floor_area_max=5000&ordering=id",
        "q, common word": "q=quantum&ordering=id",
        "q, one site's name": f"q={rare_term}&ordering=id",
    }
    filtered_query = "kind=building&park=SZ&ordering=id"

    results = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "rows_small": args.rows_small,
            "rows_large": args.rows_large,
            "quick": args.quick,
            "reps": args.reps,
            "walk_pages": args.walk_pages,
            "duration": args.duration,
            "rounds": args.rounds,
            "connections": args.connections,
            "workers": args.workers,
            "driver": driver,
            "seed": args.seed,
            "shapes": shapes,
            "filtered_query": filtered_query,
        },
        "environment": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "loadavg_at_start": os.getloadavg()},
        "loads": [],
        "latency": {"ratios": {}},
        "output": str(args.output),
    }
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        results["environment"]["postgres"] = cursor.fetchone()[0]

    def load(rows: int) -> None:
        log(f"COPY {rows:,} sites")
        seconds = data.load_sites(database_url, generator, rows)
        size = data.table_size(database_url)
        results["loads"].append(
            {"rows": rows, "seconds": round(seconds, 2), "table_rows": size["rows"], "table_bytes": size["total_bytes"]}
        )

    load(args.rows_small)
    log(f"(a) latency at {args.rows_small:,} rows")
    results["latency"]["small"] = measure.latency(api, shapes, reps=args.reps)

    load(args.rows_large - args.rows_small)
    log(f"(a) latency at {args.rows_large:,} rows")
    results["latency"]["large"] = measure.latency(api, shapes, reps=args.reps)
    log("(b) deep pages")
    results["deep"] = measure.deep_pages(api, walk_pages=args.walk_pages, reps=args.reps)
    log("(c) queries per page size")
    results["queries"] = measure.query_counts(
        api,
        {"default (ordering code)": "", "park + floor area range": shapes["park + floor area range"]},
        [10, 100, 500],
    )
    log("cost breakdown")
    results["breakdown"] = measure.breakdown(api, filtered_query=filtered_query, reps=max(args.reps * 3, 60))
    connection.close()

    if not args.no_server:
        log(f"(d) throughput: gunicorn with {args.workers} sync workers, driver {driver}")
        auth = {"Authorization": f"Bearer {fixture.token_secret}"}
        targets = {
            "bare Django view": ("/bench/bare/", {}),
            "DRF view + token auth (info)": ("/bench/drf-ok/", auth),
            "filtered list": (f"/api/v1/sites/?{filtered_query}", auth),
        }
        results["environment"]["loadavg_before_load"] = os.getloadavg()
        with server.gunicorn(workers=args.workers, log_path=BASE_DIR / "var" / "bench-gunicorn.log") as (base, pid):
            results["throughput"] = server.throughput(
                base,
                targets,
                meter=server.CpuMeter(pid, database_url),
                driver=driver,
                connections=args.connections,
                duration=args.duration,
                rounds=args.rounds,
            )

    bars = report.evaluate(results)
    results["bars"] = bars
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(report.render(results, bars))
    log(f"done in {results['elapsed_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
