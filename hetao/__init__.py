"""The Hetao Zone Portal project: settings, URLs, Celery app and cross-cutting pieces."""

from .celery import app as celery_app

__all__ = ("celery_app",)
