"""The whitelist application's workflow: one instance of the portal's state machine (`hetao.workflow`).

draft → submitted → under_review → changes_requested → submitted … → approved | rejected; a
resubmission goes straight back under review when a reviewer is assigned; withdrawn from any
open state before a decision. Applicants (owners and filers) edit, submit and withdraw;
reviewers assign; reviewers who are not members of the applying institution decide.

A whitelist entry (`ENTRY`) is active until staff suspend or revoke it or its validity ends;
a suspended entry is reinstated while still valid.
"""

from django.utils.translation import gettext_lazy as _

from hetao.workflow import StateMachine, Transition

from .models import OPEN_STATUSES, WAITING_FOR_REVIEW
from .models import ApplicationStatus as S
from .models import EntryStatus as E
from .permissions import can_decide, can_file, is_reviewer, is_whitelist_manager

SUBMIT = "submit"
WITHDRAW = "withdraw"
ASSIGN = "assign"
REQUEST_CHANGES = "request_changes"
APPROVE = "approve"
REJECT = "reject"
EDIT = "edit"  # change fields or documents: not a step of its own, allowed while the applicant holds it


def _applicant(user, application) -> tuple[bool, str]:
    if can_file(user, application.institution_id):
        return True, ""
    return False, _("Only owners and filers of the institution can do this.")


def _reviewer(user, application) -> tuple[bool, str]:
    if is_reviewer(user):
        return True, ""
    return False, _("Only whitelist reviewers can do this.")


def _decider(user, application) -> tuple[bool, str]:
    return can_decide(user, application)


def _submission_target(application) -> str:
    # A resubmission goes back to the reviewer who asked for the changes, under review at once.
    if application.status == S.CHANGES_REQUESTED and application.reviewer_id is not None:
        return S.UNDER_REVIEW
    return S.SUBMITTED


APPLICATION = StateMachine(
    noun=_("an application"),
    states=S,
    transitions=[
        Transition(EDIT, {S.DRAFT, S.CHANGES_REQUESTED}, None, label=_("edit"), allowed=_applicant, offered=False),
        Transition(SUBMIT, {S.DRAFT, S.CHANGES_REQUESTED}, _submission_target, label=_("submit"), allowed=_applicant),
        Transition(WITHDRAW, OPEN_STATUSES, S.WITHDRAWN, label=_("withdraw"), allowed=_applicant),
        Transition(ASSIGN, WAITING_FOR_REVIEW, S.UNDER_REVIEW, label=_("assign a reviewer"), allowed=_reviewer),
        Transition(
            REQUEST_CHANGES, {S.UNDER_REVIEW}, S.CHANGES_REQUESTED, label=_("request changes"), allowed=_decider
        ),
        Transition(APPROVE, {S.UNDER_REVIEW}, S.APPROVED, label=_("approve"), allowed=_decider),
        Transition(REJECT, {S.UNDER_REVIEW}, S.REJECTED, label=_("reject"), allowed=_decider),
    ],
)


# --- the registry: a whitelist entry's status ---------------------------------------------------

SUSPEND = "suspend"
REINSTATE = "reinstate"
REVOKE = "revoke"
EXPIRE = "expire"


def _registry_staff(user, entry) -> tuple[bool, str]:
    if is_whitelist_manager(user):
        return True, ""
    return False, _("Only whitelist staff can change the registry.")


def _system(user, entry) -> tuple[bool, str]:
    return False, _("Entries expire by themselves at the end of their validity.")


ENTRY = StateMachine(
    noun=_("a whitelist entry"),
    states=E,
    transitions=[
        Transition(SUSPEND, {E.ACTIVE}, E.SUSPENDED, label=_("suspend"), allowed=_registry_staff),
        Transition(REINSTATE, {E.SUSPENDED}, E.ACTIVE, label=_("reinstate"), allowed=_registry_staff),
        Transition(REVOKE, {E.ACTIVE, E.SUSPENDED, E.EXPIRED}, E.REVOKED, label=_("revoke"), allowed=_registry_staff),
        # Taken by the scheduled expiry (entries_expire_and_remind), never offered to a person.
        Transition(EXPIRE, {E.ACTIVE, E.SUSPENDED}, E.EXPIRED, label=_("expire"), allowed=_system, offered=False),
    ],
)
