"""Who may do what in the zone app: one definition of each role, answering (allowed, reason) where
a reason is shown."""

from django.utils.translation import gettext as _

from hetao.models import User
from hetao.tenancy import role_of

from .models import Membership

REVIEW_PERMISSION = "zone.review_whitelistapplication"
MANAGE_PERMISSION = "zone.manage_whitelistentry"


def member_role(user, institution_id: int) -> str | None:
    return role_of(user, institution_id)


def can_file(user, institution_id: int) -> bool:
    """Owners and filers file and change their institution's applications; viewers only read."""
    return member_role(user, institution_id) in {Membership.Role.OWNER, Membership.Role.FILER}


def is_reviewer(user) -> bool:
    """A whitelist reviewer: holds the review permission (by role, directly, or as a superuser)."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(REVIEW_PERMISSION))


def is_whitelist_manager(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(MANAGE_PERMISSION))


def reviewers():
    """Every active whitelist reviewer, by username: the same people `is_reviewer` says yes to."""
    return User.objects.with_perm(REVIEW_PERMISSION, backend="django.contrib.auth.backends.ModelBackend").order_by(
        "username"
    )


def reviewers_for(application):
    """Whitelist reviewers who may take the application: not members of the applying institution."""
    return reviewers().exclude(memberships__institution_id=application.institution_id)


def can_decide(user, application) -> tuple[bool, str]:
    """Reviewers decide, but never on an application of an institution they belong to."""
    if not is_reviewer(user):
        return False, _("Only whitelist reviewers can decide applications.")
    if member_role(user, application.institution_id) is not None:
        return False, _("A member of the applying institution cannot decide its application.")
    return True, ""


# --- registered persons -------------------------------------------------------------------------

PERSON_REVIEW_PERMISSION = "zone.review_registeredperson"


def is_person_reviewer(user) -> bool:
    """Reviews registered persons: holds the permission (whitelist reviewers by role, or a superuser)."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(PERSON_REVIEW_PERMISSION))


def person_reviewers():
    """Every active reviewer of registered persons, by username."""
    return User.objects.with_perm(
        PERSON_REVIEW_PERMISSION, backend="django.contrib.auth.backends.ModelBackend"
    ).order_by("username")


def can_decide_person(user, person) -> tuple[bool, str]:
    """Reviewers decide on registered persons, never on those of an institution they belong to."""
    if not is_person_reviewer(user):
        return False, _("Only reviewers of registered persons can do this.")
    if member_role(user, person.institution_id) is not None:
        return False, _("A member of the person's institution cannot decide on their registration.")
    return True, ""


# --- data export filings ------------------------------------------------------------------------

EXPORT_ASSESS_PERMISSION = "zone.assess_dataexportfiling"
EXPORT_VIEW_PERMISSION = "zone.view_dataexportfiling"
NEGATIVE_LIST_VIEW_PERMISSION = "zone.view_negativelistentry"
NEGATIVE_LIST_CHANGE_PERMISSION = "zone.change_negativelistentry"


def is_export_assessor(user) -> bool:
    """Assesses and decides data export filings: holds the permission (whitelist reviewers by role)."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(EXPORT_ASSESS_PERMISSION))


def export_assessors():
    """Every active assessor of data export filings, by username."""
    return User.objects.with_perm(
        EXPORT_ASSESS_PERMISSION, backend="django.contrib.auth.backends.ModelBackend"
    ).order_by("username")


def can_assess_export(user, filing) -> tuple[bool, str]:
    """Assessors decide data export filings, never those of an institution they belong to."""
    if not is_export_assessor(user):
        return False, _("Only assessors of data export filings can do this.")
    if member_role(user, filing.institution_id) is not None:
        return False, _("A member of the filing institution cannot assess or decide its filing.")
    return True, ""


def can_edit_negative_list(user, verb: str = "change") -> bool:
    """Zone staff who keep the negative list: `verb` is add, change or delete."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(f"zone.{verb}_negativelistentry"))
