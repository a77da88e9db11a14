"""Registration numbers of mainland and Hong Kong institutions."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 17 characters from this 31-character alphabet plus a check character.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")
_HK_BR_RE = re.compile(r"^\d{8}$")
_HK_STATUTORY_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,29}$")


def uscc_check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a code."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    if not _USCC_RE.match(value or ""):
        raise ValidationError(
            _("A Unified Social Credit Code has 18 characters: digits and capital letters except I, O, S, V and Z."),
            code="uscc_format",
        )
    if uscc_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("This Unified Social Credit Code is not valid: its check character does not match (GB 32100-2015)."),
            code="uscc_check",
        )


def validate_hk_br(value: str) -> None:
    if not _HK_BR_RE.match(value or ""):
        raise ValidationError(_("A Hong Kong Business Registration number has exactly 8 digits."), code="hk_br_format")


def validate_hk_statutory(value: str) -> None:
    if not _HK_STATUTORY_RE.match(value or ""):
        raise ValidationError(
            _("A statutory-body identifier has 2 to 30 capital letters, digits or hyphens."), code="hk_statutory_format"
        )


def normalise_registration_no(value: str) -> str:
    """Strip spaces and hyphens people type into codes, and upper-case letters."""
    return re.sub(r"[\s]", "", value or "").upper()


# --- travel documents of registered persons -----------------------------------------------------
#
# Numbers are validated in their normalised form (`hetao.crypto.normalise_identifier`: NFKC, no
# spaces, dashes or parentheses, upper case), the form that is hashed and stored.

DOCUMENT_NUMBER_MAX = 40  # characters as typed, before normalising

# GB 11643-1999: 17 digits and a check character by ISO 7064 MOD 11-2.
MAINLAND_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MAINLAND_ID_CHECK = "10X98765432"  # indexed by the weighted sum modulo 11
_MAINLAND_ID_RE = re.compile(r"^[1-9]\d{16}[\dX]$")
# One or two letters, six digits and a check character (a digit or A); the parentheses around
# the check character are dropped by normalising.
_HK_ID_RE = re.compile(r"^([A-Z]{1,2})(\d{6})([\dA])$")
# Mainland Travel Permit for Hong Kong and Macao Residents (回乡证): H or M, then 8 or 10 digits.
_HOME_RETURN_PERMIT_RE = re.compile(r"^[HM](\d{8}|\d{10})$")
_PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")


def mainland_id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a resident identity card number's first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, MAINLAND_ID_WEIGHTS, strict=True))
    return MAINLAND_ID_CHECK[total % 11]


def _birth_date_is_real(yyyymmdd: str) -> bool:
    from datetime import date

    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def validate_mainland_id(value: str) -> None:
    if not _MAINLAND_ID_RE.match(value or ""):
        raise ValidationError(
            _("A resident identity card number has 18 characters: 17 digits and a digit or X."),
            code="mainland_id_format",
        )
    if not _birth_date_is_real(value[6:14]):
        raise ValidationError(
            _("This resident identity card number is not valid: characters 7 to 14 are not a date of birth."),
            code="mainland_id_birth_date",
        )
    if mainland_id_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("This resident identity card number is not valid: its last character does not match (GB 11643)."),
            code="mainland_id_check",
        )


def hk_id_check_character(letters: str, digits: str) -> str:
    """The check character of a Hong Kong identity card number: weights 9 … 2 over the two letter
    positions (a single letter is preceded by a space, worth 36) and six digits, modulo 11."""
    letters = letters.rjust(2)
    values = [36 if ch == " " else ord(ch) - ord("A") + 10 for ch in letters] + [int(d) for d in digits]
    remainder = sum(value * weight for value, weight in zip(values, range(9, 1, -1), strict=True)) % 11
    check = (11 - remainder) % 11
    return "A" if check == 10 else str(check)


def validate_hk_id(value: str) -> None:
    match = _HK_ID_RE.match(value or "")
    if not match:
        raise ValidationError(
            _("A Hong Kong identity card number is one or two letters, six digits and a check digit, e.g. A123456(3)."),
            code="hk_id_format",
        )
    letters, digits, check = match.groups()
    if hk_id_check_character(letters, digits) != check:
        raise ValidationError(
            _("This Hong Kong identity card number is not valid: its check digit does not match."), code="hk_id_check"
        )


def validate_home_return_permit(value: str) -> None:
    if not _HOME_RETURN_PERMIT_RE.match(value or ""):
        raise ValidationError(
            _("A Mainland Travel Permit number is H or M followed by 8 or 10 digits."),
            code="home_return_permit_format",
        )


def validate_passport(value: str) -> None:
    if not _PASSPORT_RE.match(value or ""):
        raise ValidationError(_("A passport number has 5 to 20 letters and digits."), code="passport_format")


DOCUMENT_VALIDATORS = {
    "mainland_id": validate_mainland_id,
    "hk_id": validate_hk_id,
    "home_return_permit": validate_home_return_permit,
    "passport": validate_passport,
}


def clean_travel_document(document_type: str, number: str) -> str:
    """The number in its normalised form, or a ValidationError saying what is wrong with it.

    The messages never repeat the number: it is personal data and must not reach logs or pages."""
    from hetao.crypto import normalise_identifier

    validator = DOCUMENT_VALIDATORS.get(document_type)
    if validator is None:
        raise ValidationError(_("Choose a travel document type."), code="document_type")
    if len(number or "") > DOCUMENT_NUMBER_MAX:
        raise ValidationError(
            _("A travel document number has at most %(limit)s characters.") % {"limit": DOCUMENT_NUMBER_MAX},
            code="document_number_length",
        )
    normalised = normalise_identifier(number)
    if not normalised:
        raise ValidationError(_("Enter the travel document number."), code="document_number_required")
    validator(normalised)
    return normalised
