"""Scheduled tasks of the zone app."""

from celery import shared_task

from hetao.audit import audit_context


@shared_task
def whitelist_expire_and_remind() -> dict:
    """Expire whitelist entries past validity and send renewal reminders; safe to run twice."""
    from .services import entries_expire_and_remind

    with audit_context(channel="task", task="whitelist_expire_and_remind"):
        return entries_expire_and_remind()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True, max_retries=8)
def send_invitation_email(invitation_id: int, language: str) -> bool:
    """E-mail an invitation's link to the invited address; does nothing once it is accepted or expired."""
    from .emails import send_invitation_email as send

    return send(invitation_id, language)


@shared_task
def registered_persons_expire() -> dict:
    """Expire registered persons whose validity, or whose institution's whitelist filing for
    personnel, has ended; safe to run twice."""
    from .services import persons_expire

    with audit_context(channel="task", task="registered_persons_expire"):
        return persons_expire()
