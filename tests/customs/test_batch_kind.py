"""The batch kind `customs_declarations`: its header checked, its template in the reader's
language, and each declaration of a file checked by the same functions and the same rule engine
as one filed by hand — without a query per row."""

from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from customs.batch import DECLARATIONS, Lookups, check_declaration
from hetao.batches.reading import FileProblem, data_rows, open_table

from .declaration_helpers import checkpoint, declarant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def csv_file(tmp_path, rows: list[str]) -> str:
    header = (
        "ref,line,direction,checkpoint,planned_date,transport_mode,"
        "hs_code,description,quantity,unit,value,currency,origin,category,permit_reference"
    )
    path = tmp_path / "declarations.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def checked_declarations(path, institution, lookups):
    table = open_table(path)
    positions = DECLARATIONS.check_header(table.header)
    groups, cell_errors = defaultdict(list), []
    for line, cells in data_rows(table):
        values, errors = DECLARATIONS.read_row(line, cells, positions)
        cell_errors.extend(errors)
        groups[values["ref"]].append((line, values))
    return [check_declaration(ref, rows, lookups, institution) for ref, rows in groups.items()], cell_errors


def test_a_file_of_two_declarations_is_checked_and_decided_like_declarations_filed_by_hand(
    tmp_path, django_assert_num_queries
):
    institution, _filer, _reviewer = declarant()
    checkpoint("HT-FL-CARGO")
    day = (timezone.localdate() + timedelta(days=3)).strftime("%Y/%m/%d")
    path = csv_file(
        tmp_path,
        [
            f"PO-1,first,into_park,HT-FL-CARGO,{day},vehicle,"
            '９０２７．２０,Gas chromatograph,"1,000",pcs,150000,HKD,DE,instrument,',
            f"PO-1,first,into_park,HT-FL-CARGO,{day},vehicle,847130,Laptops,3,pcs,24000,HKD,CN,general,",
            f"PO-2,first,into_park,HT-FL-CARGO,{day},vehicle,382219,Reagents,40,box,36000,HKD,US,hazardous_chemical,",
        ],
    )
    lookups = Lookups.load()
    table = open_table(path)
    positions = DECLARATIONS.check_header(table.header)
    rows = [(line, DECLARATIONS.read_row(line, cells, positions)[0]) for line, cells in data_rows(table)]
    with django_assert_num_queries(0):
        first = check_declaration("PO-1", rows[:2], lookups, institution)
        second = check_declaration("PO-2", rows[2:], lookups, institution)
    assert not first.errors
    assert [item["hs_code"] for item in first.items] == ["902720", "847130"]
    assert first.items[0]["quantity"] == 1000
    assert (first.decision.regime, first.decision.lane) == ("filing_only", "green")
    # The rules refuse a hazardous chemical without a permit, in the file as by hand.
    assert [(error.line, error.column) for error in second.errors] == [(4, "ref")]
    assert "cross only with a permit" in second.errors[0].message


def test_each_problem_is_reported_with_its_line_column_and_value(tmp_path):
    institution, _filer, _reviewer = declarant()
    checkpoint("HT-FL-CARGO")
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    path = csv_file(
        tmp_path,
        [
            f"PO-1,first,into_park,HT-FL-CARGO,{day},vehicle,902799,Unknown goods,1,pcs,10,HKD,DE,instrument,",
            f"PO-1,first,into_park,HT-NO1,{day},vehicle,847130,Laptops,3,pcs,24000,HKD,CN,general,",
            "PO-3,first,sideways,HT-FL-CARGO,24/12/2026,vehicle,847130,Laptops,-3,pcs,24000,EUR,CN,general,",
        ],
    )
    checked, cell_errors = checked_declarations(path, institution, Lookups.load())
    by_cell = {(error.line, error.column): error for error in cell_errors}
    assert by_cell[(4, "direction")].value == "sideways"
    assert "is not one of" in by_cell[(4, "direction")].message
    assert by_cell[(4, "planned_date")].message.startswith("“24/12/2026” is not a date")
    assert by_cell[(4, "quantity")].message == "Enter a number greater than zero."
    assert by_cell[(4, "currency")].value == "EUR"
    first = next(item for item in checked if item.ref == "PO-1")
    problems = {(error.line, error.column): error for error in first.errors}
    assert "gives the same checkpoint as its first row (line 2)" in problems[(3, "checkpoint")].message


def test_the_header_is_checked_and_the_template_reads_in_the_readers_language():
    header, example, _guide = DECLARATIONS.template()
    assert DECLARATIONS.check_header(header) == {name: position for position, name in enumerate(header)}
    assert example[header.index("hs_code")] == "9027.20"
    with pytest.raises(FileProblem) as caught:
        DECLARATIONS.check_header([*header[:5], "colour", *header[6:]])
    assert "unknown columns: colour" in caught.value.message and "missing columns: planned_date" in caught.value.message
    with translation.override("zh-hans"):
        _header, _example, chinese = DECLARATIONS.template()
    row = next(row for row in chinese if row[0] == "planned_date")
    assert row[1] == "必填" and "YYYY-MM-DD" in row[2]
