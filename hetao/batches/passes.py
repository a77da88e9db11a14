"""The passes of an import over a batch file: rows read by the kind's columns, grouped, decided
by the kind's validator, and stored by its writer — from a thread of their own, so PostgreSQL
inserts one chunk while Python checks the next.

A file is read once when it is grouped (all rows of a declaration together, as people and systems
write them). A key that comes back later in the file is noticed at the end (every group's key goes
to a temporary table); the engine then undoes the pass and takes the general path: every row
copied into a typed staging table and read back in key order by a server-side cursor. Either way
memory holds one group and one chunk, whatever the file's size.
"""

import queue
import threading

from django.utils.translation import gettext as _

from .kinds import CellError, Kind
from .reading import data_rows, row_shape_problem

ERRORS_KEPT = 10_000  # the report keeps this many problems; the counts cover them all
FETCH_ROWS = 5_000  # staged rows read back per round trip; keys copied per round trip
WINDOW_MAX = 20_000  # keys held in memory to see a repeat at once; later repeats are found in the database
ALONE = "\x1f"  # key prefix of a row without a readable group key (never the start of a stripped cell)
STAGING = "hetao_batch_rows"  # the general path's rows, typed (temporary, this session's)
KEYS = "hetao_batch_keys"  # every group's key, to find a key that comes back
_SQL_TYPES = {"text": "text", "decimal": "numeric", "date": "date", "choice": "text", "boolean": "boolean"}


class Report:
    """The error report: the first ERRORS_KEPT problems kept, every line with one counted."""

    def __init__(self):
        self.errors: list[CellError] = []
        self.failed_lines = 0

    def add(self, errors: list[CellError]) -> None:
        room = ERRORS_KEPT - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def rows(self) -> list[dict]:
        ordered = sorted(self.errors, key=lambda error: (error.line, error.column))
        return [{"line": e.line, "column": e.column, "value": e.value, "message": e.message} for e in ordered]


def read_rows(kind: Kind, table, report: Report):
    """Every data row read by the kind's columns: (line, group key, has problems, values in column
    order); the problems go to the report."""
    positions = kind.check_header(table.header)
    width = len(table.header)
    read = kind.row_reader(positions)
    group_position = [column.name for column in kind.columns].index(kind.group_by) if kind.group_by else None
    empty = [None] * len(kind.columns)
    for line, cells in data_rows(table):
        shape = row_shape_problem(cells, width)
        if shape:
            report.add([CellError(line, "", "", shape)])
            yield line, f"{ALONE}{line}", True, empty
            continue
        values, errors = read(line, cells)
        if errors:
            report.add(errors)
        key = values[group_position] if group_position is not None else None
        # A row whose group key cannot be read stands alone: it is refused by itself.
        yield line, str(key) if key not in (None, "") else f"{ALONE}{line}", bool(errors), values


def counted(rows, table, progress, share: float, counter: list):
    """The rows, counted into counter[0], with the progress moved by how much of the file is read."""
    for row in rows:
        counter[0] += 1
        if counter[0] % 2000 == 0:
            progress(table.read_fraction() * share)
        yield row


def contiguous(rows):
    """Runs of consecutive rows with one key, as (key, [(line, has problems, values)])."""
    key, group = None, []
    for line, row_key, bad, values in rows:
        if row_key != key:
            if group:
                yield key, group
            key, group = row_key, []
        group.append((line, bad, values))
    if group:
        yield key, group


def stage_rows(raw, kind: Kind, rows) -> None:
    """The general path's first pass: every row copied into the staging table, typed."""
    names = [column.name for column in kind.columns]
    columns = ", ".join(f'"v_{column.name}" {_SQL_TYPES[column.type]}' for column in kind.columns)
    quoted = ", ".join(f'"v_{name}"' for name in names)
    with raw.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING} (batch_line integer, batch_key text, batch_bad boolean, {columns})"
        )
        with cursor.copy(f"COPY {STAGING} (batch_line, batch_key, batch_bad, {quoted}) FROM STDIN") as copy:
            for line, key, bad, values in rows:
                copy.write_row((line, key, bad, *(None if bad else value for value in values)))
        cursor.execute(f"CREATE INDEX ON {STAGING} (batch_key, batch_line)")
        cursor.execute(f"ANALYZE {STAGING}")


def staged_groups(raw, kind: Kind):
    """The general path's second pass: the staged rows in key order, one group in memory at a time."""
    quoted = ", ".join(f'"v_{column.name}"' for column in kind.columns)
    with raw.cursor(name="hetao_batch_groups") as cursor:
        cursor.itersize = FETCH_ROWS
        cursor.execute(
            f"SELECT batch_key, batch_line, batch_bad, {quoted} FROM {STAGING} ORDER BY batch_key, batch_line"
        )
        yield from contiguous((line, key, bad, values) for key, line, bad, *values in cursor)


def drop_staging(raw) -> None:
    with raw.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}, {KEYS}")


class Regroup(Exception):
    """The file is not grouped by key (a key came back): the pass is undone and the general path taken."""


class _Sink:
    """Stores chunks from a thread of its own: the kind's writer (raw SQL on the batch's connection,
    inside its transaction) and the groups' keys. At most two chunks wait, so memory stays bounded."""

    def __init__(self, writer, raw):
        self.writer, self.raw = writer, raw
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.conflicts: list = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="batch-sink", daemon=True)
        self.thread.start()

    def put(self, chunk, keys: list[str]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((chunk, keys))

    def _run(self) -> None:
        while (work := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain: the batch will be undone
            chunk, keys = work
            try:
                if keys:
                    with self.raw.cursor() as cursor, cursor.copy(f"COPY {KEYS} (key) FROM STDIN") as copy:
                        for key in keys:
                            copy.write_row((key,))
                if chunk is not None:
                    self.conflicts.extend(self.writer.store(chunk))
            except BaseException as error:  # handed to the checking thread, which raises it
                self.error = error

    def close(self) -> list:
        """Wait for the stored chunks; the conflicts the writer found, or the error it raised."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.conflicts


class Checker:
    """Decides groups of rows: the kind's validator on each; the valid ones to the writer, whose
    chunks the sink stores; every group's key noted. With `store_after_failure` false (all or
    nothing) the writing stops at the first failure, since the batch will be undone anyway."""

    def __init__(self, kind: Kind, batch, raw, report: Report, context, *, store_after_failure: bool):
        self.kind, self.batch, self.raw, self.report, self.context = kind, batch, raw, report, context
        self.names = [column.name for column in kind.columns]
        self.store_after_failure = store_after_failure
        with raw.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {KEYS}")
            cursor.execute(f"CREATE TEMPORARY TABLE {KEYS} (key text)")
        self.writer = kind.writer(batch, raw)
        self.keys: list[str] = []
        self.window: set[str] = set()  # the keys since the writer's last chunk: a repeat among them is seen at once
        self.ok = 0
        self.sink = _Sink(self.writer, raw)

    def check(self, key: str, rows: list) -> None:
        if key in self.window:
            raise Regroup
        self.window.add(key)
        self.keys.append(key)
        bad = [line for line, problems, _values in rows if problems]
        if bad:
            good = [line for line, problems, _values in rows if not problems]
            if good:
                self.report.add([_group_refused(self.kind, key, good[0], bad[0])])
            self.report.failed_lines += len(rows)
        else:
            names = self.names
            group = self.kind.validate(
                key, [(line, dict(zip(names, values, strict=True))) for line, _problems, values in rows],
                self.context, self.batch.institution,
            )  # fmt: skip
            if group.errors:
                self.report.add(group.errors)
                self.report.failed_lines += len(rows)
            else:
                self.ok += len(rows)
                chunk = self.writer.add(group, len(rows))
                if chunk is not None:
                    self._put(chunk)
                    self.window.clear()  # from here on, the database sees the stored keys
        if len(self.window) >= WINDOW_MAX:  # mostly refused groups: store what is buffered, so memory stays bounded
            self._put(self.writer.take())
            self.window.clear()
        elif len(self.keys) >= FETCH_ROWS:
            self._put(None)

    def _put(self, chunk) -> None:
        if chunk is not None and self.report.failed_lines and not self.store_after_failure:
            chunk = None
        self.sink.put(chunk, self.keys)
        self.keys = []

    def finish(self) -> list:
        """Store what is left; the writer's conflicts [(errors, rows)] with stored records."""
        self._put(self.writer.take())
        return self.sink.close()

    def abandon(self) -> None:
        """Stop the sink after an error in this thread (the transaction is undone by the caller)."""
        if self.sink.thread.is_alive():
            self.sink.error = self.sink.error or RuntimeError("abandoned")
            self.sink.queue.put(None)
            self.sink.thread.join()

    def keys_repeat(self) -> bool:
        with self.raw.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT FROM {KEYS} GROUP BY key HAVING count(*) > 1)")
            return cursor.fetchone()[0]


def _group_refused(kind: Kind, key: str, line: int, bad_line: int) -> CellError:
    return CellError(
        line,
        kind.group_by or "",
        key,
        _("Rows with the same %(column)s are filed together, and line %(bad)s of them has errors.")
        % {"column": kind.group_by, "bad": bad_line},
    )
