"""The HS 2022 nomenclature shipped in data/hs2022/ (UN Comtrade, PDDL)."""

import csv
import unicodedata
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NOMENCLATURE_CSV = Path(settings.BASE_DIR) / "data" / "hs2022" / "harmonized-system.csv"


def read_nomenclature(path: Path = NOMENCLATURE_CSV):
    """Yield dicts for HsCode rows; chapter 99 is a statistical code and never declarable."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            code, level = row["hscode"].strip(), int(row["level"])
            if level not in (2, 4, 6) or not code.isdigit():
                continue
            yield {
                "code": code,
                "level": level,
                "section": row["section"].strip(),
                "parent": "" if row["parent"] == "TOTAL" else row["parent"].strip(),
                "description": row["description"].strip(),
                "declarable": level == 6 and not code.startswith("99"),
            }


def load_nomenclature(HsCode, path: Path = NOMENCLATURE_CSV) -> int:
    """Insert or update every code; running it again changes nothing."""
    rows = [HsCode(**values) for values in read_nomenclature(path)]
    HsCode.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["level", "section", "parent", "description", "declarable"],
    )
    return len(rows)


# --- HS codes as declarants type them -------------------------------------------------------------

HS_LENGTHS = (6, 8, 10)
# Separators declarants type between the digit pairs: "8471.30", "8471 30 00", "8471-30".
_SEPARATORS = str.maketrans("", "", " .-\u00a0\u3000")


def normalise_hs_code(raw) -> str:
    """An HS code with full-width digits made ASCII (NFKC) and separators removed."""
    return unicodedata.normalize("NFKC", str(raw or "")).translate(_SEPARATORS).strip()


def clean_hs_code(raw, subheadings=None) -> tuple[str, str]:
    """The normalised code and the description of its subheading, or a ValidationError.

    The first six digits must be a declarable subheading of the HS 2022 nomenclature; 8- and
    10-digit national codes are accepted when their first six are. `subheadings` maps codes to
    descriptions (the loaded nomenclature when not given)."""
    code = normalise_hs_code(raw)
    if not code:
        raise ValidationError(_("Enter an HS code."), code="required")
    if not code.isascii() or not code.isdigit():
        raise ValidationError(
            _("An HS code has digits only (spaces and dots are ignored): “%(code)s”."),
            code="invalid",
            params={"code": str(raw)[:20]},
        )
    if len(code) not in HS_LENGTHS:
        raise ValidationError(
            _("An HS code has 6, 8 or 10 digits; “%(code)s” has %(count)s."),
            code="invalid_length",
            params={"code": code[:20], "count": len(code)},
        )
    if subheadings is None:
        from .models import HsCode  # not at the top: the nomenclature's migration imports this module

        found = HsCode.objects.filter(code=code[:6], declarable=True).values_list("description", flat=True).first()
    else:
        found = subheadings.get(code[:6])
    if found is None:
        raise ValidationError(
            _("“%(subheading)s” is not a subheading of the HS 2022 nomenclature."),
            code="unknown_subheading",
            params={"subheading": code[:6]},
        )
    return code, found
