"""The import engine: a batch filing read, checked and written, from its queued file to its
outcome.

`run` claims the batch with a conditional UPDATE (a redelivered task finds it claimed and does
nothing), reads the file row by row, checks each group of rows with its kind, and writes what is
valid in **one transaction**, so no other connection ever sees half a batch: all or nothing by
default, or the valid groups only. Progress goes to the cache at most every 1 % and is read by the
batch's page and API; the counts, the error report and the outcome are saved with the records.
"""

from collections import defaultdict
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hetao.models import BatchFiling, BatchMode, BatchStatus

from .kinds import CellError, kind_of
from .reading import FileProblem, data_rows, open_table, row_shape_problem

ERRORS_KEPT = 10_000  # the report keeps this many problems; the counts cover them all
PROGRESS_KEY = "batch-progress:{id}"


def progress_of(batch: BatchFiling) -> int:
    """0–100: how far the batch has come (100 once it has an outcome)."""
    if batch.status in (BatchStatus.QUEUED,):
        return 0
    if batch.status not in (BatchStatus.VALIDATING, BatchStatus.IMPORTING):
        return 100
    return int(cache.get(PROGRESS_KEY.format(id=batch.pk)) or 0)


def _set_progress(batch_id: int, percent: int) -> None:
    cache.set(PROGRESS_KEY.format(id=batch_id), percent, timeout=24 * 3600)


def claim(batch_id: int) -> bool:
    """Take a queued batch for this worker; False when another delivery already took it."""
    claimed = BatchFiling.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
        status=BatchStatus.VALIDATING, started_at=timezone.now()
    )
    return claimed == 1


def _report(errors: list[CellError]) -> list[dict]:
    return [
        {"line": error.line, "column": error.column, "value": error.value, "message": error.message}
        for error in errors[:ERRORS_KEPT]
    ]


def _finish(batch: BatchFiling, **fields) -> None:
    fields.setdefault("finished_at", timezone.now())
    BatchFiling.objects.filter(pk=batch.pk).update(**fields)
    cache.delete(PROGRESS_KEY.format(id=batch.pk))


def run(batch_id: int) -> str:
    """Import one batch; returns its outcome. Safe to run twice."""
    if not claim(batch_id):
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


def _import(batch: BatchFiling) -> str:
    kind = kind_of(batch.kind)
    if kind is None:
        raise FileProblem(f"unknown kind {batch.kind}", code="unknown_kind")
    table = open_table(Path(batch.file.path), encoding=batch.encoding or None)
    positions = kind.check_header(table.header)
    width = len(table.header)
    context = kind.prepare() if kind.prepare else None
    groups: dict[str, list] = defaultdict(list)
    errors: list[CellError] = []
    lines_with_errors: set[int] = set()
    total = 0
    size = max(batch.size, 1)
    shown = 0
    for line, cells in data_rows(table):
        total += 1
        shape = row_shape_problem(cells, width)
        if shape:
            errors.append(CellError(line, "", "", shape))
            lines_with_errors.add(line)
            continue
        values, problems = kind.read_row(line, cells, positions)
        if problems:
            errors.extend(problems)
            lines_with_errors.add(line)
            continue
        groups[str(values.get(kind.group_by) or line) if kind.group_by else str(line)].append((line, values))
        if total % 1000 == 0:
            # Reading is most of the work: up to 80 %, estimated from the file's size (~100 bytes a row).
            percent = min(79, total * 80 // max(size // 100, 1))
            if percent > shown:
                shown = percent
                _set_progress(batch.pk, percent)
    BatchFiling.objects.filter(pk=batch.pk).update(status=BatchStatus.IMPORTING, total_rows=total)
    _set_progress(batch.pk, 80)
    checked = []
    for key, rows in groups.items():
        group = kind.validate(key, rows, context, batch.institution)
        if group.errors:
            errors.extend(group.errors)
            lines_with_errors.update(line for line, _values in rows)
        else:
            checked.append((group, len(rows)))
    failed = len(lines_with_errors)
    report = _report(sorted(errors, key=lambda error: (error.line, error.column)))
    if failed and batch.mode == BatchMode.ALL_OR_NOTHING:
        _finish(batch, status=BatchStatus.FAILED, total_rows=total, processed_rows=total, failed_rows=failed,
                ok_rows=0, errors=report)  # fmt: skip
        return BatchStatus.FAILED
    with transaction.atomic():
        kind.write(batch, [group for group, _count in checked])
    ok = sum(count for _group, count in checked)
    status = BatchStatus.PARTIALLY_SUCCEEDED if failed else BatchStatus.SUCCEEDED
    if not ok and failed:
        status = BatchStatus.FAILED
    _finish(batch, status=status, total_rows=total, processed_rows=total, ok_rows=ok, failed_rows=failed,
            errors=report)  # fmt: skip
    return status
