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


# --- registered persons -------------------------------------------------------------------------
#
# draft → submitted → approved | rejected; an approved person is suspended (and reinstated) by
# reviewers, and expires when their validity or the institution's whitelist filing ends.
# Owners and filers edit and submit; reviewers who are not members of the institution decide.

from .models import PersonStatus as P  # noqa: E402 - this section stands on its own
from .permissions import can_decide_person  # noqa: E402

PERSON_EDIT = "edit"
PERSON_SUBMIT = "submit"
PERSON_APPROVE = "approve"
PERSON_REJECT = "reject"
PERSON_SUSPEND = "suspend"
PERSON_REINSTATE = "reinstate"
PERSON_EXPIRE = "expire"


def _person_filer(user, person) -> tuple[bool, str]:
    if can_file(user, person.institution_id):
        return True, ""
    return False, _("Only owners and filers of the institution can do this.")


def _person_decider(user, person) -> tuple[bool, str]:
    return can_decide_person(user, person)


def _person_system(user, person) -> tuple[bool, str]:
    return False, _("Registrations expire by themselves at the end of their validity.")


PERSON = StateMachine(
    noun=_("a registered person"),
    states=P,
    transitions=[
        Transition(PERSON_EDIT, {P.DRAFT}, None, label=_("edit"), allowed=_person_filer, offered=False),
        Transition(PERSON_SUBMIT, {P.DRAFT}, P.SUBMITTED, label=_("submit"), allowed=_person_filer),
        Transition(PERSON_APPROVE, {P.SUBMITTED}, P.APPROVED, label=_("approve"), allowed=_person_decider),
        Transition(PERSON_REJECT, {P.SUBMITTED}, P.REJECTED, label=_("reject"), allowed=_person_decider),
        Transition(PERSON_SUSPEND, {P.APPROVED}, P.SUSPENDED, label=_("suspend"), allowed=_person_decider),
        Transition(PERSON_REINSTATE, {P.SUSPENDED}, P.APPROVED, label=_("reinstate"), allowed=_person_decider),
        # Taken by the scheduled expiry (persons_expire), never offered to a person.
        Transition(
            PERSON_EXPIRE,
            {P.APPROVED, P.SUSPENDED},
            P.EXPIRED,
            label=_("expire"),
            allowed=_person_system,
            offered=False,
        ),
    ],
)


# --- data export filings ------------------------------------------------------------------------
#
# draft → submitted → under_assessment → approved | rejected; withdrawn before a decision. At
# submission the negative list decides the outcome: a refused filing goes straight to rejected.
# A filing-only filing may be approved as submitted; one that needs a security assessment only
# once under assessment. Owners and filers edit, submit and withdraw; assessors who are not
# members of the filing institution assess and decide.

from .models import ExportStatus as X  # noqa: E402 - this section stands on its own
from .models import Outcome  # noqa: E402
from .permissions import can_assess_export  # noqa: E402

EXPORT_EDIT = "edit"
EXPORT_SUBMIT = "submit"
EXPORT_ASSESS = "assess"
EXPORT_APPROVE = "approve"
EXPORT_REJECT = "reject"
EXPORT_WITHDRAW = "withdraw"


def _export_filer(user, filing) -> tuple[bool, str]:
    if can_file(user, filing.institution_id):
        return True, ""
    return False, _("Only owners and filers of the institution can do this.")


def _export_assessor(user, filing) -> tuple[bool, str]:
    return can_assess_export(user, filing)


def _export_submission_target(filing) -> str:
    # The service sets the negative list's outcome before it asks for the target.
    return X.REJECTED if filing.outcome == Outcome.REFUSED else X.SUBMITTED


EXPORT = StateMachine(
    noun=_("a data export filing"),
    states=X,
    transitions=[
        Transition(EXPORT_EDIT, {X.DRAFT}, None, label=_("edit"), allowed=_export_filer, offered=False),
        Transition(EXPORT_SUBMIT, {X.DRAFT}, _export_submission_target, label=_("submit"), allowed=_export_filer),
        Transition(
            EXPORT_ASSESS, {X.SUBMITTED}, X.UNDER_ASSESSMENT, label=_("take under assessment"), allowed=_export_assessor
        ),
        Transition(
            EXPORT_APPROVE, {X.SUBMITTED, X.UNDER_ASSESSMENT}, X.APPROVED, label=_("approve"), allowed=_export_assessor
        ),
        Transition(
            EXPORT_REJECT, {X.SUBMITTED, X.UNDER_ASSESSMENT}, X.REJECTED, label=_("reject"), allowed=_export_assessor
        ),
        Transition(
            EXPORT_WITHDRAW,
            {X.DRAFT, X.SUBMITTED, X.UNDER_ASSESSMENT},
            X.WITHDRAWN,
            label=_("withdraw"),
            allowed=_export_filer,
        ),
    ],
)

# The filings waiting for the zone: the assessors' queue and the dashboard count the same ones.
EXPORT_WAITING = (X.SUBMITTED, X.UNDER_ASSESSMENT)


def export_approval_problem(filing) -> str | None:
    """Why the filing cannot be approved in its state although the workflow allows approving it
    there: one that needs a security assessment is approved only once assessed."""
    if filing.status == X.SUBMITTED and filing.outcome == Outcome.ASSESSMENT:
        return _("This filing needs a security assessment: take it under assessment before you approve it.")
    return None


def export_actions(filing, user) -> list[str]:
    """The steps `user` may take on the filing now: the workflow's, less an approval that must wait
    for the assessment."""
    actions = EXPORT.available_actions(filing, user)
    if export_approval_problem(filing) is not None:
        actions = [action for action in actions if action != EXPORT_APPROVE]
    return actions
