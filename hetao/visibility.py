"""One visibility rule for every institution-owned record: `Model.objects.visible_to(principal)`.

Zone staff see a model's records when they hold its view permission; members of institutions,
and tokens bound to one, see only their institutions' records; anyone else sees nothing.
Every list, detail, export, download and page reads through it, so a record outside it answers
404 everywhere. A model opts in with the manager and names the path to its owning institution:

    class Declaration(models.Model):
        institution = models.ForeignKey(...)
        objects = VisibleToQuerySet.as_manager()
        tenant_field = "institution"          # or "declaration__institution" for an item

A model whose visibility has a further rule (internal comments, owners-only invitations)
subclasses the queryset and narrows `visible_to`.
"""

from django.db import models


class VisibleToQuerySet(models.QuerySet):
    def staff_permission(self) -> str:
        opts = self.model._meta
        return getattr(self.model, "tenant_staff_permission", None) or f"{opts.app_label}.view_{opts.model_name}"

    def visible_to(self, principal):
        """The records `principal` may see (a Principal from `hetao.principal.principal_for`, or None)."""
        if principal is None:
            return self.none()
        ids = principal.institution_ids
        if ids is None:
            return self if principal.user.has_perm(self.staff_permission()) else self.none()
        field = self.model.tenant_field
        return self.filter(**{"pk__in" if field == "pk" else f"{field}__in": ids})
