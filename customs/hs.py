"""The HS 2022 nomenclature shipped in data/hs2022/ (UN Comtrade, PDDL)."""

import csv
from pathlib import Path

from django.conf import settings

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
