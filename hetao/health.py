"""Health probes used by /healthz and the docker-compose healthchecks."""

import time

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
    from hetao.celery import app

    replies = app.control.ping(timeout=1.0) or []
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return f"{len(replies)} worker(s) answered"


def check_all() -> dict:
    return {"database": _timed(_database), "redis": _timed(_redis), "worker": _timed(_worker)}
