"""The whitelist application state machine, as data.

draft → submitted → under_review → changes_requested → submitted … → approved | rejected (a resubmission
goes straight back under review when a reviewer is assigned);
withdrawn from any open state before a decision. Services consult `target_status`; an action
that the current state does not allow raises InvalidTransition (HTTP 409 in the API).
"""

from django.utils.translation import gettext_lazy as _

from hetao.errors import InvalidTransition

from .models_whitelist import ApplicationStatus as S

SUBMIT = "submit"
WITHDRAW = "withdraw"
ASSIGN = "assign"
REQUEST_CHANGES = "request_changes"
APPROVE = "approve"
REJECT = "reject"
EDIT = "edit"  # change fields or documents; not a transition, allowed only while the applicant holds it

# action -> (states it is allowed from, state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    EDIT: (frozenset({S.DRAFT, S.CHANGES_REQUESTED}), None),
    SUBMIT: (frozenset({S.DRAFT, S.CHANGES_REQUESTED}), S.SUBMITTED),
    WITHDRAW: (frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.CHANGES_REQUESTED}), S.WITHDRAWN),
    ASSIGN: (frozenset({S.SUBMITTED, S.UNDER_REVIEW}), S.UNDER_REVIEW),
    REQUEST_CHANGES: (frozenset({S.UNDER_REVIEW}), S.CHANGES_REQUESTED),
    APPROVE: (frozenset({S.UNDER_REVIEW}), S.APPROVED),
    REJECT: (frozenset({S.UNDER_REVIEW}), S.REJECTED),
}

ACTION_LABELS = {
    EDIT: _("edit"),
    SUBMIT: _("submit"),
    WITHDRAW: _("withdraw"),
    ASSIGN: _("assign a reviewer"),
    REQUEST_CHANGES: _("request changes"),
    APPROVE: _("approve"),
    REJECT: _("reject"),
}


def allowed(action: str, status: str) -> bool:
    sources, _target = TRANSITIONS[action]
    return status in sources


def target_status(action: str, status: str) -> str:
    """The state `action` leads to from `status`, or InvalidTransition."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        raise InvalidTransition(
            _("You cannot %(action)s an application that is %(status)s.")
            % {"action": ACTION_LABELS[action], "status": S(status).label.lower()},
            code="invalid_transition",
        )
    return target or status


def submission_target(status: str, *, reviewer_assigned: bool) -> str:
    """Where `submit` leads: to the reviewers' queue, or, for a resubmission after a request for
    changes, straight back under review by the reviewer who asked for them."""
    target = target_status(SUBMIT, status)
    if status == S.CHANGES_REQUESTED and reviewer_assigned:
        return S.UNDER_REVIEW
    return target


def available_actions(status: str) -> list[str]:
    return [action for action in TRANSITIONS if action != EDIT and allowed(action, status)]
