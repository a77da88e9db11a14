"""Health probes used by /healthz and the docker-compose healthchecks.

`python -m hetao.health [URL]` is the container probe of the web service: it asks /healthz
and succeeds when the web process answers with its database and Redis reachable. Workers
have their own probe, so a stopped worker does not mark the web service unhealthy.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import connection


def _timed(probe):
    started = time.monotonic()
    try:
        detail = probe()
        ok = True
    except Exception as error:
        detail, ok = f"{type(error).__name__}: {error}", False
    return {"ok": ok, "detail": detail, "ms": round((time.monotonic() - started) * 1000, 1)}


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "reachable"


def _redis():
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    client.ping()
    return "reachable"


def _worker():
    # Control broadcasts reach every worker on the broker, including those of other
    # deployments or test runs sharing it: count only the workers consuming our queue.
    from hetao.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    replies = app.control.inspect(timeout=1.0).active_queues() or {}
    serving = sorted(name for name, queues in replies.items() if any(q.get("name") == queue for q in queues or []))
    if not serving:
        raise RuntimeError(f"no Celery worker consumes the queue '{queue}'")
    return f"{len(serving)} worker(s) consume the queue '{queue}'"


def check_all() -> dict:
    return {"database": _timed(_database), "redis": _timed(_redis), "worker": _timed(_worker)}


def _probe_host() -> str:
    """A Host header the deployment accepts: the first concrete entry of ALLOWED_HOSTS."""
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def probe(url: str = "http://127.0.0.1:8000/healthz") -> int:
    """Exit status for a container healthcheck of the web service (0 healthy, 1 not)."""
    # X-Forwarded-Proto keeps SECURE_SSL_REDIRECT from answering the probe with a redirect.
    headers = {"Host": _probe_host(), "X-Forwarded-Proto": "https"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - the operator's own probe URL
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as error:
        body = error.read()  # 503 "degraded" still reports each part
    except OSError as error:
        print(f"unhealthy: {url} did not answer: {error}", file=sys.stderr)
        return 1
    try:
        status = json.loads(body)
    except ValueError:
        print(f"unhealthy: {url} did not answer with the health report", file=sys.stderr)
        return 1
    print(json.dumps(status))
    return 0 if all(status.get(part, {}).get("ok") for part in ("database", "redis")) else 1


if __name__ == "__main__":
    sys.exit(probe(*sys.argv[1:2]))
