"""Builders and probes for the batch tests: files of declarations (CSV, XLSX), waiting for a batch's
outcome, and a Celery worker of a test's own, on a queue of its own, that the test may kill."""

import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from hetao.models import BatchFiling, BatchStatus

BASE_DIR = Path(__file__).resolve().parent.parent.parent
KIND = "customs_declarations"
COLUMNS = [
    "ref", "line", "direction", "checkpoint", "planned_date", "transport_mode", "hs_code", "description", "quantity",
    "unit", "value", "currency", "origin", "category", "permit_reference",
]  # fmt: skip
HEADER = ",".join(COLUMNS)
OUTCOMES = {
    BatchStatus.SUCCEEDED,
    BatchStatus.PARTIALLY_SUCCEEDED,
    BatchStatus.FAILED,
    BatchStatus.REJECTED,
}
RUNNING = {BatchStatus.VALIDATING, BatchStatus.IMPORTING}


def csv_bytes(rows: list[str], *, encoding: str = "utf-8", header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def upload(data: bytes, name: str = "declarations.csv") -> SimpleUploadedFile:
    content_type = "text/csv" if name.endswith(".csv") else "application/octet-stream"
    return SimpleUploadedFile(name, data, content_type=content_type)


def good_row(ref: str, day: str, *, checkpoint: str = "HT-FL-CARGO") -> str:
    """One item row of a first-line import of an instrument: filed, filing only, green lane."""
    return f"{ref},first,into_park,{checkpoint},{day},vehicle,902720,Gas chromatograph,2,pcs,150000,HKD,DE,instrument,"


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_part(workbook: bytes, name: str, content: bytes | None = None, *, chunks=None) -> bytes:
    """The workbook with its part `name` replaced: by `content`, or by the byte strings `chunks`
    yields (streamed into the archive, so a part of gigabytes never sits in memory)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename != name:
                target.writestr(entry, source.read(entry))
            elif chunks is None:
                target.writestr(entry, content)
            else:
                info = zipfile.ZipInfo(name, date_time=entry.date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                with target.open(info, "w", force_zip64=True) as part:
                    for chunk in chunks:
                        part.write(chunk)
    return buffer.getvalue()


def finished(batch: BatchFiling, timeout: float = 60) -> BatchFiling:
    """The batch once it has an outcome (AssertionError after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status in OUTCOMES:
            return batch
        time.sleep(0.1)
    raise AssertionError(f"batch {batch.pk} still {batch.status} after {timeout} s")


# --- a worker of the test's own ------------------------------------------------------------------


def _worker_env() -> dict:
    from tests.conftest import _database_url, _worker_mail_dir

    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url(connection.settings_dict)
    env["DJANGO_SETTINGS_MODULE"] = "hetao.settings_test"
    env["HETAO_TEST_MAIL_DIR"] = str(_worker_mail_dir())
    return env


class OwnWorker:
    """A `celery worker` process (solo pool) consuming only `queue`, with the environment of the
    session's worker: the test database, the test cache and media folder. Use it as a context
    manager: the process is killed on the way out, whatever happened."""

    def __init__(self, queue: str, log_dir: Path, name: str = "worker"):
        self.queue = queue
        self.hostname = f"{name}-{uuid.uuid4().hex[:8]}@localhost"
        self.log = log_dir / f"{self.hostname.split('@')[0]}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "OwnWorker":
        from hetao.celery import app

        with self.log.open("wb") as out:
            options = ["--pool", "solo", "--queues", self.queue, "--hostname", self.hostname]
            command = ["-m", "celery", "-A", "hetao", "worker", *options, "--without-gossip", "--without-mingle"]
            self.process = subprocess.Popen(
                [sys.executable, *command, "--loglevel", "INFO"],
                cwd=BASE_DIR,
                env=_worker_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while not app.control.ping(destination=[self.hostname], timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker {self.hostname} did not start:\n{self.log_tail()}")
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, size: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: the worker dies at once, in the middle of whatever it does."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(30)

    def __enter__(self) -> "OwnWorker":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.kill()


def own_queue() -> str:
    return f"batch-test-{uuid.uuid4().hex[:12]}"


def route_batches_to(monkeypatch, queue: str) -> None:
    """Hand every batch this test queues (`run_batch.delay`) to `queue` instead of the session's."""
    from hetao.tasks import run_batch

    monkeypatch.setattr(run_batch, "delay", lambda batch_id: run_batch.apply_async((batch_id,), queue=queue))


def forget_queue(queue: str) -> None:
    """Remove what the broker still holds for `queue`: waiting messages, and those a killed worker
    took and never acknowledged (which the broker would hand out again an hour later)."""
    from hetao.celery import app

    with app.connection_for_write() as broker:
        client = broker.default_channel.client
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        for tag, payload in client.hgetall("unacked").items():
            try:
                _message, _exchange, routing_key = json.loads(payload)
            except (ValueError, TypeError):
                continue
            if routing_key == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
