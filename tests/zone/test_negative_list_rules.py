"""The negative list of data exports on a table of cases: each category, thresholds either side, a
destination inside the Hong Kong park against one overseas, and the explanation each decision keeps.

The engine is a pure function: the seeded default list is read from its migration, and lists of
other shapes are made here, without a database.
"""

from dataclasses import dataclass
from importlib import import_module
from itertools import count

import pytest
from django.utils import translation

from hetao.i18n import reason_in
from zone.rules.data_exports import evaluate

DEFAULT_ENTRIES = import_module("zone.migrations.0008_default_negative_list").DEFAULT_ENTRIES
_ids = count(100)


@dataclass
class Entry:
    """What the engine reads of a `NegativeListEntry`."""

    category: str
    outcome: str
    min_records: int | None = None
    min_persons: int | None = None
    destinations: str = "any"
    active: bool = True
    name_en: str = ""
    name_zh_hans: str = ""
    name_zh_hant: str = ""
    pk: int = 0

    def __post_init__(self):
        self.pk = self.pk or next(_ids)
        self.name_en = self.name_en or f"{self.category} {self.outcome}"


def _default_list() -> list[Entry]:
    return [
        Entry(
            pk=index,
            category=category,
            min_records=min_records,
            min_persons=min_persons,
            destinations=destinations,
            outcome=outcome,
            name_en=en,
            name_zh_hans=hans,
            name_zh_hant=hant,
        )
        for index, (category, min_records, min_persons, destinations, outcome, en, hans, hant) in enumerate(
            DEFAULT_ENTRIES, start=1
        )
    ]


DEFAULT = _default_list()
BY_TEXT = {entry.name_en: entry.pk for entry in DEFAULT}
HGR = BY_TEXT["Human genetic resources information leaves the zone only after a security assessment."]
IMPORTANT = BY_TEXT["Important data leaves the zone only after a security assessment."]
SENSITIVE_MANY = BY_TEXT["Sensitive personal information of more than 10,000 persons needs a security assessment."]
SENSITIVE = BY_TEXT["Sensitive personal information of up to 10,000 persons is filed."]
PERSONAL_ABROAD = BY_TEXT["Personal information sent outside Hong Kong needs a security assessment."]
PERSONAL = BY_TEXT["Personal information sent to Hong Kong is filed."]
GENERAL = BY_TEXT["General research data is filed."]


def decide(categories, destination="hk_park", records=1_000, persons=0, entries=DEFAULT):
    return evaluate(
        categories=categories, record_count=records, person_count=persons, destination=destination, entries=entries
    )


def applied(decision) -> list[tuple]:
    return [(item.entry_id, item.category, item.outcome) for item in decision.applied]


# -- the seeded default list ----------------------------------------------------------------------

DEFAULT_CASES = [
    # categories, destination, records, persons -> outcome, entries that decided it
    (["general"], "hk_park", 1_000, 0, "filing_only", [GENERAL]),
    (["general"], "hong_kong", 1_000, 0, "filing_only", [GENERAL]),
    (["general"], "abroad", 50_000_000, 0, "filing_only", [GENERAL]),
    (["personal"], "hk_park", 500, 500, "filing_only", [PERSONAL]),
    (["personal"], "hong_kong", 500, 500, "filing_only", [PERSONAL]),
    (["personal"], "abroad", 500, 500, "assessment", [PERSONAL_ABROAD]),
    (["sensitive_personal"], "hk_park", 10_000, 10_000, "filing_only", [SENSITIVE]),
    (["sensitive_personal"], "hk_park", 10_001, 10_001, "assessment", [SENSITIVE_MANY]),
    (["sensitive_personal"], "abroad", 10_000, 10_000, "filing_only", [SENSITIVE]),
    (["sensitive_personal"], "abroad", 20_000, 20_000, "assessment", [SENSITIVE_MANY]),
    # The threshold counts persons, not records.
    (["sensitive_personal"], "hk_park", 1_000_000, 10_000, "filing_only", [SENSITIVE]),
    (["human_genetic"], "hk_park", 10, 10, "assessment", [HGR]),
    (["human_genetic"], "abroad", 10, 10, "assessment", [HGR]),
    (["important"], "hk_park", 1, 0, "assessment", [IMPORTANT]),
    (["important"], "abroad", 1, 0, "assessment", [IMPORTANT]),
    # Several categories: each is decided, the strictest decides the filing.
    (["general", "human_genetic"], "hk_park", 1_000, 10, "assessment", [HGR, GENERAL]),
    (["general", "personal"], "hk_park", 1_000, 100, "filing_only", [GENERAL, PERSONAL]),
    (["general", "personal"], "abroad", 1_000, 100, "assessment", [PERSONAL_ABROAD, GENERAL]),
    (
        ["important", "sensitive_personal", "general"],
        "abroad",
        1_000,
        50_000,
        "assessment",
        [SENSITIVE_MANY, IMPORTANT, GENERAL],
    ),
]


@pytest.mark.parametrize(
    ("categories", "destination", "records", "persons", "outcome", "entries"),
    DEFAULT_CASES,
    ids=[f"{'+'.join(c)}-{d}-{r}r-{p}p" for c, d, r, p, *_rest in DEFAULT_CASES],
)
def test_the_default_negative_list_decides_each_case(categories, destination, records, persons, outcome, entries):
    decision = decide(categories, destination, records, persons)

    assert decision.outcome == outcome
    assert [item.entry_id for item in decision.applied] == entries


def test_the_explanation_keeps_each_deciding_entry_with_its_reason_in_the_three_languages():
    decision = decide(["human_genetic", "general"], "abroad", 3_000, 3_000)

    assert decision.explanation == [
        {
            "entry": HGR,
            "category": "human_genetic",
            "outcome": "assessment",
            "reason": {
                "en": "Human genetic resources information leaves the zone only after a security assessment.",
                "zh-hans": "人类遗传资源信息出境须经安全评估。",
                "zh-hant": "人類遺傳資源信息出境須經安全評估。",
            },
        },
        {
            "entry": GENERAL,
            "category": "general",
            "outcome": "filing_only",
            "reason": {
                "en": "General research data is filed.",
                "zh-hans": "一般科研数据出境实行备案。",
                "zh-hant": "一般科研數據出境實行備案。",
            },
        },
    ]


def test_a_milder_entry_outranked_by_a_stricter_one_of_its_category_is_left_out_of_the_explanation():
    # Both sensitive-personal entries apply above 10,000 persons; only the assessment explains the outcome.
    decision = decide(["sensitive_personal"], "hk_park", 20_000, 20_000)

    assert applied(decision) == [(SENSITIVE_MANY, "sensitive_personal", "assessment")]


# -- thresholds, destinations and outcomes of other lists -------------------------------------------

RECORDS = Entry("general", "assessment", min_records=1_000_000, destinations="abroad")
OUTSIDE = Entry("personal", "assessment", destinations="outside_park")
REFUSED = Entry("important", "refused", min_persons=1, destinations="abroad")
GENERAL_ANY = Entry("general", "filing_only")
PERSONAL_ANY = Entry("personal", "filing_only")
IMPORTANT_ANY = Entry("important", "assessment")
LIST = [RECORDS, OUTSIDE, REFUSED, GENERAL_ANY, PERSONAL_ANY, IMPORTANT_ANY]

LIST_CASES = [
    # A records threshold, either side, and only abroad.
    (["general"], "abroad", 999_999, 0, "filing_only", [GENERAL_ANY.pk]),
    (["general"], "abroad", 1_000_000, 0, "assessment", [RECORDS.pk]),
    (["general"], "hk_park", 5_000_000, 0, "filing_only", [GENERAL_ANY.pk]),
    (["general"], "hong_kong", 5_000_000, 0, "filing_only", [GENERAL_ANY.pk]),
    # Outside the Hong Kong park: Hong Kong and abroad, not the park.
    (["personal"], "hk_park", 10, 10, "filing_only", [PERSONAL_ANY.pk]),
    (["personal"], "hong_kong", 10, 10, "assessment", [OUTSIDE.pk]),
    (["personal"], "abroad", 10, 10, "assessment", [OUTSIDE.pk]),
    # Refused outranks an assessment; a persons threshold of 1, either side.
    (["important"], "abroad", 10, 0, "assessment", [IMPORTANT_ANY.pk]),
    (["important"], "abroad", 10, 1, "refused", [REFUSED.pk]),
    (["important"], "hk_park", 10, 1, "assessment", [IMPORTANT_ANY.pk]),
    (["important", "general", "personal"], "abroad", 10, 1, "refused", [REFUSED.pk, OUTSIDE.pk, GENERAL_ANY.pk]),
]


@pytest.mark.parametrize(
    ("categories", "destination", "records", "persons", "outcome", "entries"),
    LIST_CASES,
    ids=[f"{'+'.join(c)}-{d}-{r}r-{p}p" for c, d, r, p, *_rest in LIST_CASES],
)
def test_thresholds_destinations_and_the_strictest_outcome(categories, destination, records, persons, outcome, entries):
    decision = decide(categories, destination, records, persons, entries=LIST)

    assert decision.outcome == outcome
    assert [item.entry_id for item in decision.applied] == entries


def test_a_category_no_active_entry_covers_needs_an_assessment_with_a_translated_reason():
    entries = [GENERAL_ANY, Entry("human_genetic", "filing_only", active=False)]

    decision = decide(["general", "human_genetic"], "hk_park", entries=entries)

    assert decision.outcome == "assessment"
    assert applied(decision) == [(None, "human_genetic", "assessment"), (GENERAL_ANY.pk, "general", "filing_only")]
    reason = decision.applied[0].reason
    assert set(reason) == {"en", "zh-hans", "zh-hant"}
    assert reason["en"] == (
        "No entry of the negative list applies to the category “Human genetic resources information” of this "
        "filing, so a security assessment decides."
    )


def test_a_category_whose_entries_all_miss_the_filing_is_not_covered_either():
    # Only a threshold entry for the category, and the filing stays below it.
    entries = [Entry("sensitive_personal", "assessment", min_persons=10_001)]

    decision = decide(["sensitive_personal"], "hk_park", 100, 100, entries=entries)

    assert applied(decision) == [(None, "sensitive_personal", "assessment")]


def test_an_empty_list_sends_every_filing_to_an_assessment():
    assert decide(["general"], "hk_park", entries=[]).outcome == "assessment"


def test_a_filing_without_a_category_is_not_decided():
    with pytest.raises(ValueError, match="at least one data category"):
        decide([], "hk_park")


def test_a_missing_chinese_reason_falls_back_on_the_other_script_then_english():
    entries = [
        Entry("general", "filing_only", name_en="Filed.", name_zh_hans="备案。"),
        Entry("personal", "filing_only", name_en="Filed too."),
    ]

    decision = decide(["general", "personal"], "hk_park", 10, 10, entries=entries)

    assert [item.reason for item in decision.applied] == [
        {"en": "Filed.", "zh-hans": "备案。", "zh-hant": "备案。"},
        {"en": "Filed too.", "zh-hans": "Filed too.", "zh-hant": "Filed too."},
    ]


def test_a_stored_reason_is_read_in_the_readers_language():
    reason = {"en": "Filed.", "zh-hans": "备案。", "zh-hant": "備案。"}

    with translation.override("zh-hant"):
        assert reason_in(reason) == "備案。"
    assert reason_in(reason, "zh-hans") == "备案。"
    assert reason_in({"en": "Filed."}, "zh-hant") == "Filed."
