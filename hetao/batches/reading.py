"""Reading a batch file as people and systems write them: CSV in UTF-8 (with or without BOM) or
GB18030 as Chinese Excel saves it, and XLSX — streamed, row by row, so memory stays flat in the
file size.

File-level problems raise `FileProblem` (the batch is rejected with its message); what is wrong in
a row is the row validator's business (`hetao.batches.values`). An XLSX archive is checked before
it is opened: entry count, uncompressed size, compression ratio, and no DTD or entity declaration
in any of its XML parts (no billion laughs, no external entities).
"""

import codecs
import csv
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from .values import CELL_MAX_CHARS, normalise_text

# What a batch file may hold (README "Limits").
ROW_MAX_CELLS = 200
XLSX_MAX_ENTRIES = 10_000
XLSX_MAX_UNCOMPRESSED = 2 * 1024**3  # 2 GiB
XLSX_MAX_RATIO = 200  # uncompressed ÷ compressed, per entry
ENCODING_SAMPLE = 1024 * 1024
ENCODINGS = ("utf-8", "gb18030")
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with BOM)", "gb18030": "GB18030"}
XML_PROLOG_SCAN = 4096
XML_PROLOG_MAX = 1024 * 1024  # a prolog longer than this is read as far as this


class FileProblem(Exception):
    """The file cannot be read as a batch at all: the batch is rejected with this message."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Table:
    """A batch file opened for reading: its format, the encoding used (CSV), its header, and its
    data rows as (line number, cells) — an iterator, read once."""

    format: str
    encoding: str
    header: list[str]
    rows: Iterator[tuple[int, list]]
    # How much of the file has been read, 0.0–1.0 (for the progress bar; an estimate).
    read_fraction: Callable[[], float] = lambda: 0.0


def _utf8_prefix_ok(sample: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the sample's end is not an error
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(sample: bytes, declared: str | None = None) -> str:
    """The encoding of a CSV file from its first bytes: the declared one when given (and known),
    else UTF-8 with BOM, UTF-8, or GB18030 (which Chinese Excel writes), in that order."""
    if declared:
        name = declared.strip().lower().replace("_", "-")
        aliases = {"utf8": "utf-8", "utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gb18030", "gb2312": "gb18030"}
        name = aliases.get(name, name)
        if name not in ("utf-8", "utf-8-sig", "gb18030"):
            raise FileProblem(
                _("Unknown encoding “%(encoding)s”: use UTF-8 or GB18030.") % {"encoding": declared[:40]},
                code="unknown_encoding",
            )
        return name
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if _utf8_prefix_ok(sample):
        return "utf-8"
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        raise FileProblem(
            _("The file is neither UTF-8 nor GB18030 text: save it as CSV UTF-8 or as an Excel workbook."),
            code="undecodable",
        ) from None
    return "gb18030"


def _header(cells) -> list[str]:
    return [normalise_text(cell).lower() for cell in cells]


def _csv_rows(handle) -> Iterator[tuple[int, list]]:
    reader = csv.reader(handle)
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line is no row
            yield reader.line_num, cells
    except UnicodeDecodeError:
        raise FileProblem(
            _("Line %(line)s is not text in the file's encoding (%(encoding)s).")
            % {"line": reader.line_num + 1, "encoding": ENCODING_NAMES.get(handle.encoding, handle.encoding)},
            code="undecodable",
        ) from None
    except csv.Error as error:
        raise FileProblem(
            _("Line %(line)s cannot be read as CSV: %(error)s") % {"line": reader.line_num, "error": error},
            code="bad_csv",
        ) from None


def open_csv(path: Path, *, encoding: str | None = None) -> Table:
    """A CSV file, streamed; raises FileProblem for an unreadable, empty or header-only file."""
    with path.open("rb") as raw:
        sample = raw.read(ENCODING_SAMPLE)
    used = detect_encoding(sample, encoding)
    handle = path.open(encoding=used, newline="", errors="strict")
    csv.field_size_limit(CELL_MAX_CHARS * 4 + 1)  # longer cells are reported per row, not a crash
    rows = _csv_rows(handle)
    try:
        _line, first = next(rows)
    except StopIteration:
        handle.close()
        raise FileProblem(_("The file is empty."), code="empty") from None
    size = max(path.stat().st_size, 1)
    return Table(
        format="csv",
        encoding=used,
        header=_header(first),
        rows=_closing(rows, handle),
        read_fraction=lambda: min(handle.buffer.tell() / size, 1.0) if not handle.closed else 1.0,
    )


def _closing(rows, handle):
    try:
        yield from rows
    finally:
        handle.close()


def check_xlsx_archive(path: Path) -> None:
    """Refuse an XLSX that is no ZIP archive, holds too many entries, unpacks to too much, is packed
    suspiciously tightly (a zip bomb), or declares a DTD or entities in any XML part."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileProblem(_("The file is not an Excel workbook (.xlsx)."), code="not_xlsx") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > XLSX_MAX_ENTRIES:
            raise FileProblem(
                _("The workbook holds %(count)s parts; at most %(max)s are read.")
                % {"count": f"{len(entries):,}", "max": f"{XLSX_MAX_ENTRIES:,}"},
                code="xlsx_too_many_entries",
            )
        total = sum(entry.file_size for entry in entries)
        if total > XLSX_MAX_UNCOMPRESSED:
            raise FileProblem(
                _("The workbook unpacks to more than %(max)s GiB.") % {"max": XLSX_MAX_UNCOMPRESSED // 1024**3},
                code="xlsx_too_large",
            )
        for entry in entries:
            if entry.compress_size and entry.file_size / entry.compress_size > XLSX_MAX_RATIO:
                raise FileProblem(
                    _("The workbook's part %(name)s is packed too tightly to be a real spreadsheet.")
                    % {"name": entry.filename[:80]},
                    code="xlsx_ratio",
                )
        if "xl/workbook.xml" not in {entry.filename for entry in entries}:
            raise FileProblem(_("The file is not an Excel workbook (.xlsx)."), code="not_xlsx")
        for entry in entries:
            if entry.filename.endswith((".xml", ".rels")):
                with archive.open(entry) as part:
                    head = _prolog(part).upper()
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise FileProblem(
                        _("The workbook declares a DTD or entities (in %(name)s); such files are refused.")
                        % {"name": entry.filename[:80]},
                        code="xlsx_dtd",
                    )


_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_ROOT = re.compile(rb"<[A-Za-z_]")


def _prolog(part) -> bytes:
    """An XML part's prolog: everything before its root element (where a DTD would be), comments
    left out, read in blocks up to XML_PROLOG_MAX; UTF-16 text is read as its ASCII bytes."""
    seen = b""
    while len(seen) < XML_PROLOG_MAX:
        block = part.read(XML_PROLOG_SCAN)
        if not block:
            break
        seen += block
        text = _COMMENT.sub(b"", seen.replace(b"\x00", b"") if seen[:2] in (b"\xff\xfe", b"\xfe\xff") else seen)
        root = _ROOT.search(text)
        if root:
            return text[: root.start()]
    return _COMMENT.sub(b"", seen.replace(b"\x00", b""))


def _xlsx_rows(sheet) -> Iterator[tuple[int, list]]:
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if not any(cell not in ("", None) for cell in cells):
            continue
        yield number, list(cells)


def open_xlsx(path: Path) -> Table:
    """The first sheet of an XLSX workbook, streamed, after checking the archive."""
    from python_calamine import CalamineWorkbook

    check_xlsx_archive(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as error:  # calamine's own errors: the archive is no readable workbook
        raise FileProblem(
            _("The workbook cannot be read: %(error)s") % {"error": str(error)[:200]}, code="bad_xlsx"
        ) from None
    rows = _xlsx_rows(sheet)
    try:
        _number, first = next(rows)
    except StopIteration:
        raise FileProblem(_("The file is empty."), code="empty") from None
    height = max(getattr(sheet, "height", 0) or 0, 1)
    seen = [0]

    def counted():
        for number, cells in rows:
            seen[0] = number
            yield number, cells

    return Table(
        format="xlsx",
        encoding="",
        header=_header(first),
        rows=counted(),
        read_fraction=lambda: min(seen[0] / height, 1.0),
    )


def open_table(path: Path, *, encoding: str | None = None) -> Table:
    """A CSV or XLSX batch file by its content (a ZIP archive is read as XLSX)."""
    with path.open("rb") as raw:
        magic = raw.read(4)
    if magic.startswith(b"PK\x03\x04"):
        return open_xlsx(path)
    return open_csv(path, encoding=encoding)


def data_rows(table: Table) -> Iterator[tuple[int, list]]:
    """The table's data rows; a file with a header and no row is refused when that shows."""
    seen = False
    for row in table.rows:
        seen = True
        yield row
    if not seen:
        raise FileProblem(_("The file has a header but no rows."), code="header_only")


def row_shape_problem(cells: list, width: int) -> str | None:
    """What is wrong with a row's shape: more cells than the header has columns (empty cells at
    its end do not count), or more than ROW_MAX_CELLS."""
    count = len(cells)
    while count and cells[count - 1] in ("", None):
        count -= 1
    if count > min(width, ROW_MAX_CELLS):
        return _("The row has %(count)s cells; the header has %(width)s columns.") % {"count": count, "width": width}
    return None
