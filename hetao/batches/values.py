"""Cell values as people type them, made exact: text (NFKC: full-width digits and letters, and
surrounding spaces), decimals with thousands separators, and dates in the forms Chinese and
international spreadsheets use, including Excel's serial numbers.

Each parser raises `CellProblem` with a message in the active language; the batch engine puts it
in the error report with the row, the column and the value.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from hetao.limits import DATE_MAX, DATE_MIN

CELL_MAX_CHARS = 10_000  # README "Limits"
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0, counting its 1900 leap-year bug
_DATE_FORMS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日$"),
)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
# The characters that make a spreadsheet read a cell as a formula (see hetao.exports.neutralise).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CellProblem(ValueError):
    """A cell that cannot be read as its column's type: the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalise_text(value) -> str:
    """A cell as text: NFKC (full-width digits, letters and spaces made plain) and stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 3.0 from a spreadsheet is the 3 someone typed
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if len(text) > CELL_MAX_CHARS:
        raise CellProblem(
            _("The cell has %(length)s characters; at most %(max)s are read.")
            % {"length": f"{len(text):,}", "max": f"{CELL_MAX_CHARS:,}"}
        )
    return text


def parse_decimal(value, *, places: int, digits: int, positive: bool = True) -> Decimal:
    """A decimal from a number or a text like "1,234.50" or "１２３４．５"; at most `places`
    decimal places and `digits` digits in all."""
    if isinstance(value, bool):
        raise CellProblem(_("Enter a number."))
    if isinstance(value, int | float | Decimal):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = normalise_text(value).replace(" ", "")
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellProblem(_("“%(value)s” is not a number.") % {"value": str(value)[:40]}) from None
    if not number.is_finite():
        raise CellProblem(_("“%(value)s” is not a number.") % {"value": str(value)[:40]})
    if positive and number <= 0:
        raise CellProblem(_("Enter a number greater than zero."))
    number = number.normalize() if number == number.to_integral_value() else number
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise CellProblem(_("Enter at most %(places)s decimal places.") % {"places": places})
    if abs(number) >= Decimal(10) ** (digits - places):
        raise CellProblem(_("Enter a number below %(max)s.") % {"max": f"{10 ** (digits - places):,}"})
    return number


def parse_date(value) -> date:
    """A date from YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年M月D日, a spreadsheet's date, or an
    Excel serial number."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2_958_466 or value != int(value):
            raise CellProblem(_("“%(value)s” is not a date.") % {"value": str(value)[:40]})
        day = EXCEL_EPOCH + timedelta(days=int(value))
    else:
        text = normalise_text(value)
        if text.isdigit() and len(text) <= 6:
            return parse_date(int(text))
        for form in _DATE_FORMS:
            match = form.match(text)
            if match:
                try:
                    day = date(int(match["y"]), int(match["m"]), int(match["d"]))
                except ValueError:
                    raise CellProblem(_("“%(value)s” is not a date of the calendar.") % {"value": text[:40]}) from None
                break
        else:
            raise CellProblem(
                _("“%(value)s” is not a date: write YYYY-MM-DD, YYYY/MM/DD or YYYY年M月D日.") % {"value": text[:40]}
            )
    if not DATE_MIN <= day <= DATE_MAX:
        raise CellProblem(
            _("Enter a date from %(min)s to %(max)s.") % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
        )
    return day


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would run this text as a formula (it is stored as text; exports and
    error reports neutralise it)."""
    return bool(text) and text.startswith(FORMULA_START)
