"""`flush`, which empties the audit trail too: the event tables refuse TRUNCATE, so it lifts their guard
for its own transaction. Only the tables' owner may do that, as only the owner could drop the guard."""

from django.core.management.commands import flush
from django.db import connections, transaction

from hetao.audit import TRUNCATE_GUARD, chain_installed, chain_triggers


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        connection = connections[database]
        with transaction.atomic(using=database), connection.cursor() as cursor:
            guarded = []
            if chain_installed(cursor):
                guarded = [table for table, triggers in chain_triggers(cursor).items() if TRUNCATE_GUARD in triggers]
            for table in guarded:
                cursor.execute(f"ALTER TABLE {connection.ops.quote_name(table)} DISABLE TRIGGER {TRUNCATE_GUARD}")
            super().handle(**options)
            for table in guarded:
                cursor.execute(f"ALTER TABLE {connection.ops.quote_name(table)} ENABLE TRIGGER {TRUNCATE_GUARD}")
