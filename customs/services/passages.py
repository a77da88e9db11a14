"""Business operations of customs: the checkpoints on the sub-lines, kept by zone staff, and the
passage checks of registered persons at them."""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hetao.errors import NotAllowed
from zone import services as zone_services
from zone.models import TravelDocumentType
from zone.models.people import document_hash
from zone.validators import clean_travel_document

from ..models import Checkpoint, PassageCheck


@transaction.atomic
def checkpoint_save(*, instance: Checkpoint, actor=None) -> Checkpoint:
    """Create or change a checkpoint, validated by its model."""
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def checkpoint_delete(*, instance: Checkpoint, actor=None) -> None:
    instance.delete()


# --- passage checks -----------------------------------------------------------------------------


@transaction.atomic
def passage_check(*, checkpoint: Checkpoint, document_type: str, document_number: str, actor) -> PassageCheck:
    """Check a person at a checkpoint by travel document, and record the check whatever it answers.

    The person is found by the keyed hash of the document (nothing is decrypted), and is valid
    only while both their registration and their institution's whitelist filing for personnel
    are (`zone.services.passage_status`). The record keeps the hash and the last four characters."""
    if not actor.has_perm("customs.add_passagecheck"):
        raise NotAllowed(_("Only customs officers can check persons at a checkpoint."))
    if not checkpoint.active:
        raise ValidationError({"checkpoint": _("This checkpoint is not in service.")})
    if document_type not in TravelDocumentType.values:
        raise ValidationError({"document_type": _("Choose a travel document type.")})
    try:
        number = clean_travel_document(document_type, document_number)
    except ValidationError as error:
        raise ValidationError({"document_number": error.messages}) from None
    lookup = document_hash(document_type, number)
    person = zone_services.live_registration(document_type, lookup)
    if person is None:
        result, reason, may_hand_carry = PassageCheck.Result.NOT_REGISTERED, "", False
    else:
        valid, reason = zone_services.passage_status(person)
        result = PassageCheck.Result.VALID if valid else PassageCheck.Result.NOT_VALID
        may_hand_carry = valid and person.designated_carrier and checkpoint.hand_carry
    return PassageCheck.objects.create(
        checkpoint=checkpoint,
        person=person,
        document_type=document_type,
        document_hash=lookup,
        document_last4=number[-4:],
        result=result,
        may_hand_carry=may_hand_carry,
        reason=reason,
        checked_by=actor,
    )


def passage_counts(*, day=None) -> list[dict]:
    """Checks per checkpoint on `day` (local time), by result: what the dashboard shows."""
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)
    rows = (
        PassageCheck.objects.filter(checked_at__gte=start, checked_at__lt=end)
        .values("checkpoint__code")
        .annotate(
            total=Count("pk"),
            valid=Count("pk", filter=Q(result=PassageCheck.Result.VALID)),
            refused=Count("pk", filter=~Q(result=PassageCheck.Result.VALID)),
        )
        .order_by("checkpoint__code")
    )
    return list(rows)


def reason_text(check: PassageCheck) -> str:
    """Why a check did not answer "valid", in the active language ("" when it did)."""
    if check.result == PassageCheck.Result.NOT_REGISTERED:
        return _("No registration of this travel document.")
    return zone_services.not_valid_reason_text(check.reason) if check.reason else ""
