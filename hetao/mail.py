"""Plain-text e-mails rendered from templates in the recipient's language.

Text templates go through the "text" template engine, which escapes nothing: an e-mail shows
"lab's", not "lab&#x27;s". Pages that show the same text escape it once, when they render it.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template import engines
from django.utils import translation


def render_text(template_name: str, context: dict) -> str:
    """A text template rendered without HTML escaping."""
    return engines["text"].get_template(template_name).render(context)


def one_line(text: str) -> str:
    return " ".join(text.split())


def absolute_url(path: str) -> str:
    """A portal path as the absolute address e-mails link to (PORTAL_BASE_URL)."""
    if path.startswith("/"):
        return settings.PORTAL_BASE_URL.rstrip("/") + path
    return path


def send_templated_mail(*, to: str, template: str, context: dict, language: str | None = None) -> None:
    """Send `<template>_subject.txt` / `<template>.txt` to one address, in `language`."""
    with translation.override(language or settings.LANGUAGE_CODE):
        data = {"portal_name": settings.PORTAL_NAME, **context}
        subject = one_line(render_text(f"{template}_subject.txt", data))
        body = render_text(f"{template}.txt", data)
    send_mail(subject, body, None, [to])
