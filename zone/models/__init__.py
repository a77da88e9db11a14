"""Models of the zone: the parks and their sites, institutions and members (`institutions`), and the
whitelist filing (`whitelist`)."""

from .data_exports import (
    DataCategory,
    DataExportFiling,
    Destination,
    DestinationScope,
    ExportStatus,
    NegativeListEntry,
    Outcome,
)
from .institutions import Institution, Jurisdiction, Membership, Park, Site
from .people import PersonStatus, RegisteredPerson, TravelDocumentType
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
    "DataCategory",
    "DataExportFiling",
    "Destination",
    "DestinationScope",
    "EntryStatus",
    "ExportStatus",
    "FilingCounter",
    "Institution",
    "Invitation",
    "Jurisdiction",
    "Membership",
    "NegativeListEntry",
    "Outcome",
    "Park",
    "PersonStatus",
    "RegisteredPerson",
    "Site",
    "TravelDocumentType",
    "WhitelistApplication",
    "WhitelistEntry",
    "WhitelistScope",
    "scope_labels",
]
