"""Builders for the declaration tests: checkpoints on each line, whitelisted declarants, officers,
and declarations in each state."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from customs import services
from customs.models import Checkpoint, Line
from tests.factories import ParkFactory
from tests.zone.people_helpers import customs_officer, whitelisted

CHECKPOINTS = {
    "HT-NO1": (Line.FIRST, True),
    "HT-FL-CARGO": (Line.FIRST, False),
    "HT-SL-01": (Line.SECOND, False),
    "HT-IN-01": (Line.INTERNAL, False),
}


def checkpoint(code: str) -> Checkpoint:
    line, hand_carry = CHECKPOINTS[code]
    found = Checkpoint.objects.filter(code=code).first()
    if found is not None:
        return found
    park = ParkFactory(code="SZ", name_en="Shenzhen park")
    return Checkpoint.objects.create(code=code, line=line, park=park, hand_carry=hand_carry, name_en=code)


def declarant(scopes=("goods",)):
    """An institution whitelisted with `scopes`: (institution, filer, reviewer)."""
    institution, filer, reviewer, _entry = whitelisted(scopes=scopes)
    return institution, filer, reviewer


def officer(**fields):
    return customs_officer(**fields)


def item(**changes) -> dict:
    values = {
        "hs_code": "9027.20",
        "description": "Gas chromatograph",
        "quantity": Decimal("2"),
        "unit": "pcs",
        "value": Decimal("150000.00"),
        "currency": "HKD",
        "origin": "DE",
        "category": "instrument",
        "permit_reference": "",
    }
    values.update(changes)
    return values


def header(code: str = "HT-FL-CARGO", **changes) -> dict:
    line, _hand_carry = CHECKPOINTS[code]
    values = {
        "line": line,
        "direction": "into_park",
        "checkpoint": checkpoint(code),
        "planned_date": timezone.localdate() + timedelta(days=1),
        "transport_mode": "vehicle",
    }
    values.update(changes)
    return values


def draft(institution, filer, *, items=None, code="HT-FL-CARGO", **changes):
    return services.declaration_create(
        institution=institution, actor=filer, items=items or [item()], **header(code, **changes)
    )


def filed(institution, filer, **kwargs):
    declaration = draft(institution, filer, **kwargs)
    return services.declaration_file(declaration_id=declaration.pk, actor=filer)


def released(institution, filer, by, **kwargs):
    declaration = filed(institution, filer, **kwargs)
    return services.declaration_release(declaration_id=declaration.pk, actor=by)
