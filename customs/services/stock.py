"""Bonded stock: what a released declaration adds to and takes from the institutions' stock.

Goods released into the park across the first line add to the declarant's stock, by HS
subheading and unit; goods leaving the park across either line take from it; a movement inside
the park takes from the declarant and adds to the receiver. Goods entering from the mainland
across the second line are not bonded and change no stock.

Stock is a ledger (`StockMovement`, append-only) and a balance row per (institution, subheading,
unit) that the database keeps from going negative. `apply` locks every balance row it changes in
key order, so two releases that take from the same stock wait for each other instead of both
reading the old balance; it runs inside the release's transaction.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..choices import Direction
from ..models import Declaration, Line, StockBalance, StockMovement


class StockShortage(ValidationError):
    """A declaration takes more of a subheading than the institution holds."""


@dataclass(frozen=True)
class Change:
    institution_id: int
    subheading: str
    unit: str
    quantity: Decimal  # negative when stock leaves
    kind: str
    item_id: int | None
    position: int


def stock_effect(declaration: Declaration, items=None) -> list[Change]:
    """The changes of stock the declaration makes when released (nothing for goods that are not bonded)."""
    items = list(items if items is not None else declaration.items.all())
    changes: list[Change] = []
    declarant, receiver = declaration.institution_id, declaration.receiving_institution_id
    for item in items:
        key = (item.subheading_id or item.hs_code[:6], item.unit)

        def change(institution_id, sign, kind, key=key, item=item):
            return Change(institution_id, *key, sign * item.quantity, kind, item.pk, item.position)

        if declaration.line == Line.FIRST and declaration.direction == Direction.INTO_PARK:
            changes.append(change(declarant, 1, StockMovement.Kind.ENTRY))
        elif declaration.line in (Line.FIRST, Line.SECOND) and declaration.direction == Direction.OUT_OF_PARK:
            changes.append(change(declarant, -1, StockMovement.Kind.EXIT))
        elif declaration.line == Line.INTERNAL:
            changes.append(change(declarant, -1, StockMovement.Kind.TRANSFER_OUT))
            changes.append(change(receiver, 1, StockMovement.Kind.TRANSFER_IN))
    return changes


def _shortage(subheading: str, unit: str, available: Decimal, wanted: Decimal) -> StockShortage:
    return StockShortage(
        _("The stock of HS %(subheading)s holds %(available)s %(unit)s; the declaration takes %(wanted)s %(unit)s.")
        % {
            "subheading": subheading,
            "available": plain_quantity(available),
            "unit": unit,
            "wanted": plain_quantity(wanted),
        },
        code="stock_short",
    )


def plain_quantity(quantity) -> str:
    """A quantity without trailing zeros: 2.000 → "2", 1.500 → "1.5" ("" for none)."""
    if quantity is None:
        return ""
    text = f"{Decimal(quantity):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def held_now(institution_id: int, subheading: str, unit: str) -> Decimal:
    """The quantity held now of one stock line (read without locking)."""
    return (
        StockBalance.objects.filter(institution_id=institution_id, subheading_id=subheading, unit=unit)
        .values_list("quantity", flat=True)
        .first()
    ) or Decimal("0")


def balances(institution_ids=None) -> dict[tuple, Decimal]:
    """The stock held now, by (institution, subheading, unit), of the institutions (all when None):
    what a batch checks its declarations against, read once."""
    rows = StockBalance.objects.all()
    if institution_ids is not None:
        rows = rows.filter(institution_id__in=institution_ids)
    return {
        (institution_id, subheading, unit): quantity
        for institution_id, subheading, unit, quantity in rows.values_list(
            "institution_id", "subheading_id", "unit", "quantity"
        )
    }


def shortages(changes: list[Change], held=held_now) -> list[str]:
    """What the changes would take beyond the stock held now (read without locking: for forms,
    pre-checks and batches — `held(institution, subheading, unit)`; `apply` decides under lock)."""
    wanted: dict[tuple, Decimal] = defaultdict(Decimal)
    for change in changes:
        if change.quantity < 0:
            wanted[(change.institution_id, change.subheading, change.unit)] -= change.quantity
    problems = []
    for (institution_id, subheading, unit), quantity in sorted(wanted.items()):
        held_there = held(institution_id, subheading, unit)
        if held_there < quantity:
            problems.append(_shortage(subheading, unit, held_there, quantity).messages[0])
    return problems


def apply(declaration: Declaration) -> list[StockMovement]:
    """Record the declaration's stock changes, locking the balances in key order. Raises
    StockShortage (and changes nothing) when it would take more than is held."""
    changes = stock_effect(declaration)
    if not changes:
        return []
    keys = sorted({(change.institution_id, change.subheading, change.unit) for change in changes})
    for institution_id, subheading, unit in keys:
        StockBalance.objects.bulk_create(
            [StockBalance(institution_id=institution_id, subheading_id=subheading, unit=unit, quantity=0)],
            ignore_conflicts=True,
        )
    balances = {}
    for institution_id, subheading, unit in keys:  # one at a time, in key order: no deadlocks
        balance = StockBalance.objects.select_for_update().get(
            institution_id=institution_id, subheading_id=subheading, unit=unit
        )
        balances[(institution_id, subheading, unit)] = balance
    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    for change in changes:
        totals[(change.institution_id, change.subheading, change.unit)] += change.quantity
    for key, delta in totals.items():
        if balances[key].quantity + delta < 0:
            raise _shortage(key[1], key[2], balances[key].quantity, -delta)
    movements = []
    for change in changes:
        balance = balances[(change.institution_id, change.subheading, change.unit)]
        balance.quantity += change.quantity
        movements.append(
            StockMovement(
                institution_id=change.institution_id,
                subheading_id=change.subheading,
                unit=change.unit,
                kind=change.kind,
                quantity=change.quantity,
                balance_after=balance.quantity,
                declaration=declaration,
                item_id=change.item_id,
            )
        )
    for balance in balances.values():
        balance.save(update_fields=["quantity", "updated_at"])
    return StockMovement.objects.bulk_create(movements)
