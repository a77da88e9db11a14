"""Models of the zone: the parks and their sites, institutions and members (`institutions`), and the
whitelist filing (`whitelist`)."""

from .institutions import Institution, Jurisdiction, Membership, Park, Site
from .whitelist import (
    OPEN_STATUSES,
    SCOPE_VALUES,
    WAITING_FOR_REVIEW,
    ApplicationComment,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationStep,
    EntryStatus,
    FilingCounter,
    Invitation,
    WhitelistApplication,
    WhitelistEntry,
    WhitelistScope,
    scope_labels,
)

__all__ = [
    "OPEN_STATUSES",
    "SCOPE_VALUES",
    "WAITING_FOR_REVIEW",
    "ApplicationComment",
    "ApplicationDocument",
    "ApplicationStatus",
    "ApplicationStep",
    "EntryStatus",
    "FilingCounter",
    "Institution",
    "Invitation",
    "Jurisdiction",
    "Membership",
    "Park",
    "Site",
    "WhitelistApplication",
    "WhitelistEntry",
    "WhitelistScope",
    "scope_labels",
]
