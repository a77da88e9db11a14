"""A bounded HTTP load client for loopback benchmarks, run in its own process.

    python -m bench.loadgen --url http://127.0.0.1:PORT/path --connections 4 --duration 5

Threads each hold an http.client connection (kept alive while the server allows it) and
send GETs until the duration or the request cap is reached; the result is one JSON line.
"""

import argparse
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def run(url: str, *, headers: dict[str, str], connections: int, duration: float, max_requests: int) -> dict:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1":
        raise SystemExit("loadgen: only http://127.0.0.1 targets are allowed")
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    lock = threading.Lock()
    sent = 0
    statuses: dict[int, int] = {}
    errors: list[str] = []
    latencies: list[list[float]] = [[] for _ in range(connections)]
    deadline = time.monotonic() + duration

    def worker(index: int) -> None:
        nonlocal sent
        conn = None
        while time.monotonic() < deadline:
            with lock:
                if sent >= max_requests:
                    return
                sent += 1
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    errors.append(type(error).__name__)
                if conn is not None:
                    conn.close()
                conn = None
                continue
            latencies[index].append((time.perf_counter() - started) * 1000)
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 30)
    elapsed = time.perf_counter() - started
    samples = sorted(value for per_thread in latencies for value in per_thread)
    completed = sum(statuses.values())
    ok = sum(count for status, count in statuses.items() if 200 <= status < 300)
    return {
        "requests": completed,
        "ok": ok,
        "non_2xx": completed - ok,
        "errors": len(errors),
        "seconds": round(elapsed, 3),
        "rps": round(ok / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(samples[len(samples) // 2], 3) if samples else None,
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 3) if samples else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    headers = dict(item.split(": ", 1) for item in args.header)
    result = run(
        args.url,
        headers=headers,
        connections=args.connections,
        duration=min(args.duration, 120.0),
        max_requests=args.max_requests,
    )
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
