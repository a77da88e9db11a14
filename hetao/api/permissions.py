"""Scope checks for tokens; tenancy is applied by each viewset's queryset (404, never 403)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from hetao.principal import principal_for

SAFE = permissions.SAFE_METHODS


class HasTokenScope(permissions.BasePermission):
    """Authenticated, and a token holds the scope the view names for reads or writes.

    A view declares `read_scope` / `write_scope` (None: any authenticated principal).
    Browser sessions are limited by the user's roles in each view, not by scopes.
    """

    message = _("Your token does not carry the scope this endpoint needs.")
    code = "scope_missing"

    def has_permission(self, request, view):
        principal = principal_for(request)
        if principal is None:
            return False
        scope = getattr(view, "read_scope" if request.method in SAFE else "write_scope", None)
        if scope is None:
            return True
        if not principal.has_scope(scope):
            self.message = _("Your token does not carry the scope “%(scope)s”.") % {"scope": scope}
            return False
        return True


class IsAuditor(permissions.BasePermission):
    """Auditors and zone administrators (permission hetao.view_audit).

    A token bound to an institution never reads the audit trail: it spans every institution.
    """

    message = _("Only auditors may read the audit trail.")
    code = "not_auditor"

    def has_permission(self, request, view):
        principal = principal_for(request)
        if principal is None:
            return False
        if principal.token is not None and principal.token.institution_id is not None:
            return False
        return principal.user.has_perm("hetao.view_audit")
