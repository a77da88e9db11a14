"""Reading batch files as people write them: CSV in UTF-8 with or without BOM and in GB18030,
XLSX after its archive is checked, and cells made exact — full-width characters, thousands
separators, the date forms of Chinese and international spreadsheets, Excel serials."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from hetao.batches.reading import (
    XLSX_MAX_RATIO,
    FileProblem,
    data_rows,
    detect_encoding,
    open_table,
    row_shape_problem,
)
from hetao.batches.values import CellProblem, looks_like_formula, normalise_text, parse_date, parse_decimal

HEADER = "ref,hs_code,description,quantity\n"
ROWS = 'A-1,９０２７．２０,气相色谱仪,"1,200"\nA-1,847130,便携式电脑,3\n'


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def written(tmp_path, data: bytes, name="batch.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ((HEADER + ROWS).encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + (HEADER + ROWS).encode("utf-8"), "utf-8-sig"),
        ((HEADER + ROWS).encode("gb18030"), "gb18030"),
    ],
    ids=["utf-8", "utf-8 with BOM", "gb18030 (Chinese Excel)"],
)
def test_csv_is_read_in_the_encoding_it_was_saved_in(tmp_path, data, encoding):
    table = open_table(written(tmp_path, data))
    assert table.encoding == encoding and table.format == "csv"
    assert table.header == ["ref", "hs_code", "description", "quantity"]
    rows = list(data_rows(table))
    assert [line for line, _cells in rows] == [2, 3]
    assert rows[0][1][2] == "气相色谱仪"


def test_the_declared_encoding_wins_and_an_unknown_one_is_refused(tmp_path):
    path = written(tmp_path, (HEADER + ROWS).encode("gb18030"))
    assert open_table(path, encoding="GBK").encoding == "gb18030"
    with pytest.raises(FileProblem) as caught:
        open_table(path, encoding="latin-1")
    assert caught.value.code == "unknown_encoding"


def test_a_character_cut_at_the_end_of_the_sample_is_still_utf8():
    text = ("气" * 10).encode("utf-8")
    assert detect_encoding(text[:-1]) == "utf-8"


def test_undecodable_empty_and_header_only_files_are_refused_with_a_message(tmp_path):
    with pytest.raises(FileProblem) as binary:
        open_table(written(tmp_path, b"\xff\xfe\x00\x81\xff" * 50))
    assert binary.value.code == "undecodable"
    with pytest.raises(FileProblem) as empty:
        open_table(written(tmp_path, b"\n\n"))
    assert empty.value.code == "empty" and empty.value.message == "The file is empty."
    with pytest.raises(FileProblem) as header_only:
        list(data_rows(open_table(written(tmp_path, HEADER.encode()))))
    assert header_only.value.message == "The file has a header but no rows."


def test_a_row_with_too_many_cells_is_named():
    assert row_shape_problem(["a", "b", "", ""], width=2) is None
    assert row_shape_problem(["a", "b", "c"], width=2) == "The row has 3 cells; the header has 2 columns."


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_is_read_with_its_dates_and_numbers(tmp_path):
    data = xlsx_bytes(
        [["Ref", "Planned date", "Quantity"], ["A-1", datetime.date(2026, 12, 24), 2.5], [], ["A-2", 46015, "1,200"]]
    )
    table = open_table(written(tmp_path, data, "batch.xlsx"))
    assert table.format == "xlsx" and table.header == ["ref", "planned date", "quantity"]
    rows = list(data_rows(table))
    assert [line for line, _cells in rows] == [2, 4]
    assert parse_date(rows[0][1][1]) == datetime.date(2026, 12, 24)
    assert parse_date(rows[1][1][1]) == datetime.date(2025, 12, 24)
    assert parse_decimal(rows[1][1][2], places=3, digits=18) == Decimal("1200")


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_an_xlsx_bomb_a_dtd_and_a_fake_workbook_are_refused_before_reading(tmp_path):
    bomb = zip_of({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"0" * (XLSX_MAX_RATIO * 5_000)})
    with pytest.raises(FileProblem) as packed:
        open_table(written(tmp_path, bomb, "bomb.xlsx"))
    assert packed.value.code == "xlsx_ratio"

    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><workbook>&lol;</workbook>'
    with pytest.raises(FileProblem) as dtd:
        open_table(written(tmp_path, zip_of({"xl/workbook.xml": laughs}), "dtd.xlsx"))
    assert dtd.value.code == "xlsx_dtd"

    with pytest.raises(FileProblem) as fake:
        open_table(written(tmp_path, zip_of({"readme.txt": b"hello"}), "fake.xlsx"))
    assert fake.value.code == "not_xlsx"


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        ("  ９０２７．２０ ", "9027.20"),
        ("ＡＢＣ－１", "ABC-1"),
        (3.0, "3"),
        (None, ""),
        ("　气相色谱仪　", "气相色谱仪"),
    ],
)
def test_text_is_normalised(typed, text):
    assert normalise_text(typed) == text


def test_a_cell_over_ten_thousand_characters_is_refused():
    with pytest.raises(CellProblem, match="10,001 characters; at most 10,000"):
        normalise_text("x" * 10_001)


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("1,200", Decimal("1200")),
        ("１，２００．５", Decimal("1200.5")),
        (2.5, Decimal("2.5")),
        ("0.125", Decimal("0.125")),
        (7, Decimal("7")),
    ],
)
def test_decimals_with_thousands_separators_and_full_width_digits(typed, number):
    assert parse_decimal(typed, places=3, digits=18) == number


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "“abc” is not a number."),
        ("1,2,3", "“1,2,3” is not a number."),
        ("0", "Enter a number greater than zero."),
        ("1.2345", "Enter at most 3 decimal places."),
        ("NaN", "is not a number"),
        (True, "Enter a number."),
        ("1" * 16, "Enter a number below"),
    ],
)
def test_bad_decimals_are_refused_with_a_message(typed, message):
    with pytest.raises(CellProblem) as caught:
        parse_decimal(typed, places=3, digits=18)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026-12-24", datetime.date(2026, 12, 24)),
        ("2026/1/5", datetime.date(2026, 1, 5)),
        ("2026.01.05", datetime.date(2026, 1, 5)),
        ("2026年1月5日", datetime.date(2026, 1, 5)),
        ("２０２６年１２月２４日", datetime.date(2026, 12, 24)),
        (46015, datetime.date(2025, 12, 24)),
        ("46015", datetime.date(2025, 12, 24)),
        (datetime.datetime(2026, 3, 1, 8, 30), datetime.date(2026, 3, 1)),
    ],
)
def test_dates_in_the_forms_spreadsheets_use(typed, day):
    assert parse_date(typed) == day


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("24/12/2026", "is not a date: write YYYY-MM-DD"),
        ("2026-02-30", "is not a date of the calendar"),
        (46015.5, "is not a date"),
        ("1800-01-01", "Enter a date from"),
    ],
)
def test_bad_dates_are_refused_with_a_message(typed, message):
    with pytest.raises(CellProblem) as caught:
        parse_date(typed)
    assert message in caught.value.message


def test_formula_like_cells_are_recognised():
    assert looks_like_formula("=HYPERLINK(1)") and looks_like_formula("@SUM(A1)") and looks_like_formula("+1")
    assert not looks_like_formula("9027.20") and not looks_like_formula("")
