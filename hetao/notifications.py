"""Notifications: an in-portal message and an e-mail, both in the recipient's language.

Templates live in templates/notifications/<kind>_subject.txt and <kind>.txt; the e-mail is sent
by a Celery task after the transaction commits, so a rolled-back operation sends nothing.
"""

from django.template.loader import render_to_string
from django.utils import translation

from hetao.models import Notification


def notify(*, users, kind: str, context: dict, link: str = "") -> list[Notification]:
    from hetao.tasks import send_notification_email

    created = []
    seen = set()
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        with translation.override(user.language or "en"):
            data = {**context, "user": user, "link": link}
            subject = " ".join(render_to_string(f"notifications/{kind}_subject.txt", data).split())
            body = render_to_string(f"notifications/{kind}.txt", data).strip()
        notification = Notification.objects.create(user=user, kind=kind, subject=subject[:200], body=body, link=link)
        send_notification_email.delay_on_commit(notification.pk)
        created.append(notification)
    return created
