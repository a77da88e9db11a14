"""Release slips and gate passages: release is the decision, passage the physical crossing.

A released declaration carries a release slip (a number HTRS-YYYY-NNNNNNN and its QR code). The
checkpoint officer scans or types it when the goods cross and the passage is recorded (when,
where, by whom, the vehicle or the carrier). A slip passes once, only at the declaration's
checkpoint and only while valid; a consolidated declaration passes in parts until all its
quantities have crossed. Releases not passed within `CUSTOMS_PASSAGE_OVERDUE_DAYS` are listed for
the officers.
"""

from datetime import timedelta
from decimal import Decimal

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hetao.errors import NotAllowed
from hetao.numbering import next_number
from zone.permissions import member_role

from ..models import Declaration, DeclarationStatus, GatePassage, GatePassageItem
from .stock import plain_quantity

SLIP_SERIES = "HTRS"
SLIP_WIDTH = 7
GATE_PERMISSION = "customs.add_gatepassage"
PLATE_MAX = 16


def issue_slip(declaration: Declaration) -> None:
    """Give a declaration being released its slip: valid from release until its planned date (the
    end of its period for a consolidated one) plus CUSTOMS_SLIP_VALID_DAYS."""
    today = timezone.localdate()
    last_day = declaration.period_end if declaration.consolidated and declaration.period_end else None
    base = max(today, last_day or declaration.planned_date or today)
    declaration.slip_number = next_number(SLIP_SERIES, today.year, width=SLIP_WIDTH)
    declaration.slip_valid_until = base + timedelta(days=settings.CUSTOMS_SLIP_VALID_DAYS)


def slip_qr_svg(declaration: Declaration) -> str:
    """The slip's QR code as a data: URI of an SVG image (it encodes the slip number only)."""
    if not declaration.slip_number:
        return ""
    return segno.make(declaration.slip_number, error="m").svg_data_uri(scale=4, border=2)


def remaining(declaration: Declaration) -> dict[int, Decimal]:
    """The quantity of each item (by id) that has not crossed yet."""
    passed = dict(
        GatePassageItem.objects.filter(passage__declaration=declaration)
        .values("item_id")
        .annotate(total=Sum("quantity"))
        .values_list("item_id", "total")
    )
    return {item.pk: item.quantity - passed.get(item.pk, Decimal("0")) for item in declaration.items.all()}


def _may_pass(user, declaration) -> None:
    if not (user and user.is_authenticated and user.is_active and user.has_perm(GATE_PERMISSION)):
        raise NotAllowed(_("Only customs officers can record passages."))
    if member_role(user, declaration.institution_id) is not None:
        raise NotAllowed(_("A member of the declarant institution cannot record its passages."))


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


@transaction.atomic
def gate_pass(
    *, slip_number: str, checkpoint, actor, vehicle_plate: str = "", quantities: dict[int, Decimal] | None = None
) -> GatePassage:
    """Record the crossing of a released declaration by its slip. `quantities` (item position →
    quantity) passes part of a consolidated declaration; without it all that remains passes."""
    number = str(slip_number or "").strip().upper()
    declaration = (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("checkpoint", "carrier")
        .filter(slip_number=number)
        .first()
    )
    if declaration is None:
        raise ValidationError({"slip_number": [_("No release slip has this number.")]}, code="not_found")
    _may_pass(actor, declaration)
    if declaration.status != DeclarationStatus.RELEASED:
        raise ValidationError({"slip_number": [_("This declaration is not released.")]}, code="not_released")
    last = declaration.passages.select_related("checkpoint").order_by("-passed_at").first()
    left = remaining(declaration)
    if last is not None and (not declaration.consolidated or not any(q > 0 for q in left.values())):
        raise ValidationError(
            {
                "slip_number": [
                    _("This slip has already passed: at %(checkpoint)s on %(when)s.")
                    % {"checkpoint": last.checkpoint.code, "when": _when(last.passed_at)}
                ]
            },
            code="already_passed",
        )
    if timezone.localdate() > declaration.slip_valid_until:
        raise ValidationError(
            {
                "slip_number": [
                    _("This release slip was valid until %(date)s.")
                    % {"date": declaration.slip_valid_until.isoformat()}
                ]
            },
            code="slip_expired",
        )
    if checkpoint.pk != declaration.checkpoint_id:
        raise ValidationError(
            {"checkpoint": [_("This slip passes only at %(code)s.") % {"code": declaration.checkpoint.code}]},
            code="wrong_checkpoint",
        )
    plate = str(vehicle_plate or "").strip().upper()
    if len(plate) > PLATE_MAX:
        raise ValidationError(
            {"vehicle_plate": [_("A vehicle plate has at most %(max)s characters.") % {"max": PLATE_MAX}]}
        )
    items = {item.position: item for item in declaration.items.all()}
    crossing: dict[int, Decimal] = {}
    if quantities:
        if not declaration.consolidated:
            raise ValidationError(
                {"quantities": [_("Only a consolidated declaration passes in parts.")]}, code="not_consolidated"
            )
        errors = {}
        for position, quantity in quantities.items():
            item = items.get(position)
            if item is None:
                errors[f"quantities.{position}"] = [
                    _("The declaration has no item %(position)s.") % {"position": position}
                ]
            elif quantity <= 0 or quantity > left[item.pk]:
                errors[f"quantities.{position}"] = [
                    _("Item %(position)s has %(left)s %(unit)s left to pass.")
                    % {"position": position, "left": plain_quantity(left[item.pk]), "unit": item.unit}
                ]
            else:
                crossing[item.pk] = quantity
        if errors:
            raise ValidationError(errors)
    else:
        crossing = {pk: quantity for pk, quantity in left.items() if quantity > 0}
    passage = GatePassage.objects.create(
        declaration=declaration,
        checkpoint=checkpoint,
        vehicle_plate=plate,
        carrier=declaration.carrier,
        partial=any(left[pk] - crossing.get(pk, Decimal("0")) > 0 for pk in left),
        officer=actor,
    )
    GatePassageItem.objects.bulk_create(
        GatePassageItem(passage=passage, item_id=pk, quantity=quantity) for pk, quantity in crossing.items()
    )
    return passage


def overdue_days() -> int:
    return settings.CUSTOMS_PASSAGE_OVERDUE_DAYS


def overdue_releases():
    """Released declarations whose goods have not crossed within CUSTOMS_PASSAGE_OVERDUE_DAYS."""
    since = timezone.now() - timedelta(days=settings.CUSTOMS_PASSAGE_OVERDUE_DAYS)
    return (
        Declaration.objects.filter(status=DeclarationStatus.RELEASED, decided_at__lt=since, passages__isnull=True)
        .select_related("institution", "checkpoint")
        .order_by("decided_at", "pk")
    )
