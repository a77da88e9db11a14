"""Checking a declaration's input, whole: every problem at once, each on its field
(`items.2.quantity` for an item's). The hand-filed path (`declarations`) and the batch kind
(`customs.batch`) check with these same functions."""

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from hetao.limits import SHORT_TEXT_MAX, bounded_date
from zone.models import Institution, RegisteredPerson

from ..choices import Currency, Direction, ItemCategory, TransportMode, Unit
from ..hs import clean_hs_code
from ..models import (
    PERMIT_MAX,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    REFERENCE_MAX,
    VALUE_DIGITS,
    VALUE_PLACES,
    Checkpoint,
    Line,
)

ITEMS_MAX = 200
HEADER_FIELDS = (
    "reference",
    "line",
    "direction",
    "receiving_institution",
    "checkpoint",
    "planned_date",
    "transport_mode",
    "carrier",
    "consolidated",
    "period_start",
    "period_end",
)
ITEM_FIELDS = (
    "hs_code",
    "description",
    "quantity",
    "unit",
    "value",
    "currency",
    "origin",
    "category",
    "permit_reference",
)
_ITEM_KEYS = frozenset(ITEM_FIELDS) | {"position", "subheading_description"}


# The messages of the choices, made once (lazy: translated when a problem is reported).
UNIT_MESSAGE = gettext_lazy("Choose a unit from the list.")
CURRENCY_MESSAGE = gettext_lazy("Choose the currency: CNY, HKD or USD.")
CATEGORY_MESSAGE = gettext_lazy("Choose the category of the goods.")
LINE_MESSAGE = gettext_lazy("Choose the line: first, second, or inside the park.")
DIRECTION_MESSAGE = gettext_lazy("Choose the direction: into or out of the park.")
TRANSPORT_MESSAGE = gettext_lazy("Choose how the goods travel.")


class _Problems:
    """Every problem of the input at once, each on its field (`items.2.quantity` for an item's)."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(str(message))

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _decimal(value, *, name: str, digits: int, places: int, problems: _Problems) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        problems.add(name, _("Enter a number."))
        return None
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            problems.add(name, _("Enter a number."))
            return None
    if not number.is_finite() or number <= 0:
        problems.add(name, _("Enter a number greater than zero."))
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        problems.add(name, _("Enter at most %(places)s decimal places.") % {"places": places})
        return None
    if number >= _limit(digits - places):
        problems.add(name, _("Enter a number below %(max)s.") % {"max": f"{10 ** (digits - places):,}"})
        return None
    return number


def _text(value, *, name: str, limit: int, problems: _Problems, required: bool = False) -> str:
    text = value.strip() if type(value) is str else str(value or "").strip()
    if required and not text:
        problems.add(name, _("This field is required."))
    elif len(text) > limit:
        problems.add(name, _("Write at most %(limit)s characters.") % {"limit": limit})
    return text[:limit]


@cache
def _limit(whole_digits: int) -> Decimal:
    return Decimal(10) ** whole_digits


@cache
def _allowed(choices) -> frozenset:
    return frozenset(choices.values)


@cache
def _country_codes() -> frozenset:
    return frozenset(code for code, _name in countries)


def _choice(value, choices, *, name: str, problems: _Problems, message) -> str:
    """`value` when it is one of `choices`; else the problem (its message a lazy text, translated
    only when it is reported: a batch checks a million of these)."""
    if value not in _allowed(choices):
        problems.add(name, message)
        return ""
    return value


def clean_items(items, problems: _Problems, subheadings=None) -> list[dict]:
    """The items as the declaration stores them, each checked field by field."""
    if not isinstance(items, list | tuple) or not items:
        problems.add("items", _("A declaration has at least one item."))
        return []
    if len(items) > ITEMS_MAX:
        problems.add("items", _("A declaration has at most %(max)s items.") % {"max": ITEMS_MAX})
        return []
    cleaned = []
    for position, raw in enumerate(items, start=1):
        prefix = f"items.{position}."
        if not isinstance(raw, dict):
            problems.add(f"items.{position}", _("Each item is an object with its fields."))
            continue
        unknown = sorted(raw.keys() - _ITEM_KEYS)
        if unknown:
            problems.add(f"items.{position}", _("Unknown field(s): %(names)s.") % {"names": ", ".join(unknown)})
        item = {"position": position}
        try:
            item["hs_code"], item["subheading_description"] = clean_hs_code(raw.get("hs_code"), subheadings)
        except ValidationError as error:
            problems.add(prefix + "hs_code", error.messages[0])
        item["description"] = _text(
            raw.get("description"), name=prefix + "description", limit=SHORT_TEXT_MAX, problems=problems, required=True
        )
        item["quantity"] = _decimal(
            raw.get("quantity"),
            name=prefix + "quantity",
            digits=QUANTITY_DIGITS,
            places=QUANTITY_PLACES,
            problems=problems,
        )
        item["unit"] = _choice(
            raw.get("unit"),
            Unit,
            name=prefix + "unit",
            problems=problems,
            message=UNIT_MESSAGE,
        )
        item["value"] = _decimal(
            raw.get("value"), name=prefix + "value", digits=VALUE_DIGITS, places=VALUE_PLACES, problems=problems
        )
        item["currency"] = _choice(
            raw.get("currency"),
            Currency,
            name=prefix + "currency",
            problems=problems,
            message=CURRENCY_MESSAGE,
        )
        origin = str(raw.get("origin") or "").strip().upper()
        if origin not in _country_codes():
            problems.add(prefix + "origin", _("Give the country of origin as its ISO 3166 code, e.g. DE or HK."))
        item["origin"] = origin
        item["category"] = _choice(
            raw.get("category"),
            ItemCategory,
            name=prefix + "category",
            problems=problems,
            message=CATEGORY_MESSAGE,
        )
        item["permit_reference"] = _text(
            raw.get("permit_reference"), name=prefix + "permit_reference", limit=PERMIT_MAX, problems=problems
        )
        cleaned.append(item)
    return cleaned


def clean_header(values: dict, institution: Institution, problems: _Problems) -> dict:
    """The header as the declaration stores it; the related records are given as objects."""
    header = {}
    header["reference"] = _text(values.get("reference"), name="reference", limit=REFERENCE_MAX, problems=problems)
    header["line"] = _choice(
        values.get("line"),
        Line,
        name="line",
        problems=problems,
        message=LINE_MESSAGE,
    )
    header["direction"] = _choice(
        values.get("direction"),
        Direction,
        name="direction",
        problems=problems,
        message=DIRECTION_MESSAGE,
    )
    receiver = values.get("receiving_institution")
    if header["line"] == Line.INTERNAL:
        if receiver is None:
            problems.add(
                "receiving_institution", _("A movement inside the park names the institution that receives it.")
            )
        elif receiver.pk == institution.pk:
            problems.add("receiving_institution", _("The receiving institution is another institution than yours."))
    elif receiver is not None:
        problems.add("receiving_institution", _("Only a movement inside the park names a receiving institution."))
        receiver = None
    header["receiving_institution"] = receiver
    checkpoint = values.get("checkpoint")
    if not isinstance(checkpoint, Checkpoint):
        problems.add("checkpoint", _("Choose the checkpoint."))
    elif not checkpoint.active:
        problems.add("checkpoint", _("This checkpoint is not in service."))
    elif header["line"] and checkpoint.line != header["line"]:
        problems.add(
            "checkpoint",
            _("Checkpoint %(code)s is on the %(line)s, not on the line of this declaration.")
            % {"code": checkpoint.code, "line": Line(checkpoint.line).label},
        )
    header["checkpoint"] = checkpoint if isinstance(checkpoint, Checkpoint) else None
    planned = values.get("planned_date")
    if not isinstance(planned, date):
        problems.add("planned_date", _("Enter the planned date."))
        planned = None
    else:
        try:
            bounded_date(planned, field="planned_date")
        except ValidationError as error:
            problems.add("planned_date", error.messages[0])
            planned = None
    header["planned_date"] = planned
    header["transport_mode"] = _choice(
        values.get("transport_mode"),
        TransportMode,
        name="transport_mode",
        problems=problems,
        message=TRANSPORT_MESSAGE,
    )
    carrier = values.get("carrier")
    if header["transport_mode"] == TransportMode.HAND_CARRY:
        if not isinstance(carrier, RegisteredPerson):
            problems.add("carrier", _("Hand-carried goods name their carrier: a person your institution registered."))
            carrier = None
        elif carrier.institution_id != institution.pk:
            problems.add("carrier", _("The carrier must be a person your institution registered."))
            carrier = None
    elif carrier is not None:
        problems.add("carrier", _("Only hand-carried goods name a carrier."))
        carrier = None
    header["carrier"] = carrier
    consolidated = bool(values.get("consolidated"))
    header["consolidated"] = consolidated
    start, end = values.get("period_start"), values.get("period_end")
    if consolidated:
        if not isinstance(start, date):
            problems.add("period_start", _("A consolidated declaration covers a period: enter its first day."))
        if not isinstance(end, date):
            problems.add("period_end", _("A consolidated declaration covers a period: enter its last day."))
        if isinstance(start, date) and isinstance(end, date) and end < start:
            problems.add("period_end", _("The period must not end before it starts."))
    elif start or end:
        problems.add("consolidated", _("Only a consolidated declaration covers a period."))
        start = end = None
    header["period_start"], header["period_end"] = (start, end) if consolidated else (None, None)
    return header


def _check_planned_date(header: dict, problems: _Problems) -> None:
    """A declaration is filed for a day to come (a consolidated one for its period)."""
    planned = header.get("planned_date")
    if planned and planned < timezone.localdate() and not header.get("consolidated"):
        problems.add("planned_date", _("The planned date has passed: choose the day the goods cross."))


def _check_known(values: dict) -> None:
    unknown = sorted(set(values) - set(HEADER_FIELDS))
    if unknown:
        raise ValidationError({"__all__": [_("Unknown field(s): %(names)s.") % {"names": ", ".join(unknown)}]})
