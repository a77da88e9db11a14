"""Who may do what with customs declarations and the risk rules."""

from django.utils.translation import gettext as _

from zone.permissions import can_file, member_role

DECIDE_PERMISSION = "customs.decide_declaration"
VIEW_PERMISSION = "customs.view_declaration"


def is_customs_officer(user) -> bool:
    """A customs officer: holds the decision permission (by role, directly, or as a superuser)."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(DECIDE_PERMISSION))


def can_decide(user, declaration) -> tuple[bool, str]:
    """Officers inspect and decide declarations, never those of an institution they belong to."""
    if not is_customs_officer(user):
        return False, _("Only customs officers can do this.")
    if member_role(user, declaration.institution_id) is not None:
        return False, _("A member of the declarant institution cannot inspect or decide its declaration.")
    return True, ""


def can_declare(user, declaration) -> tuple[bool, str]:
    """Owners and filers of the declarant prepare, file and cancel its declarations."""
    if can_file(user, declaration.institution_id):
        return True, ""
    return False, _("Only owners and filers of the declarant institution can do this.")
