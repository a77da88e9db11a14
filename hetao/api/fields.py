"""Serializer fields with the portal's input bounds (`hetao.limits`), stated in the schema too."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hetao.limits import DATE_MAX, DATE_MIN, ID_MAX


def _with_range(help_text, range_text):
    return format_lazy("{} {}", help_text, range_text) if help_text else range_text


class BoundedDateField(serializers.DateField):
    """A date from DATE_MIN to DATE_MAX: far enough for any real record, and date arithmetic on it
    (a default end three years later) never leaves the calendar."""

    default_error_messages = {
        "date_out_of_range": _("Enter a date from {min} to {max}."),
    }

    def __init__(self, **kwargs):
        range_text = _("From %(min)s to %(max)s.") % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
        kwargs["help_text"] = _with_range(kwargs.get("help_text"), range_text)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not DATE_MIN <= day <= DATE_MAX:
            self.fail("date_out_of_range", min=DATE_MIN.isoformat(), max=DATE_MAX.isoformat())
        return day


@extend_schema_field(
    {
        "anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}],
    }
)
class OptionalURLField(serializers.URLField):
    """A URL the record may leave empty: the schema says "a URI or the empty string", as answered."""


@extend_schema_field(
    {
        "anyOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}],
    }
)
class OptionalEmailField(serializers.EmailField):
    """An e-mail address the record may leave empty (see OptionalURLField)."""


class IdField(serializers.IntegerField):
    """The id of a record, a positive 64-bit integer: a larger number names no record and is a 400."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class BoundedDecimalField(serializers.DecimalField):
    """An exact decimal with `max_digits` and `decimal_places`: the schema states the longest text
    it accepts (the digits, a sign and a point), like every other text input."""

    @property
    def max_text_length(self) -> int:
        return (self.max_digits or 30) + 2
