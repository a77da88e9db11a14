"""Keyset (cursor) pagination: stable and as fast on the thousandth page as on the first.

The cursor carries the sort key of the last row shown; the next page is the rows strictly after
it, so the database walks an index from that point instead of counting past skipped rows. The
sort key always ends with a unique field, which makes the order total: no row is shown twice
or skipped, whatever the client sorts by and however many rows share a value.
"""

import base64
import binascii
import datetime
import json
from collections import OrderedDict

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from hetao.limits import ID_MAX


def _encode_value(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)  # Decimal, UUID: their exact text


def cursor_token(key: list[str], values: list, *, reverse: bool = False) -> str:
    """The `?cursor=` value for the rows after `values` in sort key `key`.

    `key` lists the sort key's columns as the list answers it, descending ones prefixed with "-"
    and ending with the tiebreak: ["code", "id"] for sites in their default order,
    ["-pgh_created_at", "-pgh_id", "-pgh_slug"] for audit events. Clients only ever follow the
    links of a page; this is for tools that need to start deep in a list (benchmarks).
    """
    payload = {"k": ",".join(key), "r": int(reverse), "v": [_encode_value(v) for v in values]}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


class CursorPagination(pagination.BasePagination):
    """`?cursor=` and `?page_size=` (default 50, at most 500); answers `{"next", "previous", "results"}`.

    A view may set `cursor_tiebreak` (default `("pk",)`): the unique field(s) appended to its ordering.
    """

    cursor_query_param = "cursor"
    cursor_query_description = gettext_lazy("Opaque cursor from the `next` or `previous` link of a page.")
    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = gettext_lazy(
        "Number of results per page, from 1 to 500 (default 50); larger values are reduced to 500."
    )
    max_page_size = 500
    ordering = ("-pk",)
    tiebreak = ("pk",)

    # -- request parsing -------------------------------------------------------------------------

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                },
                code="invalid_page_size",
            )
        return min(size, self.max_page_size)

    def get_ordering(self, request, queryset, view):
        """The sort key as [(field, descending)], made total by the view's unique tiebreak field(s)."""
        terms = None
        for backend in getattr(view, "filter_backends", []):
            if hasattr(backend, "get_ordering"):
                terms = backend().get_ordering(request, queryset, view)
                break
        if not terms:
            terms = getattr(view, "ordering", None) or self.ordering
        if isinstance(terms, str):
            terms = (terms,)
        tiebreak = getattr(view, "cursor_tiebreak", self.tiebreak)
        first_descending = str(terms[0]).startswith("-")
        terms = [*terms, *(("-" if first_descending else "") + name for name in tiebreak)]

        opts = queryset.model._meta
        key = OrderedDict()
        for term in terms:
            if not isinstance(term, str):
                raise ImproperlyConfigured(f"{view.__class__.__name__}: cursor ordering must name model fields.")
            descending = term.startswith("-")
            name = term.lstrip("-")
            if name == "pk":
                name = opts.pk.name
            try:
                field = opts.get_field(name)
            except FieldDoesNotExist:
                raise ImproperlyConfigured(
                    f"{view.__class__.__name__}: cannot paginate by “{name}”, not a field of {opts.label}."
                ) from None
            if not getattr(field, "concrete", False) or field.many_to_many:
                raise ImproperlyConfigured(f"{view.__class__.__name__}: cannot paginate by “{name}”.")
            key.setdefault(field.attname, (field, descending))
        return list(key.values())

    def decode_cursor(self, request):
        """(reverse, values) of the `?cursor=`, or None on the first page."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            padded = encoded + "=" * (-len(encoded) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            if not isinstance(payload, dict) or not isinstance(payload.get("v"), list):
                raise TypeError("not a cursor")
            reverse = bool(payload["r"])
            raw_values = payload["v"]
            if payload["k"] != self._key_signature() or len(raw_values) != len(self.sort_key):
                raise ValueError("cursor of another ordering")
            if any(isinstance(raw, str) and "\x00" in raw for raw in raw_values):
                raise ValueError("NUL in a cursor value")  # PostgreSQL text cannot hold it
            if not all(raw is None or isinstance(raw, bool | int | str) for raw in raw_values):
                raise TypeError("cursor values are scalars")
            if any(isinstance(raw, int) and not -ID_MAX <= raw <= ID_MAX for raw in raw_values):
                raise ValueError("a number no column holds")
            values = [
                None if raw is None else field.to_python(raw)
                for raw, (field, _descending) in zip(raw_values, self.sort_key, strict=True)
            ]
        except (
            ValueError,
            TypeError,
            KeyError,
            UnicodeError,
            RecursionError,
            binascii.Error,
            DjangoValidationError,
        ):
            raise exceptions.ValidationError(
                {self.cursor_query_param: [_("This cursor is not valid for this list.")]}, code="invalid_cursor"
            ) from None
        return reverse, values

    def _key_signature(self) -> str:
        return ",".join(("-" if descending else "") + field.attname for field, descending in self.sort_key)

    # -- the query -------------------------------------------------------------------------------

    @staticmethod
    def _order_by(sort_key, reverse):
        # PostgreSQL puts NULLs last ascending and first descending; flipping the direction flips
        # both, so the same rule holds for the reversed walk of a `previous` link.
        return [("-" if descending != reverse else "") + field.attname for field, descending in sort_key]

    @staticmethod
    def _after(sort_key, values, reverse):
        """Rows strictly after `values` in the (possibly reversed) sort order."""
        condition = Q(pk__in=[])
        equal_so_far = Q()
        for (field, descending), value in zip(sort_key, values, strict=True):
            desc = descending != reverse
            name = field.attname
            if value is None:
                # NULLs come first descending: anything non-null follows; ascending nothing does.
                strictly_after = Q(**{f"{name}__isnull": False}) if desc else None
                equal = Q(**{f"{name}__isnull": True})
            else:
                strictly_after = Q(**{f"{name}__{'lt' if desc else 'gt'}": value})
                if not desc and field.null:
                    strictly_after |= Q(**{f"{name}__isnull": True})
                equal = Q(**{name: value})
            if strictly_after is not None:
                condition |= equal_so_far & strictly_after
            equal_so_far &= equal
        first_field, first_descending = sort_key[0]
        first_value = values[0]
        if first_value is not None:
            # Redundant with the condition above, but a plain range on the leading column lets
            # PostgreSQL start an index scan at the cursor instead of filtering from the top.
            bound = Q(**{f"{first_field.attname}__{'lte' if first_descending != reverse else 'gte'}": first_value})
            if first_descending == reverse and first_field.null:
                bound |= Q(**{f"{first_field.attname}__isnull": True})
            condition &= bound
        return condition

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        self.sort_key = self.get_ordering(request, queryset, view)
        cursor = self.decode_cursor(request)
        reverse = bool(cursor and cursor[0])

        queryset = queryset.order_by(*self._order_by(self.sort_key, reverse))
        if cursor is not None:
            queryset = queryset.filter(self._after(self.sort_key, cursor[1], reverse))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        page = rows[: self.page_size]
        if reverse:
            page.reverse()

        self.next_values = self.previous_values = None
        if page:
            if reverse:
                self.previous_values = self._values(page[0]) if more else None
                self.next_values = self._values(page[-1])
            else:
                self.next_values = self._values(page[-1]) if more else None
                self.previous_values = self._values(page[0]) if cursor is not None else None
        self.page = page
        return page

    def _values(self, instance):
        if isinstance(instance, dict):
            return [instance.get(field.attname, instance.get(field.name)) for field, _descending in self.sort_key]
        return [getattr(instance, field.attname) for field, _descending in self.sort_key]

    # -- the answer ------------------------------------------------------------------------------

    def _link(self, values, reverse):
        if values is None:
            return None
        token = cursor_token(self._key_signature().split(","), values, reverse=reverse)
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def get_next_link(self):
        return self._link(self.next_values, reverse=False)

    def get_previous_link(self):
        return self._link(self.previous_values, reverse=True)

    def get_paginated_response(self, data):
        return Response(
            OrderedDict([("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data)])
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": str(_("Link to the next page; null on the last page.")),
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": str(_("Link to the previous page; null on the first page.")),
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(self.cursor_query_description),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(self.page_size_query_description),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
