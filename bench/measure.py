"""In-process measurements of the site list: latency, deep pages, SQL queries, cost breakdown.

Requests go through Django's test client, so the whole middleware stack, DRF, the bearer
token and the throttle run as in production, without the noise of a network hop.
"""

import statistics
import time
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

SITES = "/api/v1/sites/"


def summary(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p90_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))], 3),
        "min_ms": round(ordered[0], 3),
        "n": len(ordered),
    }


class Api:
    """A partner calling the API with its bearer token."""

    def __init__(self, token_secret: str):
        self.client = Client(headers={"Authorization": f"Bearer {token_secret}"})

    def get(self, path: str):
        response = self.client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}: {response.content[:300]!r}")
        return response

    def timed(self, path: str) -> float:
        started = time.perf_counter()
        self.get(path)
        return (time.perf_counter() - started) * 1000

    def compare(self, paths: dict[str, str], *, reps: int, warmup: int = 3, budget_s: float = 20.0) -> dict:
        """Median latency of each path, requests interleaved so that noise falls on all alike.

        A path that has used up its time budget stops early (never below five samples).
        """
        samples = {name: [] for name in paths}
        spent = dict.fromkeys(paths, 0.0)
        for name, path in paths.items():
            for _ in range(warmup):
                spent[name] += self.timed(path) / 1000
        for _ in range(reps):
            for name, path in paths.items():
                if len(samples[name]) >= 5 and spent[name] > budget_s:
                    continue
                elapsed = self.timed(path)
                samples[name].append(elapsed)
                spent[name] += elapsed / 1000
        return {name: summary(values) for name, values in samples.items()}

    def site_queries(self, path: str) -> list[str]:
        """The SQL statements one request runs (after a warm-up, so the token's
        once-a-minute last_used_at write does not fall into the count)."""
        self.get(path)
        with CaptureQueriesContext(connection) as captured:
            self.get(path)
        return [query["sql"] for query in captured.captured_queries]


def explain(sql: str, runs: int = 3) -> dict:
    """EXPLAIN ANALYZE of one statement (the fastest of `runs`): execution time, plan, rows examined."""
    with connection.cursor() as cursor:
        plans = []
        for _ in range(runs):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            plans.append(cursor.fetchone()[0][0])
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        text = [row[0] for row in cursor.fetchall()]
    plan = min(plans, key=lambda candidate: candidate["Execution Time"])
    removed = 0
    nodes = []

    def walk(node):
        nonlocal removed
        removed += node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Join Filter", 0)
        label = node["Node Type"]
        if "Index Name" in node:
            label += f" using {node['Index Name']}"
        elif "Relation Name" in node:
            label += f" on {node['Relation Name']}"
        nodes.append(label)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return {
        "execution_ms": round(plan["Execution Time"], 3),
        "rows_removed_by_filter": removed,
        "shared_blocks": plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0),
        "nodes": nodes,
        "plan": text,
    }


def site_list_sql(api: Api, path: str) -> str:
    statements = [sql for sql in api.site_queries(path) if 'FROM "zone_site"' in sql]
    if not statements:
        raise RuntimeError(f"no query on zone_site for {path}")
    return statements[0]


# Timed right before every list request at both table sizes: an authenticated DRF request that
# runs the same layers (Python, a PostgreSQL round trip, Redis) but never reads zone_site. On a
# shared machine the neighbours' load moves both alike, so list ÷ control moves much less than
# the list alone, and the drift of the control between the two sizes is the machine's, not the table's.
CONTROL = "/bench/drf-ok/"


def latency(api: Api, shapes: dict[str, str], *, reps: int, budget_s: float = 20.0) -> dict:
    """Bar (a), one table size: first-page latency, its ratio to the control, and the database's own time."""
    paths = {name: f"{SITES}?{query}" if query else SITES for name, query in shapes.items()}
    samples = {name: [] for name in paths}
    relative = {name: [] for name in paths}
    control = []
    spent = dict.fromkeys(paths, 0.0)
    for path in [*paths.values(), CONTROL]:
        for _ in range(3):
            api.get(path)
    for _ in range(reps):
        for name, path in paths.items():
            if len(samples[name]) >= 5 and spent[name] > budget_s:
                continue  # a slow list has had its share of the time; its median is clear already
            before = api.timed(CONTROL)
            elapsed = api.timed(path)
            control.append(before)
            samples[name].append(elapsed)
            relative[name].append(elapsed / before)
            spent[name] += elapsed / 1000
    results = {"control": {**summary(control), "path": CONTROL}, "lists": {}}
    for name, path in paths.items():
        results["lists"][name] = {
            **summary(samples[name]),
            "relative_to_control": round(statistics.median(relative[name]), 3),
            "path": path,
            "explain": explain(site_list_sql(api, path)),
        }
    return results


def deep_cursor(path: str, key: list[str], values: list) -> str:
    """The list URL whose cursor starts right after the row with sort-key `values`, as a client
    that had paged that far would hold it."""
    from rest_framework.utils.urls import replace_query_param

    from hetao.api import pagination

    if hasattr(pagination, "cursor_token"):  # the portal's keyset cursor: the full sort key
        token = pagination.cursor_token(key, values)
    else:  # DRF's cursor: the leading sort column only
        from rest_framework.pagination import Cursor

        paginator = pagination.CursorPagination()
        paginator.base_url = path
        return paginator.encode_cursor(Cursor(offset=0, reverse=False, position=str(values[0])))
    return replace_query_param(path, "cursor", token)


def row_at(order: list[str], fraction: float) -> list:
    """The values of the `order` columns of the site at `fraction` of the table in that order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM zone_site")
        (rows,) = cursor.fetchone()
        # The columns are fixed names from this module, never user input.
        columns = ", ".join(f'"{name}"' for name in order)
        cursor.execute(f"SELECT {columns} FROM zone_site ORDER BY {columns} OFFSET %s LIMIT 1", [int(rows * fraction)])
        return list(cursor.fetchone())


def deep_pages(api: Api, *, walk_pages: int, reps: int) -> dict:
    """Bar (b): the first page against a page `walk_pages` deep (following `next`) and against
    a cursor 90% into the table, for the default ordering (code) and for ordering by id."""
    results = {}
    page = SITES
    walk_ms = []
    for _ in range(walk_pages):
        started = time.perf_counter()
        body = api.get(page).json()
        walk_ms.append((time.perf_counter() - started) * 1000)
        if not body["next"]:
            break
        parts = urlsplit(body["next"])
        page = f"{parts.path}?{parts.query}"
    results["walk"] = {"pages": len(walk_ms), "per_page": summary(walk_ms), "last_path": page}

    cases = {
        f"code: page {len(walk_ms)} via next": (SITES, page),
        "code: cursor at 90%": (SITES, deep_cursor(SITES, ["code", "id"], row_at(["code", "id"], 0.9))),
        "id: cursor at 90%": (
            f"{SITES}?ordering=id",
            deep_cursor(f"{SITES}?ordering=id", ["id"], row_at(["id"], 0.9)),
        ),
    }
    for name, (first, deep) in cases.items():
        if not api.get(deep).json()["results"]:
            raise RuntimeError(f"the deep page of {name} is empty")
        timed = api.compare({"first": first, "deep": deep}, reps=reps)
        results[name] = {
            "first": timed["first"],
            "deep": timed["deep"],
            "deep_path": deep,
            "deep_explain_ms": explain(site_list_sql(api, deep))["execution_ms"],
            "ratio": round(timed["deep"]["median_ms"] / timed["first"]["median_ms"], 3),
        }
    return results


def query_counts(api: Api, shapes: dict[str, str], page_sizes: list[int]) -> dict:
    """Bar (c): SQL statements per request for each page size."""
    results = {}
    for name, query in shapes.items():
        per_size = {}
        for size in page_sizes:
            path = f"{SITES}?{query}&page_size={size}" if query else f"{SITES}?page_size={size}"
            statements = api.site_queries(path)
            rows = len(api.get(path).json()["results"])
            per_size[str(size)] = {"queries": len(statements), "rows": rows, "sql": [s[:300] for s in statements]}
        results[name] = per_size
    return results


def breakdown(api: Api, *, filtered_query: str, reps: int) -> dict:
    """Where a list request's time goes: the same request with layers taken away.

    Each figure is the median wall time and the median CPU time of this process (Django and
    the test client; the database and Redis servers' own work is not in it).
    """
    paths = {
        "bare Django JsonResponse": "/bench/bare/",
        "DRF view, no auth/throttle": "/bench/drf-ok-noauth/",
        "DRF view + token auth": "/bench/drf-ok-nothrottle/",
        "DRF view + token auth + throttle": "/bench/drf-ok/",
        "site list, page_size=1": f"{SITES}?{filtered_query}&page_size=1",
        "site list, no throttle": f"/bench/sites-nothrottle/?{filtered_query}",
        "site list (filtered, 50 rows)": f"{SITES}?{filtered_query}",
    }
    wall = {name: [] for name in paths}
    cpu = {name: [] for name in paths}
    for path in paths.values():
        for _ in range(10):
            api.get(path)
    for _ in range(reps):
        for name, path in paths.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            api.get(path)
            cpu[name].append((time.process_time() - started_cpu) * 1000)
            wall[name].append((time.perf_counter() - started) * 1000)
    results = {
        name: {**summary(wall[name]), "cpu_median_ms": round(statistics.median(cpu[name]), 3), "path": path}
        for name, path in paths.items()
    }
    results["reference: Redis round trip (cache.get)"] = _round_trip(lambda: cache.get("bench-missing-key"), reps)
    results["reference: PostgreSQL round trip (SELECT 1)"] = _round_trip(_select_one, reps)
    return results


def _select_one():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _round_trip(call, reps: int) -> dict:
    wall, cpu = [], []
    for _ in range(max(reps, 20)):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return {**summary(wall), "cpu_median_ms": round(statistics.median(cpu), 3)}
