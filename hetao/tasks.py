"""Maintenance tasks of the portal core."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(ignore_result=False)
def clear_expired_sessions() -> int:
    """Delete expired browser sessions; returns how many went. Safe to run twice."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
