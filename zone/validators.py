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
