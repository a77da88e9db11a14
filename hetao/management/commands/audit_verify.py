"""`manage.py audit_verify`: recompute the audit chain (see hetao.audit) and report the first broken link.

Every hash is recomputed in PostgreSQL by the functions the sealing trigger uses, so the canonical form is
the trigger's own; only the problems (at most a few thousand rows per table) come back to Python.
"""

import re
import time
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from hetao.audit import SEAL_TRIGGER, TRUNCATE_GUARD, chain_installed, chain_triggers, event_tables

SEAL_TABLE = "hetao_auditseal"
SHOWN = 20  # problems listed in the report
READ = 10_000  # failing rows read per table, enough to pair up swapped and renumbered events

EDITED = "the event's content differs from what was sealed"
UNSEALED = "the event has no link in the chain"
LINK_EDITED = "the link's hash does not match what it seals"
LINK_OUT_OF_ORDER = "the link does not follow the one before it: a link was removed, inserted or moved"

LINKS = """
SELECT id, event_table, event_pk, prev_hash, expected_prev, hash, expected_hash, count(*) OVER ()
  FROM (SELECT id, event_table, event_pk, prev_hash, hash,
               coalesce(lag(hash) OVER (ORDER BY id), hetao_audit_genesis()) AS expected_prev,
               hetao_audit_link_hash(prev_hash, event_table, event_pk, row_digest) AS expected_hash
          FROM hetao_auditseal) links
 WHERE prev_hash <> expected_prev OR hash <> expected_hash
 ORDER BY id
 LIMIT %s
"""

# Each event against its latest link (a reseal appends newer links for the same events).
EVENTS = """
SELECT s.id, s.event_pk, e.pk, s.row_digest, e.digest, count(*) OVER ()
  FROM (SELECT DISTINCT ON (event_pk) id, event_pk, row_digest
          FROM hetao_auditseal WHERE event_table = %(table)s ORDER BY event_pk, id DESC) s
  FULL JOIN (SELECT e.{pk} AS pk, hetao_audit_row_digest(e, %(pk)s) AS digest FROM {table} e) e
    ON e.pk = s.event_pk
 WHERE s.id IS NULL OR e.pk IS NULL OR s.row_digest <> e.digest
 ORDER BY s.id NULLS LAST, e.pk
 LIMIT %(limit)s
"""

PRIMARY_KEY = """
SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
 WHERE i.indrelid = to_regclass(quote_ident(%s)) AND i.indisprimary
"""


@dataclass
class Problem:
    """One finding; `link` is the seal id, the position in the chain, when there is one."""

    link: int | None
    table: str
    event: int | None
    kind: str
    detail: str
    expected: str = ""
    found: str = ""

    def sort_key(self):
        return (self.link is None, self.link or 0, self.table, self.event or 0)


def _hex(value) -> str:
    return bytes(value).hex() if value is not None else "none"


class Command(BaseCommand):
    help = (
        "Recompute the audit chain over every event table and report the first broken link. "
        "Exit status 0 when the chain is intact, 1 when it is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--table", help="check the events of this event table only (the links are always checked)")
        parser.add_argument(
            "--anchor",
            metavar="LINK:HASH",
            help="a head printed by an earlier run: fail unless that link is still in the chain with that hash",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database to check")

    def handle(self, *args, table=None, anchor=None, database=DEFAULT_DB_ALIAS, **options):
        anchor = self._parse_anchor(anchor)
        connection = connections[database]
        started = time.monotonic()
        nested = connection.in_atomic_block
        with transaction.atomic(using=database), connection.cursor() as cursor:
            if not nested:
                # One snapshot for every query, so that concurrent writers cannot make them disagree.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if not chain_installed(cursor):
                raise CommandError("The audit chain is not installed: run `manage.py migrate`.")
            known = set(event_tables())
            cursor.execute("SELECT event_table, count(*) FROM hetao_auditseal GROUP BY event_table")
            links_per_table = dict(cursor.fetchall())
            tables = sorted(known | set(links_per_table))
            if table is not None:
                if table not in tables:
                    raise CommandError(f"{table} is not an event table; they are: {', '.join(tables)}.")
                tables = [table]
            problems, failing_links = self._check_links(cursor)
            unread = failing_links - len(problems)
            problems += self._check_triggers(cursor, known, only=table)
            events_per_table = {}
            for name in tables:
                count, found, not_read = self._check_events(cursor, connection, name)
                events_per_table[name] = count
                problems += found
                unread += not_read
            cursor.execute("SELECT id, hash FROM hetao_auditseal ORDER BY id DESC LIMIT 1")
            head = cursor.fetchone()
            if anchor is not None:
                problems += self._check_anchor(cursor, *anchor)
        elapsed = time.monotonic() - started

        self._report(tables, events_per_table, links_per_table, head, problems, unread, elapsed)
        if problems:
            raise CommandError("The audit chain is broken.", returncode=1)

    @staticmethod
    def _parse_anchor(anchor):
        if anchor is None:
            return None
        match = re.fullmatch(r"(\d+):([0-9a-fA-F]{64})", anchor)
        if not match:
            raise CommandError("--anchor takes LINK:HASH, e.g. 1234:<64 hex digits>, as printed after 'head'.")
        return int(match[1]), bytes.fromhex(match[2])

    @staticmethod
    def _check_links(cursor) -> tuple[list[Problem], int]:
        """The seal table on its own: each link follows the one before and hashes to what it seals."""
        cursor.execute(LINKS, [READ])
        rows = cursor.fetchall()
        problems = []
        for link, table, event, prev_hash, expected_prev, hash_, expected_hash, _total in rows:
            if bytes(hash_) != bytes(expected_hash):
                kind, detail, expected, found = "link edited", LINK_EDITED, expected_hash, hash_
            else:
                kind, detail, expected, found = "link out of order", LINK_OUT_OF_ORDER, expected_prev, prev_hash
            problems.append(Problem(link, table, event, kind, detail, _hex(expected), _hex(found)))
        return problems, rows[0][-1] if rows else 0

    @staticmethod
    def _check_triggers(cursor, known, only=None) -> list[Problem]:
        triggers = chain_triggers(cursor)
        cursor.execute("SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace")
        existing = {row[0] for row in cursor.fetchall()}
        expected = {name: (SEAL_TRIGGER, TRUNCATE_GUARD) for name in known if name in existing}
        expected[SEAL_TABLE] = ("hetao_audit_append_only", TRUNCATE_GUARD)
        problems = []
        for name, needed in sorted(expected.items()):
            if only is not None and name not in (only, SEAL_TABLE):
                continue
            for trigger in needed:
                state = triggers.get(name, {}).get(trigger)
                if not state:
                    what = "missing" if state is None else "disabled"
                    problems.append(Problem(None, name, None, "unprotected", f"trigger {trigger} is {what}"))
        return problems

    @staticmethod
    def _check_events(cursor, connection, table) -> tuple[int, list[Problem], int]:
        """One table's events against their latest links: (events checked, problems, failing rows not read)."""
        cursor.execute(PRIMARY_KEY, [table])
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                "SELECT DISTINCT ON (event_pk) id, event_pk FROM hetao_auditseal WHERE event_table = %s "
                "ORDER BY event_pk, id DESC LIMIT %s",
                [table, READ],
            )
            gone = [
                Problem(link, table, event, "deleted", "the sealed event is missing: its table is gone")
                for link, event in cursor.fetchall()
            ]
            return 0, gone, 0
        pk = row[0]
        quoted, quoted_pk = connection.ops.quote_name(table), connection.ops.quote_name(pk)
        cursor.execute(f"SELECT count(*) FROM {quoted}")
        count = cursor.fetchone()[0]
        cursor.execute(EVENTS.format(table=quoted, pk=quoted_pk), {"table": table, "pk": pk, "limit": READ})
        fetched = cursor.fetchall()
        rows = [
            (link, sealed_pk, event, bytes(s) if s is not None else None, bytes(f) if f is not None else None)
            for link, sealed_pk, event, s, f, _total in fetched
        ]
        unread = fetched[0][-1] - len(fetched) if fetched else 0

        # A digest leaves the event id out, so content found under another id was swapped or renumbered.
        sealed_for = {sealed: sealed_pk for link, sealed_pk, _event, sealed, _found in rows if link is not None}
        unsealed = {found: event for link, _sealed_pk, event, _sealed, found in rows if link is None}
        problems = []
        for link, sealed_pk, event, sealed, found in rows:
            if link is None:
                continue
            if event is None and sealed in unsealed:
                detail = f"the event sealed as {sealed_pk} is now event {unsealed.pop(sealed)}"
                problems.append(Problem(link, table, sealed_pk, "reordered", detail))
            elif event is None:
                problems.append(Problem(link, table, sealed_pk, "deleted", "the sealed event is missing"))
            elif sealed_for.get(found, sealed_pk) != sealed_pk:
                detail = f"the event holds the content sealed for event {sealed_for[found]}"
                problems.append(Problem(link, table, sealed_pk, "reordered", detail, _hex(sealed), _hex(found)))
            else:
                problems.append(Problem(link, table, sealed_pk, "edited", EDITED, _hex(sealed), _hex(found)))
        for found, event in unsealed.items():
            problems.append(Problem(None, table, event, "inserted out of chain", UNSEALED, "-", _hex(found)))
        return count, problems, unread

    @staticmethod
    def _check_anchor(cursor, link, expected) -> list[Problem]:
        cursor.execute("SELECT event_table, event_pk, hash FROM hetao_auditseal WHERE id = %s", [link])
        row = cursor.fetchone()
        if row is None:
            return [Problem(link, SEAL_TABLE, None, "anchor", "the anchored link is gone", expected.hex())]
        if bytes(row[2]) != expected:
            return [
                Problem(
                    link, row[0], row[1], "anchor", "the anchored link's hash changed", expected.hex(), _hex(row[2])
                )
            ]
        return []

    def _report(self, tables, events_per_table, links_per_table, head, problems, unread, elapsed):
        write = self.stdout.write
        events, links = sum(events_per_table.values()), sum(links_per_table.values())
        in_tables = f"{len(tables)} table{'s' if len(tables) != 1 else ''}"
        write(f"Audit chain: {events:,} events in {in_tables}, {links:,} links, checked in {elapsed:.2f} s.")
        width = max(len(name) for name in [*tables, "table"])
        write(f"  {'table':<{width}}  {'events':>11}  {'links':>11}")
        for name in tables:
            write(f"  {name:<{width}}  {events_per_table.get(name, 0):>11,}  {links_per_table.get(name, 0):>11,}")
        if head is not None:
            write(f"Head: {head[0]}:{_hex(head[1])} (a later run given --anchor {head[0]}:… checks it is still there)")
        if not problems:
            write(self.style.SUCCESS("Intact: every event matches its link and every link follows the one before."))
            return
        problems.sort(key=Problem.sort_key)
        total = len(problems) + unread
        count = f"{total:,} problem{'s' if total > 1 else ''}"
        write(self.style.ERROR(f"BROKEN: {count}. The first broken link:"))
        for number, problem in enumerate(problems[:SHOWN]):
            if number == 1:
                write("Further problems:")
            where = f"link {problem.link}" if problem.link is not None else "no link"
            event = f" event {problem.event}" if problem.event is not None else ""
            write(f"  {where}, {problem.table}{event}: {problem.kind} — {problem.detail}")
            if problem.expected not in ("", "-"):
                write(f"      expected {problem.expected}")
            if problem.found:
                write(f"      found    {problem.found}")
        if total > SHOWN:
            write(f"  … and {total - SHOWN:,} more.")
