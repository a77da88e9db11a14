"""The batch-import benchmark (issue bars of DESIGN.md section 8 for batch filings).

In one run, on a database of its own seeded with the demo zone:

- declaration files of 100k and 1M item rows as CSV and 100k as XLSX (`bench.batch_data`, 1 % bad
  rows, imported in valid_rows_only mode so the good 99 % are written);
- each imported end to end by a real Celery worker (a fresh `celery worker --pool solo` per file,
  so its peak RSS is the import's), and the 100k CSV also inline in this process;
- the floor: `COPY` of the very rows the import created (declarations and items, cleaned, with new
  numbers and references) into the same tables, with the same triggers.

Bars: ours ÷ COPY ≥ 0.15 (rows/s) and 1M rows < 60 s; peak RSS 1M ÷ 100k ≤ 1.5; Celery ÷ inline
≤ 1.05; XLSX ÷ CSV reported (target ≤ 3).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.report import verdict

BASE_DIR = Path(__file__).resolve().parent.parent
QUEUE = "hetao-bench-batches"


def log(message: str) -> None:
    print(f"bench {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def recreate_database(url: str) -> None:
    """A fresh database for the run (its name always says "bench": see bench.data)."""
    from urllib.parse import urlsplit, urlunsplit

    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    assert "bench" in name, name
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare():
    """Migrate and seed the demo zone; the filer, its institution and what its rows refer to."""
    from django.core.management import call_command

    from bench.batch_data import Subject
    from customs.models import HsCode
    from hetao.audit import audit_context
    from zone import demo
    from zone.models import EntryStatus, Institution, WhitelistEntry

    call_command("migrate", verbosity=0, interactive=False)
    with audit_context(channel="command", command="bench"):
        seeded = demo.seed()
    entry = WhitelistEntry.objects.filter(status=EntryStatus.ACTIVE, scopes__contains=["goods"]).order_by("pk").first()
    institution = entry.institution
    receiver = Institution.objects.exclude(pk=institution.pk).order_by("pk").first()
    filer = next(user for user in seeded.users.values() if user.memberships.filter(institution=institution).exists())
    chapters = {"instrument": "90", "reagent_consumable": "38", "sample": "25", "general": "84"}
    subheadings = {
        category: list(
            HsCode.objects.filter(declarable=True, code__startswith=chapter)
            .order_by("code")
            .values_list("code", flat=True)[:60]
        )
        for category, chapter in chapters.items()
    }
    # The declarant holds stock of every subheading its rows use (as if imported earlier): its exits and
    # transfers inside the park pass the stock check, as a real institution's would.
    from bench.batch_data import UNITS
    from customs.models import StockBalance

    StockBalance.objects.bulk_create(
        [
            StockBalance(institution=institution, subheading_id=code, unit=UNITS[category], quantity=10**9)
            for category, codes in subheadings.items()
            for code in codes
        ],
        ignore_conflicts=True,
    )
    return filer, institution, Subject(receiver=receiver.registration_no, subheadings=subheadings)


def submit(path: Path, filer, institution):
    from django.core.files import File

    from hetao.batches.services import batch_submit

    with path.open("rb") as handle:
        batch, _created = batch_submit(
            kind="customs_declarations", uploaded=File(handle, name=path.name), actor=filer,
            institution=institution, mode="valid_rows_only",
        )  # fmt: skip
    return batch


class Worker:
    """A `celery worker --pool solo` on the benchmark's queue; its peak RSS read from /proc."""

    def __init__(self, database_url: str, log_path: Path):
        env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="bench.settings", CELERY_QUEUE=QUEUE)
        self.name = f"bench-{time.monotonic_ns()}@localhost"
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "hetao", "worker", "--pool", "solo", "--queues", QUEUE,
             "--hostname", self.name, "--without-gossip", "--without-mingle",
             "--loglevel", "WARNING"],
            cwd=BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60) -> None:
        from hetao.celery import app

        deadline = time.monotonic() + timeout
        while not app.control.ping(destination=[self.name], timeout=0.5):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the benchmark worker did not start; see {self.log.name}")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wait_done(batch, timeout: float = 900):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status not in ("queued", "validating", "importing"):
            return batch
        time.sleep(0.05)
    raise RuntimeError(f"batch {batch.pk} still {batch.status} after {timeout} s")


def through_worker(path: Path, warm_up: Path, filer, institution, database_url: str, log_path: Path) -> dict:
    """Import `path` through a fresh worker, after a small `warm_up` file; wall time from submission
    to outcome and the worker's peak RSS."""
    from django.db import connection

    worker = Worker(database_url, log_path)
    try:
        worker.wait_ready()
        wait_done(submit(warm_up, filer, institution))  # a first small file: imports, lookups, connections
        baseline_rss = worker.peak_rss_mb()
        started = time.monotonic()
        batch = submit(path, filer, institution)  # the task is sent when this commits
        queued = time.monotonic()
        batch = wait_done(batch)
        done = time.monotonic()
        peak = worker.peak_rss_mb()
    finally:
        worker.stop()
    connection.close()
    return _figures(batch, done - started, done - queued) | {
        "peak_rss_mb": round(peak, 1),
        "idle_rss_mb": round(baseline_rss, 1),
    }


def inline(path: Path, warm_up: Path, filer, institution) -> dict:
    """The same import run in this process, without the broker: submit, then the engine directly
    (after the same small `warm_up` file)."""
    from hetao.batches import engine

    if warm_up is not None:
        engine.run(submit(warm_up, filer, institution).pk)
    started = time.monotonic()
    batch = submit(path, filer, institution)
    queued = time.monotonic()
    engine.run(batch.pk)
    done = time.monotonic()
    batch.refresh_from_db()
    return _figures(batch, done - started, done - queued)


def celery_vs_inline(folder, rows, subject, filer, institution, database_url, log_path, *, seed, pairs=3) -> dict:
    """The same import through one warm worker and inline in this process, alternately, `pairs`
    times each (fresh files of `rows` rows); the medians of the import times and their ratio."""
    from statistics import median

    from bench.batch_data import write_csv

    log(f"Celery ÷ inline: {rows:,} rows through one worker and inline, alternately, {pairs} times each")
    worker = Worker(database_url, log_path)
    timings = {"worker": [], "inline": []}
    try:
        worker.wait_ready()
        wait_done(submit(write_csv(folder / "pair-warm-up.csv", 200, subject, seed=seed), filer, institution))
        for pair in range(pairs):
            path = write_csv(folder / f"pair-{pair}-worker.csv", rows, subject, seed=seed + 1 + 2 * pair)
            batch = submit(path, filer, institution)
            queued = time.monotonic()
            wait_done(batch)
            timings["worker"].append(round(time.monotonic() - queued, 2))
            path = write_csv(folder / f"pair-{pair}-inline.csv", rows, subject, seed=seed + 2 + 2 * pair)
            timings["inline"].append(inline(path, None, filer, institution)["import_seconds"])
    finally:
        worker.stop()
    timings["ratio"] = round(median(timings["worker"]) / median(timings["inline"]), 3)
    return timings


def _figures(batch, seconds: float, import_seconds: float) -> dict:
    """`seconds` from the upload to the outcome; `import_seconds` from the task's dispatch."""
    from customs.models import Declaration, DeclarationItem

    items = DeclarationItem.objects.filter(declaration__batch=batch).count()
    return {
        "batch": batch.pk,
        "status": batch.status,
        "rows": batch.total_rows,
        "ok_rows": batch.ok_rows,
        "failed_rows": batch.failed_rows,
        "declarations": Declaration.objects.filter(batch=batch).count(),
        "items": items,
        "seconds": round(seconds, 2),
        "import_seconds": round(import_seconds, 2),
        "rows_per_s": round(batch.total_rows / seconds) if seconds else None,
    }


def copy_floor(database_url: str, batch_id: int, folder: Path) -> dict:
    """COPY the declarations and items batch `batch_id` created — cleaned, renumbered — back into the
    same tables (their triggers included), timing only the COPYs; rows/s over the file's rows."""
    with psycopg.connect(database_url) as conn:
        columns = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'customs_declaration' "
                "AND column_name NOT IN ('id', 'number', 'reference') ORDER BY ordinal_position"
            )
        ]
        item_columns = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'customs_declarationitem' "
                "AND column_name NOT IN ('id', 'declaration_id') ORDER BY ordinal_position"
            )
        ]
        conn.execute(
            "CREATE TEMPORARY TABLE bench_map AS SELECT id AS old_id, "
            "nextval(pg_get_serial_sequence('customs_declaration', 'id')) AS new_id "
            "FROM customs_declaration WHERE batch_id = %s",
            [batch_id],
        )
        declarations, items = folder / "declarations.copy", folder / "items.copy"
        selected = ", ".join("d." + column for column in columns)
        with (
            declarations.open("wb") as out,
            conn.cursor().copy(
                f"COPY (SELECT m.new_id, 'HTCD-2099-' || lpad(m.new_id::text, 7, '0'), d.reference || '~c', "
                f"{selected} FROM customs_declaration d JOIN bench_map m ON m.old_id = d.id) "
                "TO STDOUT"
            ) as copy,
        ):
            for chunk in copy:
                out.write(chunk)
        with (
            items.open("wb") as out,
            conn.cursor().copy(
                f"COPY (SELECT m.new_id, {', '.join('i.' + c for c in item_columns)} FROM customs_declarationitem i "
                "JOIN bench_map m ON m.old_id = i.declaration_id) TO STDOUT"
            ) as copy,
        ):
            for chunk in copy:
                out.write(chunk)
        conn.commit()
        started = time.monotonic()
        with conn.transaction():
            for path, table, names in (
                (declarations, "customs_declaration", ["id", "number", "reference", *columns]),
                (items, "customs_declarationitem", ["declaration_id", *item_columns]),
            ):
                with (
                    path.open("rb") as source,
                    conn.cursor().copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
                ):
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
        seconds = time.monotonic() - started
    return {"seconds": round(seconds, 2)}


def measure(database_url: str, *, small: int, large: int, seed: int) -> dict:
    from bench.batch_data import write_csv, write_xlsx

    filer, institution, subject = prepare()
    folder = Path(tempfile.mkdtemp(prefix="hetao-bench-batches-"))
    log_path = BASE_DIR / "var" / "bench-batch-worker.log"
    results = {"config": {"small": small, "large": large, "seed": seed}, "runs": {}}
    log(f"writing {small:,}-row CSV and XLSX and a {large:,}-row CSV")
    files = {
        "csv_small": write_csv(folder / "small.csv", small, subject, seed=seed),
        "xlsx_small": write_xlsx(folder / "small.xlsx", small, subject, seed=seed + 2),
        "csv_large": write_csv(folder / "large.csv", large, subject, seed=seed + 3),
    }
    results["files"] = {name: path.stat().st_size for name, path in files.items()}
    for name in ("csv_small", "xlsx_small", "csv_large"):
        log(f"importing {name} through a worker")
        warm_up = write_csv(folder / f"warm-up-{name}.csv", 200, subject, seed=seed + 10 + len(results["runs"]))
        results["runs"][name] = through_worker(files[name], warm_up, filer, institution, database_url, log_path)
        log(f"  {results['runs'][name]}")
    results["runs"]["celery_vs_inline"] = celery_vs_inline(folder, small, subject, filer, institution, database_url,
                                                          log_path, seed=seed + 30)  # fmt: skip
    log(f"  {results['runs']['celery_vs_inline']}")
    for name in ("csv_small", "csv_large"):
        floor = copy_floor(database_url, results["runs"][name]["batch"], folder)
        rows = results["runs"][name]["rows"]
        floor["rows_per_s"] = round(rows / floor["seconds"]) if floor["seconds"] else None
        results["runs"][name]["copy"] = floor
        log(f"  COPY floor of {name}: {floor}")
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    return results


def evaluate(results: dict) -> list[dict]:
    runs = results["runs"]
    bars = []
    for name in ("csv_small", "csv_large"):
        run = runs[name]
        ratio = run["rows_per_s"] / run["copy"]["rows_per_s"]
        bars.append(
            {"bar": f"{name}: ours ÷ COPY rows/s", "value": round(ratio, 3), "target": "≥ 0.15", "ok": ratio >= 0.15}
        )
    large = runs["csv_large"]
    bars.append({"bar": f"{large['rows']:,} rows end to end", "value": large["seconds"], "target": "< 60 s",
                 "ok": large["seconds"] < 60})  # fmt: skip
    rss = large["peak_rss_mb"] / runs["csv_small"]["peak_rss_mb"]
    bars.append({"bar": "peak RSS large ÷ small", "value": round(rss, 2), "target": "≤ 1.5", "ok": rss <= 1.5})
    celery = runs["celery_vs_inline"]["ratio"]
    bars.append(
        {"bar": "Celery ÷ inline wall time (medians)", "value": celery, "target": "≤ 1.05", "ok": celery <= 1.05}
    )
    xlsx = runs["xlsx_small"]["seconds"] / runs["csv_small"]["seconds"]
    bars.append({"bar": "XLSX ÷ CSV wall time (reported)", "value": round(xlsx, 2), "target": "≤ 3", "ok": xlsx <= 3})
    return bars


def render(results: dict, bars: list[dict]) -> str:
    lines = ["", "Batch import (customs_declarations, valid_rows_only, 1 % bad rows)", ""]
    lines.append(
        f"{'run':<18} {'rows':>10} {'s':>8} {'rows/s':>9} {'COPY s':>7} {'COPY rows/s':>12} {'ratio':>6} {'peak MB':>8}"
    )
    for name, run in results["runs"].items():
        if name == "celery_vs_inline":
            continue
        copy = run.get("copy", {})
        ratio = f"{run['rows_per_s'] / copy['rows_per_s']:.3f}" if copy else ""
        lines.append(
            f"{name:<18} {run['rows']:>10,} {run['seconds']:>8.2f} {run['rows_per_s']:>9,} "
            f"{copy.get('seconds', ''):>7} {copy.get('rows_per_s', '') or '':>12} {ratio:>6} "
            f"{run.get('peak_rss_mb', ''):>8}"
        )  # fmt: skip
    pairs = results["runs"]["celery_vs_inline"]
    lines.append(f"celery vs inline   worker {pairs['worker']} s, inline {pairs['inline']} s")
    lines.append("")
    for bar in bars:
        lines.append(f"{verdict(bar['ok'])}  {bar['bar']}: {bar['value']} (target {bar['target']})")
    return "\n".join(lines)


def main(argv=None) -> int:
    import argparse
    import json
    from datetime import UTC, datetime

    parser = argparse.ArgumentParser(prog="python -m bench.batches", description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100_000, help="rows of the small files (CSV and XLSX)")
    parser.add_argument("--large", type=int, default=1_000_000, help="rows of the large CSV")
    parser.add_argument("--seed", type=int, default=20231201)
    parser.add_argument("--output", type=Path, default=BASE_DIR / "var" / "bench-batches.json")
    args = parser.parse_args(argv)

    from bench.data import DEFAULT_DATABASE_URL, bench_database_url

    database_url = bench_database_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL) + "_batches"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["CELERY_QUEUE"] = QUEUE  # this process sends the tasks to the benchmark's own workers
    recreate_database(database_url)

    import django

    django.setup()
    started = time.monotonic()
    log(f"database {database_url.rsplit('/', 1)[-1]}: migrating and seeding the demo zone")
    results = measure(database_url, small=args.small, large=args.large, seed=args.seed)
    results["started_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["environment"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0], "loadavg": os.getloadavg()}
    bars = evaluate(results)
    results["bars"] = bars
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(render(results, bars))
    log(f"done in {results['elapsed_s']:.0f} s; figures in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
