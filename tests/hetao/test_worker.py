from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from hetao.tasks import clear_expired_sessions


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_runs_a_task_against_the_test_database(celery_worker):
    now = timezone.now()
    Session.objects.create(session_key="expired" * 4, session_data="x", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="current" * 4, session_data="x", expire_date=now + timedelta(days=1))

    result = clear_expired_sessions.delay()

    assert result.get(timeout=30) == 1
    assert result.successful()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current" * 4]
