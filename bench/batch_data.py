"""Synthetic declaration files for the batch-import benchmark: item rows as institutions file
them — mostly first-line imports of instruments, reagents and samples, some second-line and
internal movements, one to six items per declaration — with 1 % bad rows of the kinds people
make (an HS code that is no subheading, a zero quantity, an impossible date, an unknown unit)."""

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

HEADER = [
    "ref", "line", "direction", "checkpoint", "planned_date", "transport_mode", "receiving_institution",
    "hs_code", "description", "quantity", "unit", "value", "currency", "origin", "category", "permit_reference",
]  # fmt: skip
# (line, direction, checkpoint, share): the demo checkpoints; first-line imports dominate.
MOVEMENTS = [
    ("first", "into_park", "HT-F1-CARGO", 0.62),
    ("first", "out_of_park", "HT-F1-CARGO", 0.12),
    ("second", "out_of_park", "HT-L2-FUTIAN", 0.10),
    ("second", "into_park", "HT-L2-FUTIAN", 0.08),
    ("internal", "into_park", "HT-INT", 0.08),
]
CATEGORIES = [("instrument", 0.35), ("reagent_consumable", 0.30), ("sample", 0.10), ("general", 0.25)]
UNITS = {"instrument": "pcs", "reagent_consumable": "box", "sample": "kg", "general": "pcs"}
DESCRIPTIONS = {
    "instrument": ["Gas chromatograph", "质谱仪", "Confocal microscope", "低温恒温器", "Spectrometer"],
    "reagent_consumable": ["试剂", "Pipette tips", "Cell culture medium", "抗体试剂盒", "Buffer solution"],
    "sample": ["Soil samples", "水样", "Sediment cores", "组织样本"],
    "general": ["笔记本电脑", "Office chairs", "Server rack", "Network switches", "书籍"],
}
ORIGINS = ["DE", "US", "JP", "CN", "GB", "CH", "HK", "KR", "FR", "NL"]
CURRENCIES = ["HKD", "CNY", "USD"]
BAD_KINDS = ["hs_code", "quantity", "planned_date", "unit"]


@dataclass(frozen=True)
class Subject:
    """Who files and what they may refer to: the declarant's receiver for internal movements and
    the HS subheadings (by category) the rows use."""

    receiver: str
    subheadings: dict[str, list[str]]


def _pick(rng: random.Random, shares):
    roll, total = rng.random(), 0.0
    for value, share in shares:
        total += share
        if roll < total:
            return value
    return shares[-1][0]


def rows(count: int, subject: Subject, *, seed: int = 20231201, bad_share: float = 0.01, start: date | None = None):
    """`count` item rows (lists of cells in HEADER order), deterministic for a seed."""
    rng = random.Random(seed)
    start = start or date.today() + timedelta(days=3)
    movements = [(m[:3], m[3]) for m in MOVEMENTS]
    made, declaration = 0, 0
    while made < count:
        declaration += 1
        line, direction, checkpoint = _pick(rng, movements)
        day = (start + timedelta(days=rng.randrange(0, 60))).isoformat()
        receiver = subject.receiver if line == "internal" else ""
        for _item in range(min(rng.randint(1, 6), count - made)):
            category = _pick(rng, CATEGORIES)
            row = [
                f"B-{seed % 1000:03d}-{declaration:07d}", line, direction, checkpoint, day, "vehicle", receiver,
                rng.choice(subject.subheadings[category]), rng.choice(DESCRIPTIONS[category]),
                str(rng.randint(1, 40)), UNITS[category], f"{rng.randint(100, 400_000)}.{rng.randint(0, 99):02d}",
                rng.choice(CURRENCIES), rng.choice(ORIGINS), category, "",
            ]  # fmt: skip
            if rng.random() < bad_share:
                broken = rng.choice(BAD_KINDS)
                row[HEADER.index(broken)] = {"hs_code": "999999", "quantity": "0", "planned_date": "2026-02-30",
                                              "unit": "parsec"}[broken]  # fmt: skip
            made += 1
            yield row


def write_csv(path: Path, count: int, subject: Subject, **options) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows(count, subject, **options))
    return path


def write_xlsx(path: Path, count: int, subject: Subject, **options) -> Path:
    """The same rows as an Excel workbook (openpyxl's write-only mode: it streams too)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("declarations")
    sheet.append(HEADER)
    for row in rows(count, subject, **options):
        sheet.append(row)
    workbook.save(path)
    return path
