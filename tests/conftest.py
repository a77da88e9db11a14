"""Fixtures shared by the whole suite: principals, API clients and a real Celery worker."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def _database_url(settings_dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def _worker_mail_dir() -> Path:
    return BASE_DIR / "var" / f"mail-{os.environ['HETAO_TEST_RUN']}{os.environ.get('PYTEST_XDIST_WORKER', '')}"


@dataclass(frozen=True)
class SentMail:
    """An e-mail the worker sent, as the tests read it."""

    subject: str
    to: list[str]
    body: str


@pytest.fixture
def worker_outbox(celery_worker):
    """The e-mails the Celery worker sends, read from the files it writes.

    `worker_outbox()` lists them now; `worker_outbox(wait_for=2)` waits (up to 30 s) until two
    have arrived. Each test starts with an empty outbox."""
    import email
    import email.policy
    import shutil

    folder = _worker_mail_dir()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)

    def read() -> list[SentMail]:
        messages = []
        for path in sorted(folder.glob("*.log")):
            # The file backend separates messages with a line of 79 dashes.
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if raw.strip():
                    message = email.message_from_bytes(raw.strip(), policy=email.policy.default)
                    messages.append(
                        SentMail(
                            subject=str(message["Subject"]),
                            to=[address.strip() for address in str(message["To"]).split(",")],
                            body=message.get_body(preferencelist=("plain",)).get_content(),
                        )
                    )
        return messages

    def outbox(wait_for: int = 0) -> list[SentMail]:
        deadline = time.monotonic() + 30
        messages = read()
        while len(messages) < wait_for and time.monotonic() < deadline:
            time.sleep(0.1)
            messages = read()
        return messages

    yield outbox
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real `celery worker` process on the test Redis queue, using the test database.

    Tests that hand work to it must commit their data: mark them `django_db(transaction=True)`.
    """
    from django.conf import settings

    from hetao.celery import app

    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url(connection.settings_dict)
    env["DJANGO_SETTINGS_MODULE"] = "hetao.settings_test"
    env["HETAO_TEST_MAIL_DIR"] = str(_worker_mail_dir())
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    name = f"{queue}@localhost"
    # One log per xdist worker, overwritten by the next run: the last run's is what matters.
    log = BASE_DIR / "var" / f"celery-test-worker{os.environ.get('PYTEST_XDIST_WORKER', '')}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hetao",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--hostname",
                name,
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start; see {log}:\n{log.read_text()[-3000:]}")
        yield name
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session", autouse=True)
def _remove_uploaded_files_after_the_run():
    """Documents uploaded by tests go to a media folder of this run; nothing of it outlives the run."""
    import shutil

    from django.conf import settings

    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _default_language():
    """Requests through the test client leave their language active in the thread; start each test in English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A `transaction=True` test ends by truncating every table, including the rows that data
    migrations load (staff role groups, the HS nomenclature); put them back for the next test.
    This runs after every fixture's teardown, so after that truncation."""
    result = yield
    marker = item.get_closest_marker("django_db")
    # Only while the test database is set up: not after the session's last test (it is gone),
    # nor after a test skipped before it existed (the connection still names the real database).
    if (
        marker
        and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
        and connection.settings_dict["NAME"].startswith("test_")
    ):
        from django.apps import apps
        from django.contrib.auth.models import Group
        from pytest_django.plugin import blocking_manager_key

        from customs.hs import load_nomenclature
        from customs.models import HsCode
        from hetao.roles import sync_roles

        with item.config.stash[blocking_manager_key].unblock():
            if not Group.objects.exists():
                sync_roles(apps)
            if not HsCode.objects.exists():
                load_nomenclature(HsCode)
            from importlib import import_module

            from zone.models import NegativeListEntry

            if not NegativeListEntry.objects.exists():
                import_module("zone.migrations.0008_default_negative_list").seed(apps, None)
            from customs.models import RiskRule

            if not RiskRule.objects.exists():
                import_module("customs.migrations.0006_default_risk_rules").seed(apps, None)
    return result


@pytest.fixture
def api_client():
    """A DRF test client without credentials."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def bearer_client():
    """Make a DRF test client that sends `Authorization: Bearer <secret>` (and any extra WSGI headers)."""
    from rest_framework.test import APIClient

    def make(secret: str, **extra):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", **extra)
        return client

    return make
