"""Filter backends shared by every list of the API, and filters bounded like every other input.

The backends filter and sort list actions only: a detail route (`/applications/{id}/documents/`)
ignores the list's query parameters instead of validating them against the wrong resource.
The filters are used by the API and by the pages' lists alike.
"""

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.drainage import set_override
from rest_framework import exceptions, filters

from hetao.limits import DATE_MAX, DATE_MIN, DAYS_MAX, ID_MAX, SHORT_TEXT_MAX


def is_list_action(view) -> bool:
    """True for a viewset's list action, and for views without actions (a plain list view)."""
    return getattr(view, "action", "list") == "list"


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, applied to list actions only."""

    def filter_queryset(self, request, queryset, view):
        if not is_list_action(view):
            return queryset
        return super().filter_queryset(request, queryset, view)


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=` restricted to the view's `ordering_fields`; anything else is a 400, not ignored.

    Views must name their sortable fields explicitly: sorting on an unindexed or computed
    column is a denial-of-service lever on large tables. Only list actions are sorted.
    """

    def filter_queryset(self, request, queryset, view):
        if not is_list_action(view):
            return queryset
        return super().filter_queryset(request, queryset, view)

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


# -- bounded filters ---------------------------------------------------------------------------------


def _document_bounds(filter_, schema: dict) -> None:
    """State a filter's bounds in the OpenAPI schema (drf-spectacular reads the override)."""
    description = filter_.extra.get("help_text") or filter_.label
    set_override(filter_, "field", {**schema, **({"description": description} if description else {})})


class TextFilter(django_filters.CharFilter):
    """Text of at most `max_length` characters (default SHORT_TEXT_MAX)."""

    def __init__(self, *args, max_length: int = SHORT_TEXT_MAX, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        _document_bounds(self, {"type": "string", "maxLength": max_length})


_DATE_RANGE = gettext_lazy("Enter a date from %(min)s to %(max)s.")


class BoundedDateFormField(forms.DateField):
    """A date from DATE_MIN to DATE_MAX (see `hetao.limits`)."""

    def validate(self, value):
        super().validate(value)
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            raise forms.ValidationError(
                _DATE_RANGE, code="date_out_of_range", params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
            )


class BoundedIsoDateTimeFormField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date and time whose date is from DATE_MIN to DATE_MAX."""

    def validate(self, value):
        super().validate(value)
        if value is not None and not DATE_MIN <= value.date() <= DATE_MAX:
            raise forms.ValidationError(
                _DATE_RANGE, code="date_out_of_range", params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
            )


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateFormField


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeFormField


class IdFilter(django_filters.NumberFilter):
    """A record's id, a positive 64-bit integer. An id the caller may not see simply matches nothing,
    exactly like an id that does not exist: the filter never tells the two apart."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)
        _document_bounds(
            self, {"type": "integer", "format": "int64", "minimum": self.extra["min_value"], "maximum": ID_MAX}
        )


class DaysFilter(django_filters.NumberFilter):
    """A number of days (fractions allowed) from 0 to DAYS_MAX."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", DAYS_MAX)
        super().__init__(*args, **kwargs)
        _document_bounds(self, {"type": "number", "minimum": self.extra["min_value"], "maximum": DAYS_MAX})
