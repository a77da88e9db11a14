"""Filing a batch: the upload checked and stored, recognised when the same file was filed before,
and handed to a Celery worker after the commit."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from hetao.models import BatchFiling, BatchMode, BatchStatus

from .kinds import kind_of

CHUNK = 1024 * 1024


def _digest(uploaded) -> str:
    sha = hashlib.sha256()
    for chunk in uploaded.chunks(CHUNK):
        sha.update(chunk)
    uploaded.seek(0)
    return sha.hexdigest()


@transaction.atomic
def batch_submit(*, kind: str, uploaded, actor, institution=None, mode: str = BatchMode.ALL_OR_NOTHING,
                 encoding: str = "") -> tuple[BatchFiling, bool]:  # fmt: skip
    """A batch filing of `uploaded` (an UploadedFile), queued for a worker; (batch, created). The
    same file of the same kind filed again for the same institution answers the batch it made,
    unless that one imported nothing."""
    if kind_of(kind) is None:
        raise ValidationError({"kind": [_("Unknown kind of batch: %(kind)s.") % {"kind": str(kind)[:40]}]})
    if mode not in BatchMode.values:
        raise ValidationError({"mode": [_("Choose all_or_nothing or valid_rows_only.")]})
    if uploaded.size > settings.BATCH_MAX_BYTES:
        raise ValidationError(
            {"file": [_("The file is over %(max)s MiB.") % {"max": settings.BATCH_MAX_BYTES // 1024**2}]}
        )
    if not uploaded.size:
        raise ValidationError({"file": [_("The file is empty.")]})
    digest = _digest(uploaded)
    with connection.cursor() as cursor:
        # Two uploads of one file wait for each other here: the second finds the first's batch.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"batch:{kind}:{digest}"])
    existing = (
        BatchFiling.objects.filter(kind=kind, sha256=digest, institution=institution)
        # A file that imported nothing (rejected, failed) may be filed again, e.g. in another mode.
        .exclude(status__in=[BatchStatus.REJECTED, BatchStatus.FAILED])
        .order_by("-pk")
        .first()
    )
    if existing is not None:
        return existing, False
    batch = BatchFiling(
        kind=kind,
        uploaded_by=actor,
        institution=institution,
        original_name=(uploaded.name or "")[:255],
        stored_name=f"{secrets.token_hex(16)}.dat",
        sha256=digest,
        size=uploaded.size,
        mode=mode,
        encoding=(encoding or "")[:16],
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    batch.file.save(batch.stored_name, uploaded, save=False)
    batch.save()

    from hetao.tasks import run_batch

    transaction.on_commit(lambda: run_batch.delay(batch.pk))
    return batch, True
