"""Maintenance tasks of the portal core."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(ignore_result=False)
def clear_expired_sessions() -> int:
    """Delete expired browser sessions; returns how many went. Safe to run twice."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True, max_retries=8)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification to its recipient; skipped when they have no address. Safe to run twice."""
    from django.conf import settings
    from django.core.mail import send_mail

    from hetao.models import Notification

    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.email:
        return False
    link = notification.link
    if link.startswith("/"):
        link = settings.PORTAL_BASE_URL.rstrip("/") + link
    body = notification.body + (f"\n\n{link}\n" if link else "\n")
    send_mail(notification.subject, body, None, [notification.user.email])
    return True


@shared_task
def purge_idempotency_records(days: int = 7) -> int:
    """Forget Idempotency-Key answers older than `days`; a client retries well within that."""
    from datetime import timedelta

    from hetao.models import IdempotencyRecord

    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
