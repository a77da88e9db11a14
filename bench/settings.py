"""Settings for benchmark runs: production settings served over plain HTTP on loopback.

DEBUG stays off so the figures reflect production (no query log, no debug pages); the
throttle still runs on every request, with a rate high enough never to refuse one.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
if not os.environ.get("PERSONAL_DATA_KEYS"):
    from hetao.crypto import development_keys

    _keys, _hash_key = development_keys(os.environ["SECRET_KEY"])
    os.environ["PERSONAL_DATA_KEYS"] = ",".join(_keys)
    os.environ.setdefault("PERSONAL_DATA_HASH_KEY", _hash_key)

from hetao.settings import *  # noqa: F403
from hetao.settings import CACHES, REST_FRAMEWORK

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
# Benchmark keys stay apart from anything else sharing the Redis server.
CACHES["default"]["KEY_PREFIX"] = "hetao-bench"
# The throttle still runs on every request; the rate is only high enough never to refuse one.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"principal": "1000000/s", "anon": "1000000/s"}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
