"""The negative list of research-data exports, applied to a filing: which entries apply, and what
the filing therefore needs (filing only, a security assessment, or nothing at all: refused).

A pure function over plain values and the entries (any objects with the fields of
`NegativeListEntry`), so it is tested on a table of cases without a database and used alike by
the submission, the pre-check endpoint and the pages:

    decision = evaluate(categories=["general"], record_count=1200, person_count=0,
                        destination="hk_park", entries=NegativeListEntry.objects.filter(active=True))
    decision.outcome   # "filing_only"
    decision.applied   # [AppliedEntry(entry_id=7, category="general", outcome="filing_only", reason={...})]

An entry applies when its category is one of the filing's, the filing reaches its thresholds
(`record_count >= min_records`, `person_count >= min_persons`, each only when set), and its
destinations cover the filing's destination. Within a category the strictest entries that apply
decide; a milder one that also applies is outranked and left out of the explanation (the general
rule of a category gives way to its stricter special rule). The strictest outcome over all
categories is the filing's. A category that no active entry applies to needs a security
assessment: what the list does not foresee is never let through unexamined.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from hetao.i18n import translated_reason, trilingual_reason

from ..models.data_exports import OUTCOME_SEVERITY, DataCategory, Destination, DestinationScope, Outcome

# The outcome of a category that no entry of the negative list foresees.
UNCOVERED_OUTCOME = Outcome.ASSESSMENT


@dataclass(frozen=True)
class AppliedEntry:
    """One reason of a decision: the entry (None for a category no entry covers), its category,
    the outcome it calls for, and its reason in each portal language."""

    entry_id: int | None
    category: str
    outcome: str
    reason: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        """As the filing stores it (`DataExportFiling.explanation`)."""
        return {"entry": self.entry_id, "category": self.category, "outcome": self.outcome, "reason": self.reason}


@dataclass(frozen=True)
class Decision:
    outcome: str
    applied: list[AppliedEntry]

    @property
    def explanation(self) -> list[dict]:
        return [item.as_json() for item in self.applied]


def entry_reason(entry) -> dict[str, str]:
    """An entry's reason in each portal language."""
    return trilingual_reason(entry)


def _uncovered_reason(category: str) -> dict[str, str]:
    return translated_reason(
        lambda: (
            _(
                "No entry of the negative list applies to the category “%(category)s” of this filing, so a "
                "security assessment decides."
            )
            % {"category": DataCategory(category).label}
        )
    )


def destination_covered(scope: str, destination: str) -> bool:
    """Whether an entry's destinations (`DestinationScope`) include the filing's destination."""
    if scope == DestinationScope.ANY:
        return True
    if scope == DestinationScope.OUTSIDE_PARK:
        return destination != Destination.HK_PARK
    if scope == DestinationScope.ABROAD:
        return destination == Destination.ABROAD
    return False  # a scope this engine does not know never widens an entry


def applies(entry, *, categories: Iterable[str], record_count: int, person_count: int, destination: str) -> bool:
    """Whether one entry applies to a filing with these values."""
    if not getattr(entry, "active", True) or entry.category not in set(categories):
        return False
    if entry.min_records is not None and record_count < entry.min_records:
        return False
    if entry.min_persons is not None and person_count < entry.min_persons:
        return False
    return destination_covered(entry.destinations, destination)


def severity(outcome: str) -> int:
    return OUTCOME_SEVERITY[Outcome(outcome)]


def evaluate(*, categories, record_count: int, person_count: int, destination: str, entries) -> Decision:
    """The outcome of a filing with these values under the negative list `entries`, and why."""
    wanted = [category for category in DataCategory.values if category in set(categories)]
    if not wanted:
        raise ValueError("a filing has at least one data category")
    entries = sorted(entries, key=lambda entry: (entry.pk is None, entry.pk or 0))
    applied: list[AppliedEntry] = []
    for category in wanted:
        matching = [
            entry
            for entry in entries
            if entry.category == category
            and applies(
                entry,
                categories=wanted,
                record_count=record_count,
                person_count=person_count,
                destination=destination,
            )
        ]
        if not matching:
            applied.append(AppliedEntry(None, category, UNCOVERED_OUTCOME, _uncovered_reason(category)))
            continue
        strictest = max(severity(entry.outcome) for entry in matching)
        applied.extend(
            AppliedEntry(entry.pk, category, Outcome(entry.outcome).value, entry_reason(entry))
            for entry in matching
            if severity(entry.outcome) == strictest
        )
    outcome = max((item.outcome for item in applied), key=severity)
    # The strictest reasons first: they are what the filing needs.
    applied.sort(key=lambda item: -severity(item.outcome))
    return Decision(outcome=Outcome(outcome).value, applied=applied)
