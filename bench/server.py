"""Bar (d): requests per second under gunicorn, driven by wrk or by bench.loadgen, on loopback."""

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, from /proc; None where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return children


def _database_backends(database_url: str) -> list[int]:
    """PostgreSQL backends connected to the benchmark database (the workers' persistent connections)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


class CpuMeter:
    """CPU time spent serving a load phase: the gunicorn workers plus their PostgreSQL backends.

    On a shared machine requests per second move with the neighbours' load; CPU time per request
    moves much less, so it is reported next to the rate as a steadier account of the cost.
    """

    def __init__(self, master_pid: int, database_url: str):
        self.master_pid = master_pid
        self.database_url = database_url

    def snapshot(self) -> dict[str, dict[int, float]]:
        groups = {"workers": _children(self.master_pid), "postgres": _database_backends(self.database_url)}
        return {name: {pid: _cpu_seconds(pid) for pid in pids} for name, pids in groups.items()}

    @staticmethod
    def spent(before: dict, after: dict) -> dict[str, float | None]:
        result = {}
        for name, pids in before.items():
            deltas = [
                after[name].get(pid) - start
                for pid, start in pids.items()
                if start is not None and after[name].get(pid) is not None
            ]
            result[name] = sum(deltas) if deltas else None
        return result


@contextmanager
def gunicorn(*, workers: int, log_path: Path, settings: str = "bench.settings"):
    """Serve the portal (with the benchmark's URLs) with `workers` sync workers; yield (base URL, pid)."""
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "hetao.wsgi:application",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "30",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log_path),
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(f"{base}/bench/bare/", timeout=5) as response:  # noqa: S310 - loopback URL
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer within 30s; see {log_path}") from None
                time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def check_endpoint(url: str, headers: dict[str, str]) -> dict:
    """One request before the load: the target must answer 200 with a JSON body."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback URL
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback URL
        body = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(f"{url} answered {response.status}")
    return body


def choose_driver(preference: str) -> str:
    if preference == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if preference == "wrk" and not shutil.which("wrk"):
        raise SystemExit("bench: --driver wrk, but wrk is not on PATH")
    return preference


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return round(float(value) * _WRK_UNITS[unit], 3)


def run_wrk(url: str, *, headers: dict[str, str], connections: int, duration: float) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    total = int(re.search(r"(\d+) requests in", output).group(1))
    seconds_match = re.search(r"requests in ([\d.]+)(ms|s|m)", output)
    seconds = float(seconds_match.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[seconds_match.group(2)]
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    errors = 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        # Sync workers close every connection after answering; wrk may count the close as a
        # read error while the request itself succeeded, so read errors are reported, not failed.
        connect, _read, write, timeout = map(int, m.groups())
        errors = connect + write + timeout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.MULTILINE))
    return {
        "requests": total,
        "ok": total - non_2xx,
        "non_2xx": non_2xx,
        "errors": errors,
        "seconds": round(seconds, 3),
        "rps": round((total - non_2xx) / seconds, 1),
        "p50_ms": _wrk_ms(latency["50"]) if "50" in latency else None,
        "p99_ms": _wrk_ms(latency["99"]) if "99" in latency else None,
    }


def run_python(url: str, *, headers: dict[str, str], connections: int, duration: float) -> dict:
    command = [sys.executable, "-m", "bench.loadgen", "--url", url, "--connections", str(connections)]
    command += ["--duration", str(duration), "--max-requests", str(int(duration * 20_000))]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    completed = subprocess.run(command, cwd=BASE_DIR, capture_output=True, text=True, check=True, timeout=duration + 60)
    return json.loads(completed.stdout)


def throughput(
    base: str,
    targets: dict[str, tuple[str, dict[str, str]]],
    *,
    meter: CpuMeter,
    driver: str,
    connections: int,
    duration: float,
    rounds: int,
) -> dict:
    """Requests per second of each target; targets alternate within each round so that any drift
    of the machine (other processes, caches warming) falls on all of them alike."""
    run = run_wrk if driver == "wrk" else run_python
    for path, headers in targets.values():
        check_endpoint(base + path, headers)
        run(base + path, headers=headers, connections=connections, duration=1)  # warm-up, discarded
    runs = {name: [] for name in targets}
    for _ in range(rounds):
        for name, (path, headers) in targets.items():
            before = meter.snapshot()
            result = run(base + path, headers=headers, connections=connections, duration=duration)
            spent = meter.spent(before, meter.snapshot())
            for group, seconds in spent.items():
                result[f"cpu_ms_{group}"] = (
                    round(seconds * 1000 / result["ok"], 3) if seconds is not None and result["ok"] else None
                )
            runs[name].append(result)
    results = {}
    for name, (path, _headers) in targets.items():
        rps = [r["rps"] for r in runs[name]]
        results[name] = {
            "path": path,
            "rps": round(statistics.median(rps), 1),
            "rps_rounds": rps,
            "p50_ms": statistics.median(r["p50_ms"] for r in runs[name] if r["p50_ms"] is not None),
            "non_2xx": sum(r["non_2xx"] for r in runs[name]),
            "errors": sum(r["errors"] for r in runs[name]),
            "requests": sum(r["requests"] for r in runs[name]),
        }
        for group in ("workers", "postgres"):
            values = [r[f"cpu_ms_{group}"] for r in runs[name] if r.get(f"cpu_ms_{group}") is not None]
            results[name][f"cpu_ms_{group}"] = round(statistics.median(values), 3) if values else None
    return results
