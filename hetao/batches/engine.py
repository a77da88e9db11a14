"""The import engine: a batch filing read, checked and written, from its queued file to its
outcome, with memory that stays flat in the file's size.

1. **Claim.** The worker takes a session advisory lock on the batch (held until it is done, and
   dropped by PostgreSQL if the worker dies) and then claims it with a conditional
   ``UPDATE … WHERE status = 'queued'``: a redelivered message finds it claimed and does nothing.
   A batch whose worker died is found by `requeue_orphans` (its lock is free while it still says
   validating or importing) and queued again; it wrote nothing, so the retry starts clean.
2. **Read, check, write** (`hetao.batches.passes`), in **one transaction**: the file is streamed
   row by row, each cell read by its column; each group of rows (a declaration's) is decided by the
   kind's validator — the same checks as a record filed by hand, with everything it refers to
   loaded once per batch — and the valid ones are written by the kind's writer a chunk at a time
   (COPY into staging tables, set-based INSERT … SELECT) from a thread of their own, so PostgreSQL
   inserts one chunk while Python checks the next. A file whose groups are not together is undone
   and read again through a typed staging table in key order.
3. **Outcome.** The counts, the error report and the status are saved in the same transaction as
   the records: another connection sees all of them or none, and a worker lost before the commit
   leaves nothing.

Progress goes to the cache at most every 1 % (the batch's page and API read it).
"""

import os
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hetao.models import BatchFiling, BatchMode, BatchStatus

from . import passes
from .kinds import kind_of
from .reading import FileProblem, open_table

PROGRESS_KEY = "batch-progress:{id}"
LOCK_CLASS = 7301  # pg_advisory_lock(LOCK_CLASS, batch id): "a worker is on this batch"
SWITCH_INTERVAL = 0.0005  # seconds: the interpreter's thread switch while a batch imports
RUNNING = (BatchStatus.VALIDATING, BatchStatus.IMPORTING)


class _Refused(Exception):
    """All or nothing, and something was refused: the staged work is dropped."""


def progress_of(batch: BatchFiling) -> int:
    """0–100: how far the batch has come (100 once it has an outcome)."""
    if batch.status == BatchStatus.QUEUED:
        return 0
    if batch.status not in RUNNING:
        return 100
    return int(cache.get(PROGRESS_KEY.format(id=batch.pk)) or 0)


class _Progress:
    """The percentage in the cache, written only when it moved by a whole percent."""

    def __init__(self, batch_id: int):
        self.key = PROGRESS_KEY.format(id=batch_id)
        self.shown = -1

    def __call__(self, percent: float) -> None:
        percent = int(min(max(percent, 0), 99))
        if percent > self.shown:
            self.shown = percent
            cache.set(self.key, percent, timeout=24 * 3600)


@contextmanager
def _worker_lock(batch_id: int):
    """Hold the batch's advisory lock for the block; yields False (and holds nothing) when another
    live worker has it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, batch_id])
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, batch_id])


def claim(batch_id: int) -> bool:
    """Take a queued batch for this worker; False when another delivery already took it."""
    claimed = BatchFiling.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
        status=BatchStatus.VALIDATING,
        started_at=timezone.now(),
        worker=f"{socket.gethostname()}:{os.getpid()}"[:120],
        attempts=F("attempts") + 1,
    )
    return claimed == 1


def requeue_orphans() -> list[int]:
    """Batches that say validating or importing but whose worker is gone (its advisory lock is
    free), queued again; returns their ids. Whatever such a worker had staged died with its session."""
    requeued = []
    for batch_id in BatchFiling.objects.filter(status__in=RUNNING).values_list("pk", flat=True):
        with _worker_lock(batch_id) as locked:
            if locked and BatchFiling.objects.filter(pk=batch_id, status__in=RUNNING).update(
                status=BatchStatus.QUEUED, message=""
            ):
                requeued.append(batch_id)
    return requeued


def run(batch_id: int) -> str:
    """Import one batch; returns its outcome. Safe to run twice, and concurrently."""
    with _worker_lock(batch_id) as locked:
        if not locked or not claim(batch_id):
            return "already claimed"
        batch = BatchFiling.objects.select_related("institution").get(pk=batch_id)
        with translation.override(batch.language):
            try:
                return _import(batch)
            except FileProblem as problem:
                _finish(batch, status=BatchStatus.REJECTED, message=problem.message)
                return BatchStatus.REJECTED
            except Exception:
                # Nothing was written (the write is one transaction); the batch says so, and the error is logged.
                _finish(batch, status=BatchStatus.FAILED, message=str(_("The import stopped on an internal error.")))
                raise


def _finish(batch: BatchFiling, **fields) -> None:
    fields.setdefault("finished_at", timezone.now())
    BatchFiling.objects.filter(pk=batch.pk).update(**fields)
    cache.delete(PROGRESS_KEY.format(id=batch.pk))


def _import(batch: BatchFiling) -> str:
    kind = kind_of(batch.kind)
    if kind is None:
        raise FileProblem(f"unknown kind {batch.kind}", code="unknown_kind")
    progress, clock = _Progress(batch.pk), _Clock()
    path = Path(batch.file.path)
    table = open_table(path, encoding=batch.encoding or None)
    kind.check_header(table.header)
    context = kind.prepare() if kind.prepare else None
    BatchFiling.objects.filter(pk=batch.pk).update(
        status=BatchStatus.IMPORTING, format=table.format, encoding=table.encoding
    )
    clock.lap("prepare")
    connection.ensure_connection()
    raw = connection.connection
    try:
        try:
            # Files are written declaration by declaration: one pass decides each run of rows as it ends.
            return _in_one_transaction(batch, kind, raw, context, progress, clock, table, regroup=False)
        except passes.Regroup:
            # A key came back later in the file: all undone, read again through the staging table, in key order.
            clock.lap("first_pass")
            progress.shown = -1
            table = open_table(path, encoding=batch.encoding or None)
            return _in_one_transaction(batch, kind, raw, context, progress, clock, table, regroup=True)
    finally:
        try:
            passes.drop_staging(raw)
        except Exception:  # the connection itself is gone: so are its temporary tables
            connection.close()


def _in_one_transaction(batch, kind, raw, context, progress, clock, table, *, regroup: bool) -> str:
    """Read, check and write the batch, and save its outcome, in one transaction."""
    report, counter = passes.Report(), [0]
    strict = batch.mode == BatchMode.ALL_OR_NOTHING
    # The sink thread waits on the database most of the time; when an answer comes, it should get
    # the interpreter back soon rather than after the default 5 ms slice of the checking thread.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        with transaction.atomic():
            _bind_audit_context(raw, batch)
            checker = passes.Checker(kind, batch, raw, report, context, store_after_failure=not strict)
            try:
                rows = passes.counted(passes.read_rows(kind, table, report), table, progress, 45 if regroup else 95,
                                      counter)  # fmt: skip
                if regroup:
                    passes.stage_rows(raw, kind, rows)
                    groups = passes.staged_groups(raw, kind)
                else:
                    groups = passes.contiguous(rows)
                for done, (key, group) in enumerate(groups):
                    checker.check(key, group)
                    if regroup and done % 1000 == 0:
                        progress(45 + 50 * min(done * 4 / max(counter[0], 1), 1))
                conflicts = checker.finish()
            except BaseException:
                checker.abandon()
                raise
            if not regroup and checker.keys_repeat():
                raise passes.Regroup
            ok = checker.ok
            for errors, rows_count in conflicts:
                report.add(errors)
                report.failed_lines += rows_count
                ok -= rows_count
            clock.lap("import")
            outcome = {"total_rows": counter[0], "processed_rows": counter[0], "failed_rows": report.failed_lines,
                       "errors": report.rows(), "timings": clock.laps}  # fmt: skip
            if report.failed_lines and strict:
                raise _Refused
            status = BatchStatus.PARTIALLY_SUCCEEDED if report.failed_lines else BatchStatus.SUCCEEDED
            progress(99)
            _finish(batch, **outcome, ok_rows=ok, status=status if ok else BatchStatus.FAILED)
    except _Refused:
        _finish(batch, **outcome, ok_rows=0, status=BatchStatus.FAILED)
        return BatchStatus.FAILED
    finally:
        sys.setswitchinterval(switch)
    return status if ok else BatchStatus.FAILED


def _bind_audit_context(raw, batch: BatchFiling) -> None:
    """The audit events of this transaction's raw SQL (the writer's inserts, from the sink thread)
    are credited to the batch and its uploader, as a request's are to its user. Foreign keys are
    checked as each chunk is inserted (while the next is checked in Python), not all at the commit."""
    import json
    import uuid

    with raw.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT set_config('pghistory.context_id', %s, true), set_config('pghistory.context_metadata', %s, true)",
            [str(uuid.uuid4()), json.dumps({"channel": "batch", "batch": batch.pk, "user": batch.uploaded_by_id})],
        )


class _Clock:
    """Seconds per phase, for the batch's `timings`."""

    def __init__(self):
        self.mark = time.monotonic()
        self.laps: dict[str, float] = {}

    def lap(self, phase: str) -> None:
        now = time.monotonic()
        self.laps[phase] = round(now - self.mark, 3)
        self.mark = now
