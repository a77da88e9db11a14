"""Batch files as people and systems really write them, and as attackers write them, through a
real Celery worker: a CSV with a byte-order mark, an XLSX workbook with Excel's serial dates and
numeric cells, full-width digits — each imported with the right values; a zip bomb, a billion
laughs, a row or a header of a million columns, a file over the size limit — each refused with a
message, and the worker still there for the next file. And a declaration filed in a batch is
decided exactly as the same declaration filed by hand."""

import csv
import datetime
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from customs import services
from customs.models import Declaration
from hetao.batches.services import batch_submit
from hetao.batches.values import EXCEL_EPOCH
from hetao.models import BatchFiling, BatchStatus
from tests.zone.people_helpers import approved_person

from .batch_helpers import (
    COLUMNS,
    HEADER,
    KIND,
    OwnWorker,
    csv_bytes,
    finished,
    forget_queue,
    good_row,
    own_queue,
    route_batches_to,
    upload,
    with_part,
    xlsx_bytes,
)
from .declaration_helpers import checkpoint, declarant, draft, item

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MILLION = 1_000_000


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def filer():
    institution, user, _reviewer = declarant()
    checkpoint("HT-FL-CARGO")
    return institution, user


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + timedelta(days=days)


def submit(filer, data: bytes, name: str = "declarations.csv", **options) -> BatchFiling:
    institution, user = filer
    batch, created = batch_submit(kind=KIND, uploaded=upload(data, name), actor=user, institution=institution,
                                  **options)  # fmt: skip
    assert created
    return batch


def items_of(declaration: Declaration) -> list[tuple]:
    return list(
        declaration.items.order_by("position").values_list(
            "position", "hs_code", "description", "quantity", "unit", "value", "currency", "origin", "category"
        )
    )


def assert_the_worker_still_imports(filer, ref: str = "ALIVE-1") -> None:
    """A small good file, filed after a bad one, is imported: the worker survived the bad one."""
    batch = finished(submit(filer, csv_bytes([good_row(ref, in_days(2).isoformat())]), name=f"{ref}.csv"))
    assert batch.status == BatchStatus.SUCCEEDED, (batch.message, batch.errors)
    assert Declaration.objects.filter(batch=batch, reference=ref).count() == 1


# --- files as people write them -------------------------------------------------------------------


def test_a_csv_with_a_byte_order_mark_is_imported(celery_worker, filer):
    day = in_days(4)
    rows = [
        f"BOM-1,first,into_park,HT-FL-CARGO,{day.isoformat()},vehicle,9027.20,Gas chromatograph,2,pcs,150000,HKD,"
        "DE,instrument,",
        f"BOM-1,first,into_park,HT-FL-CARGO,{day.isoformat()},vehicle,847130,笔记本电脑,3,pcs,24000.50,CNY,CN,general,",
    ]
    data = b"\xef\xbb\xbf" + csv_bytes(rows)
    batch = finished(submit(filer, data))
    assert batch.status == BatchStatus.SUCCEEDED, (batch.message, batch.errors)
    assert (batch.format, batch.encoding) == ("csv", "utf-8-sig")
    assert (batch.total_rows, batch.ok_rows, batch.failed_rows) == (2, 2, 0)
    declaration = Declaration.objects.select_related("checkpoint").get(batch=batch)
    assert (declaration.reference, declaration.line, declaration.direction, declaration.checkpoint.code) == (
        "BOM-1", "first", "into_park", "HT-FL-CARGO",
    )  # fmt: skip
    assert (declaration.planned_date, declaration.transport_mode, declaration.status) == (day, "vehicle", "filed")
    assert items_of(declaration) == [
        (1, "902720", "Gas chromatograph", Decimal("2"), "pcs", Decimal("150000"), "HKD", "DE", "instrument"),
        (2, "847130", "笔记本电脑", Decimal("3"), "pcs", Decimal("24000.50"), "CNY", "CN", "general"),
    ]


def test_an_xlsx_workbook_with_serial_dates_and_numeric_cells_is_imported(celery_worker, filer):
    serial_day, date_cell_day = in_days(10), in_days(11)
    serial = (serial_day - EXCEL_EPOCH).days  # what Excel stores for a date typed into a number cell
    header = [name.upper() if name == "ref" else name for name in COLUMNS]  # headers are read case-blind
    sheet = [
        header,
        ["XL-1", "first", "into_park", "HT-FL-CARGO", serial, "vehicle", 902720, "Gas chromatograph", 2, "pcs",
         150000.5, "HKD", "DE", "instrument", None],
        ["XL-1", "first", "into_park", "HT-FL-CARGO", serial, "vehicle", 847130, "笔记本电脑", 2.5, "pcs", 24000,
         "USD", "CN", "general", None],
        [],  # a blank row is no row
        ["XL-2", "first", "into_park", "HT-FL-CARGO", date_cell_day, "vehicle", "382219", "试剂", 40, "box", 36000,
         "HKD", "US", "reagent_consumable", None],
    ]  # fmt: skip
    batch = finished(submit(filer, xlsx_bytes(sheet), name="declarations.xlsx"))
    assert batch.status == BatchStatus.SUCCEEDED, (batch.message, batch.errors)
    assert (batch.format, batch.encoding) == ("xlsx", "")
    assert (batch.total_rows, batch.ok_rows) == (3, 3)
    first, second = Declaration.objects.filter(batch=batch).order_by("reference")
    assert (first.reference, first.planned_date, second.reference, second.planned_date) == (
        "XL-1", serial_day, "XL-2", date_cell_day,
    )  # fmt: skip
    assert items_of(first) == [
        (1, "902720", "Gas chromatograph", Decimal("2"), "pcs", Decimal("150000.50"), "HKD", "DE", "instrument"),
        (2, "847130", "笔记本电脑", Decimal("2.5"), "pcs", Decimal("24000"), "USD", "CN", "general"),
    ]
    assert items_of(second) == [
        (1, "382219", "试剂", Decimal("40"), "box", Decimal("36000"), "HKD", "US", "reagent_consumable"),
    ]


def test_full_width_digits_are_read_as_the_numbers_they_are(celery_worker, filer):
    day = in_days(6)
    wide_day = f"{day.year}年{day.month}月{day.day}日".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    rows = [
        f'FW-1,first,into_park,HT-FL-CARGO,{wide_day},vehicle,９０２７．２０,Gas chromatograph,２,pcs,"１５０，０００",'
        "HKD,DE,instrument,",
        f'FW-1,first,into_park,HT-FL-CARGO,{wide_day},vehicle,８４７１３０,Laptop,"１，２００",pcs,"２４，０００．７５",'
        "HKD,CN,general,",
    ]
    batch = finished(submit(filer, csv_bytes(rows)))
    assert batch.status == BatchStatus.SUCCEEDED, (batch.message, batch.errors)
    assert (batch.format, batch.encoding) == ("csv", "utf-8")
    declaration = Declaration.objects.get(batch=batch)
    assert declaration.planned_date == day
    assert items_of(declaration) == [
        (1, "902720", "Gas chromatograph", Decimal("2"), "pcs", Decimal("150000"), "HKD", "DE", "instrument"),
        (2, "847130", "Laptop", Decimal("1200"), "pcs", Decimal("24000.75"), "HKD", "CN", "general"),
    ]


# --- files as attackers write them ----------------------------------------------------------------


def _workbook() -> bytes:
    day = in_days(3)
    row = ["XB-1", "first", "into_park", "HT-FL-CARGO", day, "vehicle", "902720", "Gas chromatograph", 2, "pcs",
           150000, "HKD", "DE", "instrument", None]  # fmt: skip
    return xlsx_bytes([COLUMNS, row])


def zip_bomb() -> bytes:
    """A real workbook whose sheet unpacks to 256 MiB of XML (a well-formed sheet padded with
    whitespace) from a few hundred KiB."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    padding = b" " * (1024 * 1024)

    def chunks():
        yield head
        for _chunk in range(256):
            yield padding
        yield b"</sheetData></worksheet>"

    return with_part(_workbook(), "xl/worksheets/sheet1.xml", chunks=chunks())


def billion_laughs() -> bytes:
    """A real workbook whose sheet declares the billion-laughs entities in a DTD and uses them."""
    entities = [b'<!ENTITY lol "lol">'] + [
        b"<!ENTITY lol%d \"%s\">" % (level, b"".join(b"&lol%s;" % (b"" if level == 1 else b"%d" % (level - 1))
                                                     for _ in range(10)))
        for level in range(1, 10)
    ]  # fmt: skip
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE worksheet [' + b"".join(entities) + b"]>"
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    return with_part(_workbook(), "xl/worksheets/sheet1.xml", sheet)


@pytest.mark.parametrize(
    ("build", "name", "message"),
    [
        (zip_bomb, "bomb.xlsx",
         "The workbook's part xl/worksheets/sheet1.xml is packed too tightly to be a real spreadsheet."),
        (billion_laughs, "laughs.xlsx",
         "The workbook declares a DTD or entities (in xl/worksheets/sheet1.xml); such files are refused."),
    ],
    ids=["zip bomb", "billion laughs"],
)  # fmt: skip
def test_a_hostile_workbook_is_rejected_before_it_is_read_and_the_worker_carries_on(
    celery_worker, filer, build, name, message
):
    batch = finished(submit(filer, build(), name=name))
    assert (batch.status, batch.message) == (BatchStatus.REJECTED, message)
    assert batch.total_rows == 0 and not Declaration.objects.filter(batch=batch).exists()
    assert_the_worker_still_imports(filer)


def test_a_row_of_a_million_cells_is_refused_with_its_line_and_the_worker_carries_on(celery_worker, filer):
    row = good_row("WIDE-1", in_days(3).isoformat()) + ",x" * (MILLION - len(COLUMNS))
    batch = finished(submit(filer, csv_bytes([row])))
    assert batch.status == BatchStatus.FAILED and (batch.total_rows, batch.failed_rows) == (1, 1)
    assert batch.errors == [
        {"line": 2, "column": "", "value": "", "message": f"The row has {MILLION} cells; the header has 15 columns."}
    ]
    assert not Declaration.objects.filter(batch=batch).exists()
    assert_the_worker_still_imports(filer)


def test_a_header_of_a_million_columns_is_rejected_promptly(filer, monkeypatch, tmp_path):
    """On a worker of its own: a file that keeps a worker busy for hours must fail this test alone."""
    queue = own_queue()
    route_batches_to(monkeypatch, queue)
    header = HEADER + "".join(f",extra{number}" for number in range(MILLION - len(COLUMNS)))
    try:
        with OwnWorker(queue, tmp_path, "header") as worker:
            batch = finished(submit(filer, csv_bytes([good_row("WIDE-2", in_days(3).isoformat())], header=header)),
                             timeout=60)  # fmt: skip
            assert batch.status == BatchStatus.REJECTED, (batch.errors[:3], worker.log_tail())
            assert "unknown columns: extra0, extra1, extra2" in batch.message
            assert len(batch.message) < 1000  # the names are not all listed
            assert_the_worker_still_imports(filer)
    finally:
        forget_queue(queue)


def test_a_file_over_the_size_limit_is_refused_at_filing_and_nothing_is_stored(celery_worker, filer, settings):
    limit = 1024 * 1024
    data = csv_bytes([good_row("BIG-1", in_days(3).isoformat())])
    batches = settings.MEDIA_ROOT / "batches"
    stored_before = sorted(batches.iterdir()) if batches.exists() else []
    with override_settings(BATCH_MAX_BYTES=limit):
        with pytest.raises(ValidationError) as caught:
            submit(filer, data + b"\n" * (limit + 1 - len(data)))
        assert caught.value.message_dict == {"file": ["The file is over 1 MiB."]}
        assert not BatchFiling.objects.exists()
        assert (sorted(batches.iterdir()) if batches.exists() else []) == stored_before
        # At the limit exactly, the file is taken (blank lines are no rows).
        batch = finished(submit(filer, data + b"\n" * (limit - len(data))))
    assert batch.size == limit and batch.status == BatchStatus.SUCCEEDED, (batch.message, batch.errors)


# --- the same declaration, by hand and in a batch ---------------------------------------------------


def batch_file(ref: str, code: str, header: dict, items: list[dict], carrier=None) -> bytes:
    columns = [*COLUMNS, "carrier"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for line in items:
        values = {
            "ref": ref, "checkpoint": code, "planned_date": header["planned_date"].isoformat(),
            "carrier": carrier.pk if carrier else "", **{k: v for k, v in header.items() if k != "planned_date"},
            **line,
        }  # fmt: skip
        writer.writerow(["" if values.get(name) is None else str(values[name]) for name in columns])
    return buffer.getvalue().encode("utf-8")


SAMPLE = {"category": "sample", "hs_code": "300212", "unit": "ml", "quantity": Decimal("50"),
          "description": "Serum samples"}  # fmt: skip
# (declarant's whitelist scopes, checkpoint, header, items, with a designated carrier, expected decision)
FILED = {
    "a first-line instrument import of a whitelisted institution": (
        ("goods",), "HT-FL-CARGO", {}, [item(), item(hs_code="847130", category="general", description="Laptops")],
        False, ("filing_only", "green", False)),
    "a first-line import of an institution not whitelisted for goods": (
        ("personnel",), "HT-FL-CARGO", {}, [item()], False, ("standard_declaration", "yellow", False)),
    "a special item with its permit, the institution not whitelisted for special items": (
        ("goods",), "HT-FL-CARGO", {}, [item(), item(category="special_item", hs_code="300212", unit="ml",
                                                      description="Serum", permit_reference="SP-2026-0042")],
        False, ("filing_only", "red", True)),
    "a hazardous chemical with its permit": (
        ("goods",), "HT-FL-CARGO", {}, [item(category="hazardous_chemical", hs_code="382219", unit="box",
                                             description="Reagents", permit_reference="HC-7")],
        False, ("filing_only", "yellow", True)),
    "a second-line entry from the mainland": (
        ("goods",), "HT-SL-01", {}, [item()], False, ("standard_declaration", "green", False)),
    "samples hand-carried by a designated carrier through the No. 1 Channel": (
        ("goods", "personnel"), "HT-NO1", {"transport_mode": "hand_carry"}, [item(**SAMPLE)], True,
        ("filing_only", "green", False)),
}  # fmt: skip
IMPORT = "a first-line instrument import of a whitelisted institution"
REFUSED = {
    "a hazardous chemical without a permit": (
        ("goods",), "HT-FL-CARGO", {}, [item(), item(category="hazardous_chemical", hs_code="382219", unit="box",
                                                      description="Reagents")], False),
    "samples hand-carried through a cargo checkpoint": (
        ("goods", "personnel"), "HT-FL-CARGO", {"transport_mode": "hand_carry"}, [item(**SAMPLE)], True),
}  # fmt: skip


def _both_ways(scopes, code, changes, items, with_carrier):
    """One declaration twice, for a new declarant: a draft to file by hand (HAND-1), and a batch
    file of the same header and items (BATCH-1), filed and handed to the worker."""
    institution, user, reviewer = declarant(scopes=scopes)
    carrier = approved_person(institution, user, reviewer, designated_carrier=True) if with_carrier else None
    header = {"line": checkpoint(code).line, "direction": "into_park", "planned_date": in_days(3),
              "transport_mode": "vehicle", **changes}  # fmt: skip
    by_hand = draft(institution, user, items=[dict(line) for line in items], code=code, reference="HAND-1",
                    carrier=carrier, **header)  # fmt: skip
    batch = submit((institution, user), batch_file("BATCH-1", code, header, items, carrier))
    return user, by_hand, batch


@pytest.mark.parametrize("case", FILED, ids=list(FILED))
def test_a_declaration_in_a_batch_is_decided_like_the_same_declaration_filed_by_hand(celery_worker, settings, case):
    scopes, code, changes, items, with_carrier, expected = FILED[case]
    # The random selection sends a share of green declarations to yellow by their number; off here,
    # so that both paths meet the rules alone.
    settings.CUSTOMS_SELECTION_RATE = 0
    user, by_hand, batch = _both_ways(scopes, code, changes, items, with_carrier)
    by_hand = services.declaration_file(declaration_id=by_hand.pk, actor=user)
    batch = finished(batch)
    assert batch.status == BatchStatus.SUCCEEDED, (batch.message, batch.errors)
    in_batch = Declaration.objects.get(batch=batch)
    decision = ("regime", "lane", "permit_required", "selected", "rule_set_version_id", "status")
    assert (by_hand.regime, by_hand.lane, by_hand.permit_required) == expected
    assert [getattr(in_batch, name) for name in decision] == [getattr(by_hand, name) for name in decision]
    assert [fired["rule"] for fired in in_batch.explanation] == [fired["rule"] for fired in by_hand.explanation]
    assert in_batch.explanation == by_hand.explanation
    header = ("line", "direction", "checkpoint_id", "planned_date", "transport_mode", "carrier_id", "consolidated")
    assert [getattr(in_batch, name) for name in header] == [getattr(by_hand, name) for name in header]
    assert items_of(in_batch) == items_of(by_hand)


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_declaration_the_rules_refuse_is_refused_in_a_batch_as_by_hand(celery_worker, case):
    scopes, code, changes, items, with_carrier = REFUSED[case]
    user, by_hand, batch = _both_ways(scopes, code, changes, items, with_carrier)
    with pytest.raises(ValidationError) as caught:
        services.declaration_file(declaration_id=by_hand.pk, actor=user)
    (refusal,) = caught.value.messages
    assert refusal.startswith("The risk rules refuse this declaration: ")
    by_hand.refresh_from_db()
    assert (by_hand.status, by_hand.number) == ("draft", None)
    batch = finished(batch)
    assert batch.status == BatchStatus.FAILED and batch.ok_rows == 0
    assert batch.errors == [{"line": 2, "column": "ref", "value": "BATCH-1", "message": refusal}]
    assert not Declaration.objects.filter(batch=batch).exists()


# --- what a batch checks as filing by hand does: the date, the stock, the random selection ----------


def test_a_planned_date_that_has_passed_is_refused_in_a_batch_as_by_hand(celery_worker):
    scopes, code, changes, items, with_carrier, _expected = FILED[IMPORT]
    user, by_hand, batch = _both_ways(scopes, code, {**changes, "planned_date": in_days(-3)}, items, with_carrier)
    with pytest.raises(ValidationError) as caught:
        services.declaration_file(declaration_id=by_hand.pk, actor=user)
    assert caught.value.message_dict == {
        "planned_date": ["The planned date has passed: choose the day the goods cross."]
    }
    batch = finished(batch)
    assert batch.status == BatchStatus.FAILED, "the batch filed a declaration for a day that has passed"
    assert {(error["column"], error["message"]) for error in batch.errors} == {
        ("planned_date", "The planned date has passed: choose the day the goods cross.")
    }


def test_goods_leaving_the_park_beyond_the_stock_are_refused_in_a_batch_as_by_hand(celery_worker):
    scopes, code, changes, items, with_carrier, _expected = FILED[IMPORT]
    user, by_hand, batch = _both_ways(scopes, code, {**changes, "direction": "out_of_park"}, items, with_carrier)
    with pytest.raises(ValidationError) as caught:
        services.declaration_file(declaration_id=by_hand.pk, actor=user)
    shortages = caught.value.messages
    assert sorted(shortages) == [
        "The stock of HS 847130 holds 0 pcs; the declaration takes 2 pcs.",
        "The stock of HS 902720 holds 0 pcs; the declaration takes 2 pcs.",
    ]
    batch = finished(batch)
    assert batch.status == BatchStatus.FAILED, "the batch filed an exit of goods the declarant does not hold"
    assert set(shortages) <= {error["message"] for error in batch.errors}


def test_the_random_selection_reaches_declarations_filed_in_a_batch(settings, monkeypatch):
    from hetao.batches.engine import run
    from hetao.tasks import run_batch

    # Run here, where the settings can be changed, rather than on a worker.
    monkeypatch.setattr(run_batch, "delay", lambda batch_id: None)
    settings.CUSTOMS_SELECTION_RATE = 1  # every green declaration is selected
    scopes, code, changes, items, with_carrier, _expected = FILED[IMPORT]
    user, by_hand, batch = _both_ways(scopes, code, changes, items, with_carrier)
    by_hand = services.declaration_file(declaration_id=by_hand.pk, actor=user)
    assert (by_hand.lane, by_hand.selected) == ("yellow", True)
    assert run(batch.pk) == BatchStatus.SUCCEEDED
    in_batch = Declaration.objects.get(batch=batch)
    assert (in_batch.lane, in_batch.selected) == ("yellow", True), "no declaration of a batch is ever selected"
