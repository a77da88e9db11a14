"""The risk rules of customs declarations on a table of cases: every seeded rule, whitelisted or
not, each controlled category with and without a permit, each line and direction, hand-carry at the
No. 1 Channel by a designated carrier, by someone else and at another checkpoint, internal
movement, the random selection, and the explanation each decision keeps.

The engine is a pure function: the seeded rule set is read from its migration, other rules are
made here, without a database.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module
from itertools import count

import pytest

from customs.rules import Facts, Item, Selection, evaluate, fires, selection_draw

DEFAULT_RULES = import_module("customs.migrations.0006_default_risk_rules").DEFAULT_RULES
_ids = count(100)


@dataclass
class Rule:
    """What the engine reads of a `RiskRule`."""

    priority: int = 100
    lines: list = field(default_factory=list)
    directions: list = field(default_factory=list)
    transport_modes: list = field(default_factory=list)
    scopes_all: list = field(default_factory=list)
    scopes_missing: list = field(default_factory=list)
    checkpoint_hand_carry: str = "any"
    designated_carrier: str = "any"
    categories: list = field(default_factory=list)
    categories_excluded: bool = False
    hs_prefixes: list = field(default_factory=list)
    origins: list = field(default_factory=list)
    currencies: list = field(default_factory=list)
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    permit: str = "any"
    regime: str = ""
    lane: str = ""
    permit_required: bool = False
    refuse: bool = False
    active: bool = True
    name_en: str = ""
    name_zh_hans: str = ""
    name_zh_hant: str = ""
    pk: int = 0

    def __post_init__(self):
        self.pk = self.pk or next(_ids)
        self.name_en = self.name_en or f"rule {self.pk}"


DEFAULT = [Rule(pk=position, **values) for position, values in enumerate(DEFAULT_RULES, start=1)]
BY_PRIORITY = {rule.priority: rule.pk for rule in DEFAULT}
PERMITLESS, HC_CHANNEL, HC_CARRIER, HC_CATEGORY = (BY_PRIORITY[p] for p in (10, 20, 21, 22))
SPECIAL_OK, SPECIAL_RED, CONTROLLED_PERMIT = (BY_PRIORITY[p] for p in (30, 31, 32))
FIRST_WL, FIRST_NOT_WL, SECOND_OUT, SECOND_IN, INTERNAL = (BY_PRIORITY[p] for p in (40, 41, 50, 51, 60))

GOODS = frozenset({"goods"})
SPECIAL = frozenset({"goods", "special_items"})


def item(category="general", *, permit=False, hs="847130", origin="HK", value="1000", currency="HKD") -> Item:
    return Item(
        category=category, hs_code=hs, origin=origin, value=Decimal(value), currency=currency, has_permit=permit
    )


def facts(*items, line="first", direction="into_park", mode="vehicle", scopes=GOODS, at_no1=False, designated=False):
    return Facts(
        line=line,
        direction=direction,
        transport_mode=mode,
        items=tuple(items or (item(),)),
        scopes=frozenset(scopes),
        checkpoint_hand_carry=at_no1,
        designated_carrier=designated,
        number="HTCD-2026-0000001",
    )


def fired(decision) -> list[int | None]:
    return [entry.rule for entry in decision.fired]


CONTROLLED = ["special_item", "human_genetic_resource", "hazardous_chemical", "dual_use"]


def case(name, facts_, outcome, rules):
    """A row of the table: `outcome` reads "regime lane [permit] [refused]"."""
    regime, lane, *flags = outcome.split()
    return pytest.param(facts_, (regime, lane, "permit" in flags, "refused" in flags), rules, id=name)


F, S, IMP, FREE = "filing_only", "standard_declaration", "import_declaration", "free_movement"
HAND = {"mode": "hand_carry"}
AT_NO1 = {"mode": "hand_carry", "at_no1": True, "designated": True}

CASES = [
    case("first line, whitelisted", facts(), f"{F} green", [FIRST_WL]),
    case("first line out of the park, whitelisted", facts(direction="out_of_park"), f"{F} green", [FIRST_WL]),
    case("first line, not whitelisted", facts(scopes=()), f"{S} yellow", [FIRST_NOT_WL]),
    # An entry expired or suspended on the planned date leaves the filer no valid scope.
    case("first line, whitelisted for people only", facts(scopes={"personnel"}), f"{S} yellow", [FIRST_NOT_WL]),
    *[
        case(f"{category} without a permit", facts(item(category)), f"{F} green permit refused", [PERMITLESS, FIRST_WL])
        for category in CONTROLLED
    ],
    case(
        "special item with permit and scope",
        facts(item("special_item", permit=True), scopes=SPECIAL),
        f"{F} yellow permit",
        [SPECIAL_OK, FIRST_WL],
    ),
    case(
        "special item with permit, no scope",
        facts(item("special_item", permit=True)),
        f"{F} red permit",
        [SPECIAL_RED, FIRST_WL],
    ),
    case(
        "human genetic resource with permit and scope",
        facts(item("human_genetic_resource", permit=True), scopes=SPECIAL),
        f"{F} yellow permit",
        [SPECIAL_OK, FIRST_WL],
    ),
    case(
        "human genetic resource with permit, no scope",
        facts(item("human_genetic_resource", permit=True)),
        f"{F} red permit",
        [SPECIAL_RED, FIRST_WL],
    ),
    case(
        "hazardous chemical with permit",
        facts(item("hazardous_chemical", permit=True)),
        f"{F} yellow permit",
        [CONTROLLED_PERMIT, FIRST_WL],
    ),
    case(
        "dual-use item with permit",
        facts(item("dual_use", permit=True)),
        f"{F} yellow permit",
        [CONTROLLED_PERMIT, FIRST_WL],
    ),
    case(
        "special item with permit, not whitelisted at all",
        facts(item("special_item", permit=True), scopes=()),
        f"{S} red permit",
        [SPECIAL_RED, FIRST_NOT_WL],
    ),
    case("second line out of the park", facts(line="second", direction="out_of_park"), f"{IMP} yellow", [SECOND_OUT]),
    case(
        "second line out, not whitelisted",
        facts(line="second", direction="out_of_park", scopes=()),
        f"{IMP} yellow",
        [SECOND_OUT],
    ),
    case(
        "second line out, permitless special item",
        facts(item("special_item"), line="second", direction="out_of_park"),
        f"{IMP} yellow permit refused",
        [PERMITLESS, SECOND_OUT],
    ),
    case("second line into the park", facts(line="second"), f"{S} green", [SECOND_IN]),
    case("internal movement", facts(line="internal"), f"{FREE} green", [INTERNAL]),
    # Inside the park goods move freely: permits are checked where goods cross a line.
    case(
        "internal, permitless special item", facts(item("special_item"), line="internal"), f"{FREE} green", [INTERNAL]
    ),
    *[
        case(
            f"hand-carried {category} at the No. 1 Channel by a carrier",
            facts(item(category), **AT_NO1),
            f"{F} green",
            [FIRST_WL],
        )
        for category in ("instrument", "reagent_consumable", "sample")
    ],
    case(
        "hand-carried by someone else",
        facts(item("instrument"), mode="hand_carry", at_no1=True),
        f"{F} green refused",
        [HC_CARRIER, FIRST_WL],
    ),
    case(
        "hand-carried at another checkpoint",
        facts(item("instrument"), mode="hand_carry", designated=True),
        f"{F} green refused",
        [HC_CHANNEL, FIRST_WL],
    ),
    case("hand-carried general goods", facts(item("general"), **AT_NO1), f"{F} green refused", [HC_CATEGORY, FIRST_WL]),
    case(
        "hand-carried, everything wrong",
        facts(item("general"), **HAND),
        f"{F} green refused",
        [HC_CHANNEL, HC_CARRIER, HC_CATEGORY, FIRST_WL],
    ),
]


@pytest.mark.parametrize(("facts_", "expected", "rules"), CASES)
def test_the_default_rule_set_on_a_table_of_cases(facts_, expected, rules):
    decision = evaluate(facts_, DEFAULT)
    assert (decision.regime, decision.lane, decision.permit_required, decision.refused) == expected
    assert fired(decision) == rules


def test_every_seeded_rule_fires_in_some_case():
    fired_somewhere = {rule for row in CASES for rule in row.values[-1]}
    assert fired_somewhere == {rule.pk for rule in DEFAULT}


def test_the_explanation_names_the_items_and_keeps_the_reason_in_three_languages():
    decision = evaluate(
        facts(item("sample"), item("general"), mode="hand_carry", at_no1=True, designated=True), DEFAULT
    )
    refusal, regime = decision.explanation
    assert refusal["rule"] == HC_CATEGORY and refusal["refuse"] is True
    assert refusal["items"] == [2]  # the general goods, not the sample
    assert refusal["reason"] == {
        "en": "Only instruments, reagents and consumables, and samples may be hand-carried.",
        "zh-hans": "只有仪器、试剂耗材和样品可以随身携带。",
        "zh-hant": "只有儀器、試劑耗材和樣品可以隨身攜帶。",
    }
    assert regime["rule"] == FIRST_WL and regime["regime"] == "filing_only" and regime["items"] == []


def test_a_declaration_no_rule_gives_a_regime_is_declared_the_standard_way_and_checked():
    lane_only = Rule(categories=["sample"], lane="green")
    decision = evaluate(facts(item("sample")), [lane_only])
    assert (decision.regime, decision.lane) == ("standard_declaration", "yellow")
    assert fired(decision) == [lane_only.pk, None]
    assert decision.explanation[-1]["kind"] == "fallback"
    assert set(decision.explanation[-1]["reason"]) == {"en", "zh-hans", "zh-hant"}
    assert decision.explanation[-1]["reason"]["zh-hans"] != decision.explanation[-1]["reason"]["en"]


def test_the_first_regime_in_priority_order_decides_and_the_strictest_lane_wins():
    late = Rule(priority=90, lines=["first"], regime="standard_declaration", lane="green")
    early = Rule(priority=5, lines=["first"], regime="filing_only", lane="red")
    decision = evaluate(facts(), [late, early])
    assert (decision.regime, decision.lane) == ("filing_only", "red")
    assert fired(decision) == [early.pk, late.pk]


def test_an_inactive_rule_never_fires():
    decision = evaluate(facts(), [Rule(lines=["first"], regime="filing_only", refuse=True, active=False)])
    assert not decision.refused and decision.regime == "standard_declaration"


@pytest.mark.parametrize(
    ("rule", "matching"),
    [
        (Rule(hs_prefixes=["30"], lane="red"), [2]),
        (Rule(hs_prefixes=["300212"], lane="red"), [2]),
        (Rule(hs_prefixes=["8471", "9027"], lane="red"), [1, 3]),
        (Rule(origins=["US"], lane="red"), [3]),
        (Rule(currencies=["USD"], min_value=Decimal("50000"), lane="red"), [3]),
        (Rule(min_value=Decimal("100"), max_value=Decimal("1000"), lane="red"), [1, 2]),
        (Rule(categories=["sample"], categories_excluded=True, lane="red"), [1, 3]),
        (Rule(categories=["sample"], origins=["US"], lane="red"), []),
    ],
)
def test_item_conditions_name_the_items_that_meet_them_all(rule, matching):
    declaration = facts(
        item("instrument", hs="847130", origin="HK", value="1000", currency="HKD"),
        item("sample", hs="300212", origin="HK", value="100", currency="HKD"),
        item("instrument", hs="902720", origin="US", value="80000", currency="USD"),
    )
    assert fires(rule, declaration) == (bool(matching), tuple(matching))


def test_declaration_conditions():
    hand = facts(item("instrument"), mode="hand_carry", at_no1=True, designated=True)
    assert fires(Rule(transport_modes=["hand_carry"], checkpoint_hand_carry="yes", lane="red"), hand)[0]
    assert not fires(Rule(transport_modes=["vehicle"], lane="red"), hand)[0]
    assert not fires(Rule(designated_carrier="no", lane="red"), hand)[0]
    assert fires(Rule(scopes_all=["goods"], lane="red"), hand)[0]
    assert not fires(Rule(scopes_all=["goods", "special_items"], lane="red"), hand)[0]
    assert fires(Rule(scopes_missing=["goods", "special_items"], lane="red"), hand)[0]
    assert not fires(Rule(scopes_missing=["goods"], lane="red"), hand)[0]
    assert not fires(Rule(directions=["out_of_park"], lane="red"), hand)[0]


# -- the random selection -------------------------------------------------------------------------


def numbered(number, **changes):
    base = facts(**changes)
    return Facts(**{**base.__dict__, "number": number})


def test_the_random_selection_is_reproducible_from_the_number_and_the_seed():
    selection = Selection(rate=Decimal("0.5"), seed="zone-secret")
    numbers = [f"HTCD-2026-{n:07d}" for n in range(1, 201)]
    first = [evaluate(numbered(number), DEFAULT, selection=selection).lane for number in numbers]
    again = [evaluate(numbered(number), DEFAULT, selection=selection).lane for number in numbers]
    other_seed = [
        evaluate(numbered(number), DEFAULT, selection=Selection(rate=Decimal("0.5"), seed="other")).lane
        for number in numbers
    ]
    assert first == again
    assert first != other_seed
    assert set(first) == {"green", "yellow"}


def test_the_selection_rate_is_kept_and_only_green_declarations_are_selected():
    selection = Selection(rate=Decimal("0.05"), seed="zone-secret")
    numbers = [f"HTCD-2026-{n:07d}" for n in range(1, 10_001)]
    selected = [number for number in numbers if selection_draw(number, selection.seed) < selection.rate]
    assert 0.04 < len(selected) / len(numbers) < 0.06

    chosen = numbered(selected[0])
    decision = evaluate(chosen, DEFAULT, selection=selection)
    assert decision.selected and decision.lane == "yellow"
    assert decision.explanation[-1]["kind"] == "selection" and decision.explanation[-1]["rule"] is None
    # Not selected at rate 0; a yellow or a refused declaration is left as it is.
    assert evaluate(chosen, DEFAULT, selection=Selection(rate=Decimal("0"), seed="zone-secret")).lane == "green"
    not_whitelisted = evaluate(numbered(selected[0], scopes=()), DEFAULT, selection=selection)
    assert not not_whitelisted.selected and not_whitelisted.lane == "yellow"
    refused = evaluate(
        numbered(selected[0], mode="hand_carry"), DEFAULT, selection=Selection(rate=Decimal("1"), seed="s")
    )
    assert refused.refused and not refused.selected


def test_a_declaration_without_items_is_not_decided():
    with pytest.raises(ValueError):
        evaluate(Facts(line="first", direction="into_park", transport_mode="vehicle", items=()), DEFAULT)
