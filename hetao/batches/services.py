"""Filing a batch: who may file for which institution, the upload checked and stored, recognised
when the same file was filed before, and handed to a Celery worker after the commit."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from hetao.errors import NotAllowed
from hetao.models import BatchFiling, BatchMode, BatchStatus
from hetao.tenancy import institution_model, roles

from .kinds import kind_of

CHUNK = 1024 * 1024
# Zone staff holding it file for any institution, or let each row of the file name its declarant.
STAFF_FILING_PERMISSION = "hetao.add_batchfiling"


def batch_filing_institutions(principal):
    """Where `principal` may file batches: None for every institution (zone staff holding
    STAFF_FILING_PERMISSION), else a queryset by name — the institution a token is bound to, or
    those in which the user is an owner or a filer; empty when nowhere."""
    institutions = institution_model().objects.order_by("name_en")
    if principal is None:
        return institutions.none()
    ids = principal.institution_ids
    if ids is None:
        return None if principal.user.has_perm(STAFF_FILING_PERMISSION) else institutions.none()
    if principal.token is not None and principal.token.institution_id is not None:
        return institutions.filter(pk__in=ids)
    role = roles()
    return institutions.filter(
        pk__in=ids, memberships__user_id=principal.user.pk, memberships__role__in=[role.OWNER, role.FILER]
    ).distinct()


def batch_institution(*, principal, institution_id: int | None = None):
    """The institution a batch of `principal` is filed for, or None when each row names its declarant.

    An institution's own uploads are always filed for that institution: the one named (it must be one
    of `batch_filing_institutions`), or the only one. Zone staff who may file name one or none.
    NotAllowed when the principal files nowhere or not for the one named; Http404 when it cannot see
    the one named."""
    allowed = batch_filing_institutions(principal)
    if allowed is None:
        if institution_id is None:
            return None
        found = institution_model().objects.visible_to(principal).filter(pk=institution_id).first()
        if found is None:
            raise Http404
        return found
    if institution_id is None:
        only = list(allowed[:2])
        if not only:
            raise NotAllowed(
                _("Batches are filed by an institution's owners and filers, and by zone staff allowed to file them.")
            )
        if len(only) > 1:
            raise ValidationError({"institution": [_("Name the institution the file is filed for.")]})
        return only[0]
    found = allowed.filter(pk=institution_id).first()
    if found is not None:
        return found
    if principal is not None and principal.can_see_institution(institution_id):
        raise NotAllowed(_("Only owners and filers of an institution file batches for it."))
    raise Http404


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
            {"file": [_("The file is over %(max)s MiB.") % {"max": f"{settings.BATCH_MAX_BYTES / 1024**2:.3g}"}]}
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
