import socket

import pytest
from django.urls import reverse

from hetao.health import probe

# A queue no worker consumes: the session's worker keeps running for the other tests, and
# the health check must still see that nobody serves the portal's queue.
UNSERVED_QUEUE = "hetao-health-unserved-queue"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_healthz_is_ok_when_database_redis_and_a_worker_answer(client, celery_worker):
    response = client.get(reverse("healthz"))

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["redis"]["ok"] and body["worker"]["ok"]
    assert "1 worker(s)" in body["worker"]["detail"]
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_is_degraded_when_no_worker_serves_the_queue(client, settings):
    settings.CELERY_TASK_DEFAULT_QUEUE = UNSERVED_QUEUE

    response = client.get(reverse("healthz"))

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["database"]["ok"] and body["redis"]["ok"]
    assert not body["worker"]["ok"]
    assert UNSERVED_QUEUE in body["worker"]["detail"]


@pytest.mark.django_db
def test_healthz_is_degraded_when_redis_is_unreachable(client, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    settings.CELERY_TASK_DEFAULT_QUEUE = UNSERVED_QUEUE

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert not response.json()["redis"]["ok"]
    assert response.json()["database"]["ok"]


@pytest.mark.django_db
def test_healthz_answers_anonymous_requests_without_a_session(client):
    response = client.get(reverse("healthz"))

    assert response.status_code in (200, 503)
    assert "sessionid" not in response.cookies


@pytest.mark.django_db(transaction=True)
def test_the_container_probe_passes_while_web_database_and_redis_answer(live_server, settings, monkeypatch):
    # A stopped worker must not mark the web container unhealthy: workers have their own probe.
    settings.CELERY_TASK_DEFAULT_QUEUE = UNSERVED_QUEUE
    monkeypatch.setenv("ALLOWED_HOSTS", "localhost")

    assert probe(f"{live_server.url}/healthz") == 0


def test_the_container_probe_fails_when_nothing_answers():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    assert probe(f"http://127.0.0.1:{port}/healthz") == 1
