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
    from django.core.mail import send_mail

    from hetao.mail import absolute_url
    from hetao.models import Notification

    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.email:
        return False
    subject, body = notification.rendered(notification.user.language or "en")
    link = absolute_url(notification.link) if notification.link else ""
    send_mail(subject, body + (f"\n\n{link}\n" if link else "\n"), None, [notification.user.email])
    return True


@shared_task
def purge_idempotency_records(days: int = 7) -> int:
    """Forget Idempotency-Key answers older than `days`; a client retries well within that."""
    from datetime import timedelta

    from hetao.models import IdempotencyRecord

    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True, max_retries=8)
def send_confirmation_email(user_id: int) -> bool:
    """E-mail a new confirmation link to an account awaiting confirmation; does nothing once confirmed."""
    from hetao.accounts import send_confirmation_email as send

    return send(user_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True, max_retries=8)
def send_password_reset_email(user_id: int, language: str) -> bool:
    """E-mail a link to choose a new password (a fresh one, valid for PASSWORD_RESET_TIMEOUT)."""
    from hetao.accounts import send_password_reset_email as send

    return send(user_id, language)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=3000, time_limit=3300)
def run_batch(batch_id: int) -> str:
    """Import one batch filing (`hetao.batches.engine.run`). A redelivered message finds the batch
    claimed and does nothing; a worker lost mid-import wrote nothing, its one transaction undone."""
    from hetao.batches.engine import run

    return run(batch_id)


@shared_task
def requeue_orphaned_batches() -> list[int]:
    """Queue again the batches whose worker died mid-import (`hetao.batches.engine.requeue_orphans`)
    and hand each to a worker; returns their ids. Safe to run twice, and beside live workers."""
    from django.db import transaction

    from hetao.batches.engine import requeue_orphans

    requeued = requeue_orphans()
    for batch_id in requeued:
        transaction.on_commit(lambda batch_id=batch_id: run_batch.delay(batch_id))
    return requeued
