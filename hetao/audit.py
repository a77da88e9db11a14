"""The audit trail: one decorator for every business model, backed by django-pghistory.

Events are written by database triggers, so form, API, admin, batch, `QuerySet.update()`
and bulk operations are all recorded; PGHISTORY_APPEND_ONLY adds triggers that refuse
UPDATE and DELETE on the event tables.
"""

import pghistory


def audited(**kwargs):
    """Track inserts, updates (only when a field changes) and deletes of the decorated model."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        **kwargs,
    )


def audit_context(**metadata):
    """Context for audit events written outside a request (tasks, commands, batch imports)."""
    return pghistory.context(**metadata)
