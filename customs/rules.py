"""The risk rules of customs declarations, applied to a declaration: its regime, its lane, whether
it needs a permit or is refused, and the rules that fired with their reasons.

Pure functions over plain values: the declaration as `Facts` (with its `Item`s) and the rules as
any objects with the fields of `RiskRule`. No database access inside, so the engine is tested on a
table of cases, and the filing, the pre-check endpoint and the staff what-if all call the same
`evaluate`:

    decision = evaluate(facts, rules, selection=Selection(rate=Decimal("0.05"), seed="…"))
    decision.regime, decision.lane, decision.refused     # "filing_only", "green", False
    decision.explanation                                 # [{"rule": 4, "reason": {...}, ...}]

A rule fires when every condition it sets holds (an empty condition holds for any value):
declaration conditions (line, direction, transport mode, the filer's whitelist scopes valid on the
planned date, whether the checkpoint is a hand-carry channel, whether the carrier is a designated
carrier of the filer) and item conditions (category — or every category but those —, HS prefix,
origin, currency and value range, permit). A rule with item conditions fires when at least one
item meets them all, and names those items.

The decision: refused when any fired rule refuses; a permit required when any asks for one; the
strictest lane of the fired rules (green when none sets one); the regime of the first fired rule,
in priority order, that sets one. A declaration no rule gives a regime is declared the standard
way in the yellow lane: what the rules do not foresee is never waved through. Finally a
deterministic random selection sends a share of the green declarations to yellow, reproducible
from the declaration's number and a secret seed.
"""

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache

from django.utils.translation import gettext as _

from hetao.i18n import translated_reason, trilingual_reason

from .choices import LANE_SEVERITY, Condition, Lane, Regime


@dataclass(frozen=True)
class Item:
    """What the rules read of a declaration item."""

    category: str
    hs_code: str = ""
    origin: str = ""
    value: Decimal = Decimal("0")
    currency: str = "CNY"
    has_permit: bool = False


@dataclass(frozen=True)
class Facts:
    """What the rules read of a declaration: its header, its items, and what the service looked up
    (the filer's whitelist scopes valid on the planned date, the checkpoint, the carrier)."""

    line: str
    direction: str
    transport_mode: str
    items: tuple[Item, ...]
    scopes: frozenset[str] = frozenset()
    checkpoint_hand_carry: bool = False
    designated_carrier: bool = False
    number: str = ""


@dataclass(frozen=True)
class Selection:
    """The random selection: `rate` of the green declarations (0 to 1) go to yellow."""

    rate: Decimal = Decimal("0")
    seed: str = ""


@dataclass(frozen=True)
class Fired:
    """One rule that fired (`rule` is None for the engine's own steps) and what it called for."""

    rule: int | None
    kind: str  # "rule", "fallback" or "selection"
    reason: dict[str, str]
    items: tuple[int, ...] = ()
    regime: str = ""
    lane: str = ""
    permit_required: bool = False
    refuse: bool = False

    def as_json(self) -> dict:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "reason": self.reason,
            "items": list(self.items),
            "regime": self.regime,
            "lane": self.lane,
            "permit_required": self.permit_required,
            "refuse": self.refuse,
        }


@dataclass(frozen=True)
class Decision:
    regime: str
    lane: str
    permit_required: bool
    refused: bool
    fired: list[Fired] = field(default_factory=list)
    selected: bool = False

    @property
    def explanation(self) -> list[dict]:
        """As a declaration stores it."""
        return [item.as_json() for item in self.fired]


def rule_reason(rule) -> dict[str, str]:
    """A rule's reason in each portal language."""
    return trilingual_reason(rule)


def _holds(condition: str, value: bool) -> bool:
    if condition in ("", Condition.ANY):
        return True
    return value if condition == Condition.YES else not value


def _declaration_matches(rule, facts: Facts) -> bool:
    if rule.lines and facts.line not in rule.lines:
        return False
    if rule.directions and facts.direction not in rule.directions:
        return False
    if rule.transport_modes and facts.transport_mode not in rule.transport_modes:
        return False
    if rule.scopes_all and not set(rule.scopes_all) <= facts.scopes:
        return False
    if rule.scopes_missing and set(rule.scopes_missing) <= facts.scopes:
        return False
    if not _holds(rule.checkpoint_hand_carry, facts.checkpoint_hand_carry):
        return False
    return _holds(rule.designated_carrier, facts.designated_carrier)


def has_item_conditions(rule) -> bool:
    return bool(
        rule.categories
        or rule.hs_prefixes
        or rule.origins
        or rule.currencies
        or rule.min_value is not None
        or rule.max_value is not None
        or rule.permit not in ("", Condition.ANY)
    )


def _item_matches(rule, item: Item) -> bool:
    if rule.categories and (item.category in rule.categories) == bool(rule.categories_excluded):
        return False
    if rule.hs_prefixes and not any(item.hs_code.startswith(prefix) for prefix in rule.hs_prefixes):
        return False
    if rule.origins and item.origin not in rule.origins:
        return False
    if rule.currencies and item.currency not in rule.currencies:
        return False
    if rule.min_value is not None and item.value < rule.min_value:
        return False
    if rule.max_value is not None and item.value > rule.max_value:
        return False
    return _holds(rule.permit, item.has_permit)


def fires(rule, facts: Facts) -> tuple[bool, tuple[int, ...]]:
    """Whether `rule` fires for the declaration, and the positions (from 1) of the items it names."""
    if not getattr(rule, "active", True) or not _declaration_matches(rule, facts):
        return False, ()
    if not has_item_conditions(rule):
        return True, ()
    items = tuple(position for position, item in enumerate(facts.items, start=1) if _item_matches(rule, item))
    return bool(items), items


def selection_draw(number: str, seed: str) -> Decimal:
    """A number in [0, 1) that depends only on the declaration number and the seed."""
    digest = hmac.new(seed.encode(), number.encode(), hashlib.sha256).digest()
    return Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64)


class OrderedRules(tuple):
    """Rules already in priority order, with each rule's reason read once: what a batch of many
    declarations evaluates against (`ordered`), so `evaluate` neither sorts nor re-reads them."""

    reasons: dict


def ordered(rules: Iterable) -> OrderedRules:
    if isinstance(rules, OrderedRules):
        return rules
    result = OrderedRules(sorted(rules, key=lambda rule: (rule.priority, rule.pk is None, rule.pk or 0)))
    result.reasons = {id(rule): rule_reason(rule) for rule in result}
    return result


@cache
def _fallback_reason() -> dict[str, str]:
    # In every language at once, and the catalogues do not change while the process runs.
    return translated_reason(
        lambda: _("No rule decides the regime of this declaration, so it is declared the standard way and checked.")
    )


@cache
def _selection_reason() -> dict[str, str]:
    return translated_reason(lambda: _("Selected at random for a documentary check."))


def evaluate(facts: Facts, rules: Iterable, *, selection: Selection | None = None) -> Decision:
    """The decision on a declaration with these facts under `rules`, and why."""
    if not facts.items:
        raise ValueError("a declaration has at least one item")
    fired: list[Fired] = []
    rules = ordered(rules)
    for rule in rules:
        matched, items = fires(rule, facts)
        if matched:
            fired.append(
                Fired(
                    rule=rule.pk,
                    kind="rule",
                    reason=rules.reasons[id(rule)],
                    items=items,
                    regime=rule.regime or "",
                    lane=rule.lane or "",
                    permit_required=bool(rule.permit_required),
                    refuse=bool(rule.refuse),
                )
            )
    regime = next((item.regime for item in fired if item.regime), "")
    lanes = [Lane(item.lane) for item in fired if item.lane]
    lane = max(lanes, key=LANE_SEVERITY.__getitem__) if lanes else Lane.GREEN
    if not regime:
        regime = Regime.STANDARD
        lane = max(lane, Lane.YELLOW, key=LANE_SEVERITY.__getitem__)
        fired.append(
            Fired(
                rule=None,
                kind="fallback",
                reason=dict(_fallback_reason()),
                regime=regime,
                lane=Lane.YELLOW,
            )
        )
    refused = any(item.refuse for item in fired)
    decision = Decision(
        regime=Regime(regime).value,
        lane=Lane(lane).value,
        permit_required=any(item.permit_required for item in fired),
        refused=refused,
        fired=fired,
    )
    return select(decision, facts.number, selection)


def select(decision: Decision, number: str, selection: Selection | None) -> Decision:
    """The random selection, the decision's last step: a green declaration that is not refused goes
    to yellow when the draw for its number falls under the rate. A batch applies it once its
    declarations are numbered."""
    if (
        selection is None
        or decision.refused
        or decision.lane != Lane.GREEN
        or selection.rate <= 0
        or not number
        or selection_draw(number, selection.seed) >= selection.rate
    ):
        return decision
    fired = [
        *decision.fired,
        Fired(rule=None, kind="selection", reason=dict(_selection_reason()), lane=Lane.YELLOW),
    ]
    return replace(decision, lane=Lane.YELLOW.value, selected=True, fired=fired)
