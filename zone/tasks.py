"""Scheduled tasks of the zone app."""

from celery import shared_task

from hetao.audit import audit_context


@shared_task
def whitelist_expire_and_remind() -> dict:
    """Expire whitelist entries past validity and send renewal reminders; safe to run twice."""
    from .services import entries_expire_and_remind

    with audit_context(channel="task", task="whitelist_expire_and_remind"):
        return entries_expire_and_remind()
