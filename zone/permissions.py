"""Who may do what in the zone app: `can_<verb>` helpers answer (allowed, reason)."""

from django.utils.translation import gettext as _

from .models import Membership


def member_role(user, institution_id: int) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, institution_id=institution_id).values_list("role", flat=True).first()


def can_file(user, institution_id: int) -> bool:
    """Owners and filers file and change their institution's applications; viewers only read."""
    return member_role(user, institution_id) in {Membership.Role.OWNER, Membership.Role.FILER}


def is_reviewer(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("zone.review_whitelistapplication"))


def is_whitelist_manager(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("zone.manage_whitelistentry"))


def can_decide(user, application) -> tuple[bool, str]:
    """Reviewers decide, but never on an application of an institution they belong to."""
    if not is_reviewer(user):
        return False, _("Only whitelist reviewers can decide applications.")
    if member_role(user, application.institution_id) is not None:
        return False, _("A member of the applying institution cannot decide its application.")
    return True, ""
