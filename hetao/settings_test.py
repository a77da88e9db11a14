"""Settings for the test suite: production settings with fast hashing and isolated keys."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
# Fixed test keys (a Fernet key is 32 url-safe base64 bytes); production sets its own.
os.environ.setdefault("PERSONAL_DATA_KEYS", "dGVzdC1vbmx5LXBlcnNvbmFsLWRhdGEta2V5LTAwMDE=")
os.environ.setdefault("PERSONAL_DATA_HASH_KEY", "test-only-personal-data-hash-key")

from hetao.settings import *  # noqa: F403
from hetao.settings import CACHES, REST_FRAMEWORK

# Shared by the test process and the Celery worker it starts (inherited environment).
# Under pytest-xdist each worker (and the Celery worker it starts) gets its own suffix.
_RUN = os.environ.setdefault("HETAO_TEST_RUN", f"test-{os.getpid()}") + os.environ.get("PYTEST_XDIST_WORKER", "")

SECURE_SSL_REDIRECT = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# The Celery worker that tests start writes its e-mails to files the tests read (tests/conftest.py).
if os.environ.get("HETAO_TEST_MAIL_DIR"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": os.environ["HETAO_TEST_MAIL_DIR"]},
        }
    }
MEDIA_ROOT = BASE_DIR / "var" / f"media-{_RUN}"  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# A test run shares Redis with anything else on the machine: its own keys and queue.
CACHES["default"]["KEY_PREFIX"] = _RUN
CELERY_TASK_DEFAULT_QUEUE = _RUN
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"principal": "100000/min", "anon": "100000/min"}
# Generous, so that tests of 401 answers never trip it; a test of the throttle overrides it.
API_AUTH_FAILURE_THROTTLE_RATE = "100000/min"
# Tests serve static files from static/ directly; nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
