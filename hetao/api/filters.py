"""Filter backends shared by every list of the API."""

from django.core.exceptions import ImproperlyConfigured
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, filters


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=` restricted to the view's `ordering_fields`; anything else is a 400, not ignored.

    Views must name their sortable fields explicitly: sorting on an unindexed or computed
    column is a denial-of-service lever on large tables.
    """

    ordering_description = gettext_lazy(
        "Comma-separated fields to sort by; prefix a field with “-” for descending order."
    )

    def get_valid_fields(self, queryset, view, context=None):
        fields = getattr(view, "ordering_fields", None)
        if fields is None or fields == "__all__":
            raise ImproperlyConfigured(f"{view.__class__.__name__} must list its ordering_fields explicitly.")
        return [(item, item) if isinstance(item, str) else item for item in fields]

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
        terms = [term for term in fields if term]
        unknown = [term for term in terms if term.removeprefix("-") not in valid]
        if unknown:
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _("Cannot sort by %(fields)s. Sortable fields: %(valid)s.")
                        % {"fields": ", ".join(unknown), "valid": ", ".join(sorted(valid))}
                    ]
                },
                code="invalid_ordering",
            )
        return terms

    def get_schema_operation_parameters(self, view):
        fields = getattr(view, "ordering_fields", None) or []
        names = [item if isinstance(item, str) else item[0] for item in fields]
        schema = {"type": "string"}
        description = force_str(self.ordering_description)
        if names:
            description = f"{description} {_('Sortable fields')}: {', '.join(names)}."
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": description,
                "schema": schema,
            }
        ]
