"""The kinds of batch filing: what columns a kind's file has, how each cell is read, and the
template people fill in.

An app declares its kind once (`register(Kind(...))`, from its `frame.py`); the import engine reads
any kind's file through it: the header checked against the columns (unknown and missing columns
named), each cell read by its column's type (`hetao.batches.values`), and the kind's own validator
and writer called on the rows. `template` gives the header row, an example row and a column guide
in the reader's language — for the CSV and XLSX templates of the pages and the API.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .reading import FileProblem
from .values import CellProblem, normalise_text, parse_date, parse_decimal

TEXT, DECIMAL, DATE, CHOICE, BOOLEAN = "text", "decimal", "date", "choice", "boolean"
TYPE_LABELS = {
    TEXT: gettext_lazy("text"),
    DECIMAL: gettext_lazy("number"),
    DATE: gettext_lazy("date (YYYY-MM-DD)"),
    CHOICE: gettext_lazy("one of the values listed"),
    BOOLEAN: gettext_lazy("yes or no"),
}
READ_CACHE = 4096  # distinct cells remembered per column while a file is read
_UNREAD = object()
_YES = {"yes", "y", "true", "1", "是", "x"}
_NO = {"no", "n", "false", "0", "否", ""}


@dataclass(frozen=True)
class Column:
    """One column of a kind's file."""

    name: str
    help: str
    type: str = TEXT
    required: bool = True
    example: str = ""
    max_length: int = 200
    choices: tuple[str, ...] = ()
    places: int = 2
    digits: int = 16

    def read(self, raw):
        """The cell as this column's value ("" or None when empty), or CellProblem."""
        if self.type == DECIMAL and isinstance(raw, int | float) and not isinstance(raw, bool):
            return parse_decimal(raw, places=self.places, digits=self.digits)
        if self.type == DATE and not isinstance(raw, str) and raw not in (None, ""):
            return parse_date(raw)
        text = normalise_text(raw)
        if not text:
            if self.required:
                raise CellProblem(_("This column is required."))
            return None if self.type in (DECIMAL, DATE) else ("" if self.type != BOOLEAN else False)
        if self.type == TEXT:
            if len(text) > self.max_length:
                raise CellProblem(_("Write at most %(limit)s characters.") % {"limit": self.max_length})
            return text
        if self.type == DECIMAL:
            return parse_decimal(text, places=self.places, digits=self.digits)
        if self.type == DATE:
            return parse_date(text)
        if self.type == BOOLEAN:
            lowered = text.lower()
            if lowered in _YES:
                return True
            if lowered in _NO:
                return False
            raise CellProblem(_("Write yes or no."))
        value = text if text in self.choices else text.lower()
        if value not in self.choices:
            raise CellProblem(
                _("“%(value)s” is not one of: %(choices)s.") % {"value": text[:40], "choices": ", ".join(self.choices)}
            )
        return value


@dataclass(frozen=True)
class CellError:
    """One problem of the error report: the file's line, the column, the value, the message."""

    line: int
    column: str
    value: str
    message: str


@dataclass(frozen=True)
class Kind:
    """A kind of batch: its columns, the column whose equal values group rows into one record (a
    declaration's `ref`), and the functions that check and write a group of rows."""

    code: str
    label: str
    columns: tuple[Column, ...]
    group_by: str | None = None
    # prepare() -> context: what the rows refer to, loaded once per batch.
    prepare: Callable | None = None
    # validate(key, rows, context, institution) -> a checked group with `.errors` (CellError list).
    validate: Callable | None = None
    # writer(batch, psycopg connection) -> an object with add(group, rows) -> chunk | None (buffer a
    # valid group; a chunk once the buffer is full), take() -> chunk | None (what is left),
    # store(chunk) -> [(errors, rows)] (insert it set-wise, with raw SQL only: it runs in the engine's
    # sink thread; the groups it sets aside against stored records) and discard(), all inside the
    # batch's one transaction.
    writer: Callable | None = None
    description: str = ""
    column_index: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "column_index", {column.name: column for column in self.columns})

    def check_header(self, header: list[str]) -> dict[str, int]:
        """The position of each column in the file; FileProblem naming unknown, repeated or
        missing required columns."""
        known = self.column_index
        unknown = [name for name in header if name and name not in known]
        repeated = sorted(name for name, count in Counter(header).items() if name and count > 1)
        missing = [column.name for column in self.columns if column.required and column.name not in header]
        problems = []
        if unknown:
            problems.append(_("unknown columns: %(names)s") % {"names": ", ".join(unknown[:20])})
        if repeated:
            problems.append(_("repeated columns: %(names)s") % {"names": ", ".join(repeated)})
        if missing:
            problems.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
        if problems:
            raise FileProblem(
                _("The header does not fit a “%(kind)s” file (%(problems)s). Download the template for its columns.")
                % {"kind": self.label, "problems": "; ".join(problems)},
                code="bad_header",
            )
        return {name: position for position, name in enumerate(header) if name}

    def read_row(self, line: int, cells: list, positions: dict[str, int]) -> tuple[dict, list[CellError]]:
        """A row's values by column name, and the problems of its cells."""
        values, errors = self.row_reader(positions)(line, cells)
        return dict(zip(self.column_index, values, strict=True)), errors

    def row_reader(self, positions: dict[str, int]) -> Callable[[int, list], tuple[list, list[CellError]]]:
        """A function reading one row: (values in column order, problems). Reading a cell depends on
        its text alone, so each column remembers what it read for up to READ_CACHE distinct cells —
        the codes, dates and units that repeat down a file cost one dictionary look-up."""
        plan = [(column, positions.get(column.name), {}) for column in self.columns]

        def read(line: int, cells: list) -> tuple[list, list[CellError]]:
            values, errors = [], []
            width = len(cells)
            for column, position, memo in plan:
                raw = cells[position] if position is not None and position < width else None
                remembered = type(raw) is str or raw is None  # XLSX numbers and booleans are read each time
                outcome = memo.get(raw, _UNREAD) if remembered else _UNREAD
                if outcome is _UNREAD:
                    try:
                        outcome = column.read(raw)
                    except CellProblem as problem:
                        outcome = problem
                    if remembered and len(memo) < READ_CACHE:
                        memo[raw] = outcome
                if isinstance(outcome, CellProblem):
                    errors.append(CellError(line, column.name, "" if raw is None else str(raw)[:200], outcome.message))
                    outcome = None
                values.append(outcome)
            return values, errors

        return read

    def template(self) -> tuple[list[str], list[str], list[list[str]]]:
        """The template's header row, example row and column guide (name, required, type, help) in
        the active language."""
        header = [column.name for column in self.columns]
        example = [column.example for column in self.columns]
        guide = [
            [
                column.name,
                str(_("required")) if column.required else str(_("optional")),
                str(TYPE_LABELS[column.type])
                + (": " + ", ".join(column.choices) if column.type == CHOICE and column.choices else ""),
                str(column.help),
            ]
            for column in self.columns
        ]
        return header, example, guide


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Make a kind of batch known (an app calls it from its frame registration)."""
    _KINDS[kind.code] = kind


def kind_of(code: str) -> Kind | None:
    return _KINDS.get(code)


def kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.code)
