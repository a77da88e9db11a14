"""CSV and XLSX downloads of list pages, safe to open in a spreadsheet.

A cell that starts with = + - @, a tab or a carriage return is read by spreadsheet programs
as a formula (CSV/formula injection), so such text is prefixed with a single quote.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = ("csv", "xlsx")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def neutralise(value: str) -> str:
    """Text that a spreadsheet would evaluate, turned into plain text with a leading quote."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return neutralise(str(value))


def xlsx_cell(value):
    if isinstance(value, datetime):
        # Excel has no time zones: write the local wall-clock time.
        return timezone.make_naive(value) if timezone.is_aware(value) else value
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        return value
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


class _Echo:
    """A file-like object whose write() returns the text, so csv.writer can feed a stream."""

    def write(self, value):
        return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """Stream rows as UTF-8 CSV with a byte-order mark, which Excel needs to read Chinese text."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([csv_cell(h) for h in header])
        for row in rows:
            yield writer.writerow([csv_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Export"
) -> HttpResponse:
    """Rows as an XLSX workbook, written in openpyxl's write-only mode so memory stays flat."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_SHEET_TITLE_FORBIDDEN.sub("", title)[:31] or "Export")
    sheet.append([xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(fmt: str, *, filename: str, header: Sequence[str], rows: Iterable[Sequence], title: str = "Export"):
    """The download in the requested format ("csv" or "xlsx")."""
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows, title=title)
    if fmt == "csv":
        return csv_response(filename, header, rows)
    raise ValueError(f"unknown export format {fmt!r}")
