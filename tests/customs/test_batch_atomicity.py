"""A large batch written in one transaction, on a worker of the test's own: another connection
sees none of its declarations until the batch has its outcome, and a worker killed in the middle
of the import leaves nothing — the batch is found orphaned, queued again, and imported once by
the next worker, every declaration exactly once with all its items."""

import csv
import io
import socket
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from customs.models import Declaration, DeclarationItem
from hetao.batches.engine import progress_of
from hetao.batches.services import batch_submit
from hetao.models import BatchFiling, BatchStatus
from hetao.tasks import requeue_orphaned_batches

from .batch_helpers import (
    COLUMNS,
    KIND,
    OUTCOMES,
    RUNNING,
    OwnWorker,
    finished,
    forget_queue,
    own_queue,
    route_batches_to,
    upload,
)
from .declaration_helpers import checkpoint, declarant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ITEM_ROWS = 40_000
KILL_AT = 40  # percent: the worker is killed well into the import, with declarations written
# (hs code, description, unit, category): goods that cross the first line on filing alone.
GOODS = [
    ("902720", "Gas chromatograph", "pcs", "instrument"),
    ("847130", "笔记本电脑", "pcs", "general"),
    ("382219", "试剂", "box", "reagent_consumable"),
    ("902790", "Spectrometer parts", "pcs", "instrument"),
]


def large_file(prefix: str, rows: int = ITEM_ROWS) -> tuple[bytes, dict[str, int]]:
    """A CSV of `rows` item rows, 3 to 5 items per declaration (4 on average), and the number of
    items of each ref."""
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    items: dict[str, int] = {}
    made, number = 0, 0
    while made < rows:
        number += 1
        ref = f"{prefix}-{number:06d}"
        count = min(3 + number % 3, rows - made)
        items[ref] = count
        for position in range(count):
            hs, description, unit, category = GOODS[(number + position) % len(GOODS)]
            writer.writerow([
                ref, "first", "into_park", "HT-FL-CARGO", day, "vehicle", hs, f"{description} {position + 1}",
                str(1 + position), unit, f"{1000 + number}.{position:02d}", "HKD", "DE", category, "",
            ])  # fmt: skip
        made += count
    return buffer.getvalue().encode("utf-8"), items


@pytest.fixture
def own_queue_name(monkeypatch):
    queue = own_queue()
    route_batches_to(monkeypatch, queue)
    yield queue
    forget_queue(queue)


@pytest.fixture
def filer():
    institution, user, _reviewer = declarant()
    checkpoint("HT-FL-CARGO")
    return institution, user


def submit(filer, data: bytes) -> BatchFiling:
    institution, user = filer
    batch, created = batch_submit(kind=KIND, uploaded=upload(data, "large.csv"), actor=user, institution=institution)
    assert created
    return batch


def declaration_ids_drawn() -> int:
    """How far the declarations' id sequence has gone: every insert moves it, whether or not its
    transaction commits."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id'))", [Declaration._meta.db_table])
        return cursor.fetchone()[0] or 0


def seen_from_here(batch: BatchFiling) -> tuple[str, int, int]:
    """(status, progress, declarations of the batch) as this connection sees them. The count is
    read first: a count above zero beside a running status means the import's writes were visible
    before its outcome."""
    count = Declaration.objects.filter(batch=batch).count()
    batch.refresh_from_db()
    return batch.status, progress_of(batch), count


def test_no_declaration_of_a_large_batch_is_visible_before_its_outcome(filer, own_queue_name, tmp_path):
    data, items = large_file("AT")
    with OwnWorker(own_queue_name, tmp_path, "atomic") as worker:
        batch = submit(filer, data)
        seen, requeued_beside_it = [], None
        deadline = time.monotonic() + 120
        while not seen or seen[-1][0] not in OUTCOMES:
            assert time.monotonic() < deadline, f"batch {batch.pk} still {batch.status}:\n{worker.log_tail()}"
            seen.append(seen_from_here(batch))
            if requeued_beside_it is None and seen[-1][0] in RUNNING and seen[-1][1] > 0:
                # The worker holds the batch: looking for orphans beside it leaves it alone.
                requeued_beside_it = requeue_orphaned_batches()
            time.sleep(0.05)
        assert batch.status == BatchStatus.SUCCEEDED, (batch.message, batch.errors[:3], worker.log_tail())
    assert requeued_beside_it == []
    running = [observation for observation in seen if observation[0] in RUNNING]
    assert [observation for observation in running if observation[2]] == []
    assert len(running) >= 5, seen
    assert any(status == BatchStatus.IMPORTING and progress > 0 for status, progress, _count in running), seen
    assert seen[-1] == (BatchStatus.SUCCEEDED, 100, len(items))
    assert (batch.attempts, batch.total_rows, batch.ok_rows, batch.failed_rows) == (1, ITEM_ROWS, ITEM_ROWS, 0)


def test_a_worker_killed_in_the_middle_of_an_import_leaves_nothing_and_the_next_one_imports_it_once(
    filer, own_queue_name, tmp_path
):
    institution, _user = filer
    data, items = large_file("KL")
    doomed = OwnWorker(own_queue_name, tmp_path, "doomed")
    successor = OwnWorker(own_queue_name, tmp_path, "successor")
    try:
        doomed.start()
        drawn_before = declaration_ids_drawn()
        batch = submit(filer, data)
        deadline = time.monotonic() + 60
        while True:
            status, progress, count = seen_from_here(batch)
            assert count == 0, f"{count} declarations visible while the batch is {status}"
            assert status not in OUTCOMES, f"the batch ended ({status}) before its worker was killed"
            # Well into the import, with declarations already inserted in its open transaction.
            if status in RUNNING and progress >= KILL_AT and declaration_ids_drawn() > drawn_before:
                break
            assert time.monotonic() < deadline, f"the batch is still {status} at {progress} %:\n{doomed.log_tail()}"
            time.sleep(0.02)
        assert batch.worker == f"{socket.gethostname()}:{doomed.pid}" and batch.attempts == 1
        doomed.kill()

        batch.refresh_from_db()
        assert batch.status in RUNNING
        assert not Declaration.objects.filter(institution=institution).exists()
        assert not DeclarationItem.objects.filter(declaration__institution=institution).exists()

        successor.start()
        # PostgreSQL ends the dead worker's session when it notices the closed connection; its
        # advisory lock goes with it, and the batch is found orphaned.
        deadline = time.monotonic() + 60
        while batch.pk not in requeue_orphaned_batches():
            assert time.monotonic() < deadline, "the killed worker's batch was never found orphaned"
            time.sleep(0.2)
        batch = finished(batch, timeout=120)
        assert batch.status == BatchStatus.SUCCEEDED, (batch.message, batch.errors[:3], successor.log_tail())
        assert batch.attempts == 2 and batch.worker == f"{socket.gethostname()}:{successor.pid}"
        assert (batch.total_rows, batch.ok_rows, batch.failed_rows) == (ITEM_ROWS, ITEM_ROWS, 0)
    finally:
        doomed.kill()
        successor.kill()

    stored = Declaration.objects.filter(institution=institution)
    assert dict(stored.annotate(n=Count("items")).values_list("reference", "n")) == items
    assert stored.count() == stored.filter(batch=batch).count() == len(items)
    assert stored.values("number").distinct().count() == len(items)
    lines = DeclarationItem.objects.filter(declaration__institution=institution)
    assert lines.count() == lines.values("declaration_id", "position").distinct().count() == ITEM_ROWS
