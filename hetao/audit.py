"""The audit trail: one decorator for every business model, backed by django-pghistory.

Events are written by database triggers, so form, API, admin, batch, `QuerySet.update()`
and bulk operations are all recorded; PGHISTORY_APPEND_ONLY adds triggers that refuse
UPDATE and DELETE on the event tables, and the chain below refuses TRUNCATE.

The chain makes a change that bypasses those triggers visible: a superuser with
`session_replication_role = replica`, or an owner who disables the triggers, can still edit,
delete or renumber events, but `manage.py audit_verify` then reports the first broken link.

- `hetao_auditseal` (AuditSeal) holds one link per event, in one chain for all event tables:
  `row_digest = sha256(canonical row)` and
  `hash = sha256(prev_hash || "<event table>:<event id>:" || row_digest)`, where `prev_hash`
  is the previous link's hash (32 zero bytes for the first link). The canonical row is
  `to_jsonb(event)` without the primary key and without NULL columns, as jsonb text (keys in
  jsonb's fixed order), rendered with TimeZone UTC, ISO dates, `extra_float_digits = 1` and hex
  bytea, whatever the session's settings. NULL columns are left out so that adding a nullable
  column to an event table keeps the old links valid; the event id is bound by the link hash
  rather than the digest, so a swapped or renumbered event is told apart from an edited one.
  One SQL function, `hetao_audit_row_digest()`, computes the digest for the trigger and for
  `audit_verify`, so both use the same canonical form.
- The trigger `hetao_audit_seal` (AFTER INSERT, FOR EACH ROW) on every event table appends the
  event's link as the event is written. Appending is serialised by a row lock on the one row of
  `hetao_auditchainhead` (AuditChainHead), taken by a transaction's first link and held to its
  commit, so the chain never forks; the previous hash is read through the seal table's primary
  key, never by a scan. The price: transactions that write audited rows take turns from their
  first event to their commit, so keep them short, take row locks before the first audited
  write (as the services do), and let a long batch import commit in chunks. (Sealing at commit
  with a deferred trigger would hold the lock for less time, but PostgreSQL's queue of deferred
  trigger events makes large transactions superlinearly slow: 100,000 events took 32 s instead
  of 7 s.)
- `hetao_audit_no_truncate` (BEFORE TRUNCATE, FOR EACH STATEMENT) on every event table and on
  the seal table refuses TRUNCATE; the seal table also refuses UPDATE and DELETE. The sealing
  function is SECURITY DEFINER and the others that append links are the owner's alone, so the
  portal's role needs no privilege on the seal tables and cannot forge a link.
- The SQL functions are created by migration hetao 0009, which also installs the triggers on
  every event table present then and seals the events already there, table by table in id
  order. Event tables that later migrations add get the triggers from `install_chain()`, run
  after every `migrate` (post_migrate); their events written before that are sealed then.
- A migration that rewrites existing events (drops, renames or retypes a column of an event
  table, fills a new NOT NULL column) changes what was sealed; it must end with
  `RunSQL("SELECT hetao_audit_seal_events('<event table>', reseal => true)")`, which appends a
  new link for every event of that table. The earlier links stay in the chain; `audit_verify`
  checks each event against its latest link.

What the chain cannot show: the newest links removed together with their events (keep the head
that `audit_verify` prints, and pass it back with `--anchor`), nor anything done by the tables'
owner, who can rewrite the whole chain; production's role must not own the event tables.
The request context (pghistory's context table, updated in place by design) is not sealed.
"""

from contextlib import contextmanager

import pghistory
import pghistory.runtime
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction


def audited(*, bulk_inserts: bool = False, **kwargs):
    """Track inserts, updates (only when a field changes) and deletes of the decorated model.

    `bulk_inserts`: the model is also created by the thousand (batch imports), so its insert events
    are written by one statement-level trigger per INSERT (from its transition table) rather than a
    row-level trigger per row; the events are the same."""
    return pghistory.track(
        pghistory.InsertEvent(level=pghistory.Statement if bulk_inserts else None),
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


SEAL_TRIGGER = "hetao_audit_seal"
TRUNCATE_GUARD = "hetao_audit_no_truncate"

_TRUNCATE_GUARD_SQL = """
DROP TRIGGER IF EXISTS hetao_audit_no_truncate ON {table};
CREATE TRIGGER hetao_audit_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION hetao_audit_refuse_truncate();
"""
# Since migration hetao 0017 the seal fires once per statement, over its transition table: a
# statement of many events — a batch import's — takes the chain's head once and appends its links
# in one INSERT. Before it (migrations 0009–0016 on a new database) the seal fired per row.
SEAL_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS hetao_audit_seal ON {table};
CREATE TRIGGER hetao_audit_seal AFTER INSERT ON {table} REFERENCING NEW TABLE AS sealed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hetao_audit_seal({pk_column});
"""
SEAL_ROW_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS hetao_audit_seal ON {table};
CREATE TRIGGER hetao_audit_seal AFTER INSERT ON {table}
    FOR EACH ROW EXECUTE FUNCTION hetao_audit_seal({pk_column});
"""


def _seals_per_statement(cursor) -> bool:
    """Whether the installed sealing function is the per-statement one (migration hetao 0017)."""
    cursor.execute(
        "SELECT coalesce(bool_or(prosrc LIKE '%%sealed_rows%%'), false) FROM pg_proc WHERE proname = 'hetao_audit_seal'"
    )
    return cursor.fetchone()[0]


def event_tables() -> dict[str, str]:
    """Table name → primary-key column of every pghistory event model."""
    from pghistory.core import event_models

    return {model._meta.db_table: model._meta.pk.column for model in event_models()}


def chain_installed(cursor) -> bool:
    """Whether migration hetao 0009 (the chain's SQL functions) has run on the cursor's database."""
    cursor.execute("SELECT to_regprocedure('hetao_audit_seal()') IS NOT NULL")
    return cursor.fetchone()[0]


def chain_triggers(cursor) -> dict[str, dict[str, bool]]:
    """Table → {trigger name: enabled} for the chain's triggers in the current schema."""
    cursor.execute(
        """
        SELECT c.relname, t.tgname, t.tgenabled <> 'D'
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = current_schema()::regnamespace AND t.tgname IN (%s, %s, 'hetao_audit_append_only')
        """,
        [SEAL_TRIGGER, TRUNCATE_GUARD],
    )
    triggers = {}
    for table, name, enabled in cursor.fetchall():
        triggers.setdefault(table, {})[name] = enabled
    return triggers


def install_chain(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Give every event table that lacks them the TRUNCATE guard and the sealing trigger; return those tables.

    A table that joins the chain now has its existing events sealed in id order. A table that already
    has links but lost a trigger only gets the trigger back: events written meanwhile stay unsealed, for
    `audit_verify` to report, rather than being sealed after the fact.
    """
    db = connections[using]
    if db.vendor != "postgresql":
        return []
    installed = []
    with transaction.atomic(using=using), db.cursor() as cursor:
        if not chain_installed(cursor):
            return []  # before migration hetao 0009
        existing = set(db.introspection.table_names(cursor))
        triggers = chain_triggers(cursor)
        for table, pk_column in sorted(event_tables().items()):
            if table not in existing or triggers.get(table, {}).keys() >= {SEAL_TRIGGER, TRUNCATE_GUARD}:
                continue
            seal = SEAL_TRIGGER_SQL if _seals_per_statement(cursor) else SEAL_ROW_TRIGGER_SQL
            cursor.execute(
                (_TRUNCATE_GUARD_SQL + seal).format(table=db.ops.quote_name(table), pk_column=_sql_literal(pk_column))
            )
            cursor.execute("SELECT EXISTS (SELECT FROM hetao_auditseal WHERE event_table = %s)", [table])
            if not cursor.fetchone()[0]:
                cursor.execute("SELECT hetao_audit_seal_events(%s)", [table])
            installed.append(table)
    return installed


def install_chain_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate receiver: event tables created by later migrations join the chain."""
    install_chain(using=using)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
