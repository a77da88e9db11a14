"""Notifications: an in-portal message and an e-mail, each in its reader's language.

A notification stores its kind and parameters, not text: the page renders it in the language
the reader has chosen now, the e-mail in the recipient's preferred language. Templates live in
templates/notifications/<kind>_subject.txt and <kind>.txt (plain text, not HTML-escaped); the
e-mail is sent by a Celery task after the transaction commits, so a rolled-back operation sends
nothing.

Parameters are JSON values. A name that differs by language (an institution's name, a choice's
label) is stored as `localised(...)`: one text per portal language, picked at rendering.
"""

from collections.abc import Callable

from django.conf import settings
from django.utils import translation

from hetao.mail import one_line, render_text
from hetao.models import Notification

# Parameters of notifications written before they were stored as parameters: their text, verbatim.
LEGACY_SUBJECT, LEGACY_BODY = "_subject", "_body"


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def localised(make: Callable[[], object]) -> dict[str, str]:
    """`make()` evaluated in each portal language: {"en": …, "zh-hans": …, "zh-hant": …}."""
    values = {}
    for language in _languages():
        with translation.override(language):
            values[language] = str(make())
    return values


def _is_localised(value) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= set(_languages())


def _in_language(value, language: str):
    if _is_localised(value):
        return value.get(language) or value.get(settings.LANGUAGE_CODE) or next(iter(value.values()))
    return value


def render(kind: str, params: dict, language: str | None = None) -> tuple[str, str]:
    """(subject, body) of a notification in `language` (default: the active language)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if LEGACY_SUBJECT in params:
        return params[LEGACY_SUBJECT], params.get(LEGACY_BODY, "")
    with translation.override(language):
        context = {name: _in_language(value, language) for name, value in params.items()}
        subject = one_line(render_text(f"notifications/{kind}_subject.txt", context))
        body = render_text(f"notifications/{kind}.txt", context).strip()
    return subject, body


def notify(*, users, kind: str, params: dict, link: str = "") -> list[Notification]:
    """Tell each user (once) about an event; the e-mail follows after commit."""
    from hetao.tasks import send_notification_email

    render(kind, params)  # a template or parameter mistake fails here, in the operation, not in a reader's page
    created = []
    seen = set()
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        notification = Notification.objects.create(user=user, kind=kind, params=params, link=link)
        send_notification_email.delay_on_commit(notification.pk)
        created.append(notification)
    return created
