"""Bounds on every input: text lengths, dates and JSON structure.

The forms, the API serializers and the services use these constants, so a limit is the same
whichever way the input arrives; crossing one is a 4xx with a message, never a truncation.
README.md ("Limits") lists them.
"""

from datetime import date

# Free text written by people.
LONG_TEXT_MAX = 20_000  # a justification, a research plan summary
COMMENT_MAX = 5_000  # a comment, a message to the applicant, a reason for a decision
NOTE_MAX = 2_000  # a short note or reason on a status change
SHORT_TEXT_MAX = 500  # one-line fields (research fields, titles)

# Dates the portal accepts anywhere (validity periods, filters, planned dates). Far enough to
# cover any real record, near enough that date arithmetic (a default end three years later,
# "older than N days") never leaves the calendar.
DATE_MIN = date(1990, 1, 1)
DATE_MAX = date(2199, 12, 31)
# A filter of "waiting longer than N days" accepts at most this many days.
DAYS_MAX = 36_500

# JSON request bodies: deeper nesting is refused before it can exhaust the parser.
JSON_MAX_DEPTH = 32

# Identifiers: a database id is a positive 64-bit integer; larger numbers name no record.
ID_MAX = 2**63 - 1
# A username, as Django's user model bounds it.
USERNAME_MAX = 150

# Request bodies. A multipart upload may exceed DATA_UPLOAD_MAX_MEMORY_SIZE by its file (at most
# UPLOAD_MAX_BYTES) plus this much for the other fields and the parts' headers.
MULTIPART_OVERHEAD_BYTES = 256 * 1024


def bounded_text(value: str, *, limit: int, field: str) -> str:
    """`value` stripped, or a ValidationError on `field` when it is longer than `limit` characters."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError(
            {
                field: _("Write at most %(limit)s characters (this text has %(length)s).")
                % {"limit": f"{limit:,}", "length": f"{len(value):,}"}
            },
            code="too_long",
        )
    return value


def bounded_date(value: date | None, *, field: str) -> date | None:
    """`value`, or a ValidationError on `field` when it is outside DATE_MIN … DATE_MAX."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if value is not None and not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(
            {
                field: _("Enter a date from %(min)s to %(max)s.")
                % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
            },
            code="date_out_of_range",
        )
    return value
