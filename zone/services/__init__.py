"""Business operations of the zone: institution registration and members, whitelist filing and the registry.

Every interface (institution portal, staff portal, admin, API, tasks, commands) calls these
functions. Each is atomic, locks the rows it changes, re-checks the state after locking,
records the step, and schedules its e-mails for after the commit.
"""

from .institutions import (
    INVITATION_VALIDITY,
    institution_register,
    institution_save,
    invitation_accept,
    invitation_accept_with_new_account,
    invitation_create,
    invitation_for_secret,
    membership_remove,
    membership_set,
    reference_delete,
    reference_save,
)
from .registry import (
    DEFAULT_VALIDITY_YEARS,
    RENEWAL_REMINDER_DAYS,
    default_valid_until,
    entries_expire_and_remind,
    entry_reinstate,
    entry_revoke,
    entry_suspend,
    next_filing_no,
    verify_filing,
)
from .whitelist import (
    application_approve,
    application_assign,
    application_create,
    application_reject,
    application_request_changes,
    application_submit,
    application_update,
    application_withdraw,
    comment_add,
    document_add,
    document_delete,
)

__all__ = [
    "DEFAULT_VALIDITY_YEARS",
    "INVITATION_VALIDITY",
    "RENEWAL_REMINDER_DAYS",
    "application_approve",
    "application_assign",
    "application_create",
    "application_reject",
    "application_request_changes",
    "application_submit",
    "application_update",
    "application_withdraw",
    "comment_add",
    "default_valid_until",
    "document_add",
    "document_delete",
    "entries_expire_and_remind",
    "entry_reinstate",
    "entry_revoke",
    "entry_suspend",
    "institution_register",
    "institution_save",
    "invitation_accept",
    "invitation_accept_with_new_account",
    "invitation_create",
    "invitation_for_secret",
    "membership_remove",
    "membership_set",
    "next_filing_no",
    "reference_delete",
    "reference_save",
    "verify_filing",
]

# Registered persons (the whitelist's personnel scope).
from .people import (
    NOT_VALID_REASONS,
    live_registration,
    not_valid_reason_text,
    passage_status,
    person_approve,
    person_create,
    person_reinstate,
    person_reject,
    person_submit,
    person_suspend,
    person_update,
    personnel_entry,
    persons_expire,
    with_personnel_entry,
)

__all__ += [
    "NOT_VALID_REASONS",
    "live_registration",
    "not_valid_reason_text",
    "passage_status",
    "person_approve",
    "person_create",
    "person_reinstate",
    "person_reject",
    "person_submit",
    "person_suspend",
    "person_update",
    "personnel_entry",
    "persons_expire",
    "with_personnel_entry",
]

# Research-data export filings and the negative list (the whitelist's data scope).
from .data_exports import (  # noqa: E402 - after the people section's __all__
    NUMBER_SERIES,
    clean_filing,
    decide,
    export_filing_approve,
    export_filing_assess,
    export_filing_create,
    export_filing_precheck,
    export_filing_reject,
    export_filing_submit,
    export_filing_update,
    export_filing_withdraw,
    institution_exports_data,
    negative_list_entry_delete,
    negative_list_entry_save,
)

__all__ += [
    "NUMBER_SERIES",
    "clean_filing",
    "decide",
    "export_filing_approve",
    "export_filing_assess",
    "export_filing_create",
    "export_filing_precheck",
    "export_filing_reject",
    "export_filing_submit",
    "export_filing_update",
    "export_filing_withdraw",
    "institution_exports_data",
    "negative_list_entry_delete",
    "negative_list_entry_save",
]
