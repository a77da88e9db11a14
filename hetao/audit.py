"""The audit trail: one decorator for every business model, backed by django-pghistory.

Events are written by database triggers, so form, API, admin, batch, `QuerySet.update()`
and bulk operations are all recorded; PGHISTORY_APPEND_ONLY adds triggers that refuse
UPDATE and DELETE on the event tables.
"""

from contextlib import contextmanager

import pghistory
import pghistory.runtime
from django.db import connection


def audited(**kwargs):
    """Track inserts, updates (only when a field changes) and deletes of the decorated model."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        **kwargs,
    )


@contextmanager
def audit_context(**metadata):
    """Context for audit events written outside a request (tasks, commands, batch imports).

    pghistory keeps its context in transaction-local settings, which outlive the block when a
    transaction is still open; the outermost block clears them on exit so later writes in the
    same transaction are not credited to it.
    """
    outermost = not hasattr(pghistory.runtime._tracker, "value")
    with pghistory.context(**metadata):
        yield
    if outermost and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pghistory.context_id', '', true), "
                "set_config('pghistory.context_metadata', '', true)"
            )
