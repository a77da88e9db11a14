"""The batch kind `customs_declarations`: one row per item; rows with the same `ref` form one
declaration, checked by the very functions that check a declaration filed by hand
(`clean_header`, `clean_items`) and decided by the same rule engine.

Everything a row refers to — HS subheadings, checkpoints, institutions by registration number,
carriers, whitelist scopes, the rule set — is loaded once per batch (`Lookups`), so checking a row
runs no query.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import orjson
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hetao import numbering
from hetao.batches.kinds import BOOLEAN, CHOICE, DATE, DECIMAL, CellError, Column, Kind
from hetao.i18n import reason_in
from zone.models import EntryStatus, Institution, PersonStatus, RegisteredPerson, WhitelistEntry

from .choices import Currency, Direction, ItemCategory, TransportMode, Unit
from .models import (
    PERMIT_MAX,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    REFERENCE_MAX,
    VALUE_DIGITS,
    VALUE_PLACES,
    Checkpoint,
    HsCode,
    Line,
)
from .rules import evaluate, ordered, select
from .services import stock
from .services.checks import _check_planned_date, _Problems, clean_header, clean_items
from .services.declarations import _Header, _ItemView, facts_of
from .services.rules import current_rules

KIND = "customs_declarations"
# Columns that describe the declaration, not the item: equal on every row of one `ref`.
HEADER_COLUMNS = (
    "declarant",
    "line",
    "direction",
    "checkpoint",
    "planned_date",
    "transport_mode",
    "carrier",
    "receiving_institution",
    "consolidated",
    "period_start",
    "period_end",
)
ITEM_COLUMNS = (
    "hs_code",
    "description",
    "quantity",
    "unit",
    "value",
    "currency",
    "origin",
    "category",
    "permit_reference",
)

COLUMNS = (
    Column("ref", gettext_lazy("Your reference of the declaration: rows with the same ref form one declaration."),
           max_length=REFERENCE_MAX, example="PO-2026-118"),
    Column("declarant", gettext_lazy("Registration number of the declarant (only in files of zone staff and "
                                     "partner systems; an institution files for itself)."), required=False,
           example=""),
    Column("line", gettext_lazy("first, second or internal."), type=CHOICE, choices=tuple(Line.values),
           example="first"),
    Column("direction", gettext_lazy("into_park or out_of_park."), type=CHOICE, choices=tuple(Direction.values),
           example="into_park"),
    Column("checkpoint", gettext_lazy("Code of the checkpoint, e.g. HT-NO1."), max_length=16, example="HT-F1-CARGO"),
    Column("planned_date", gettext_lazy("The day the goods cross."), type=DATE, example="2026-12-24"),
    Column("transport_mode", gettext_lazy("vehicle, hand_carry, post or other."), type=CHOICE,
           choices=tuple(TransportMode.values), example="vehicle"),
    Column("carrier", gettext_lazy("For hand-carried goods: id of the registered person who carries them."),
           required=False),
    Column("receiving_institution", gettext_lazy("For a movement inside the park: registration number of the "
                                                 "receiver."), required=False),
    Column("consolidated", gettext_lazy("yes for a consolidated declaration covering a period."), type=BOOLEAN,
           required=False, example="no"),
    Column("period_start", gettext_lazy("First day of a consolidated declaration's period."), type=DATE,
           required=False),
    Column("period_end", gettext_lazy("Last day of a consolidated declaration's period."), type=DATE,
           required=False),
    Column("hs_code", gettext_lazy("HS code: 6 digits of an HS 2022 subheading, or 8 or 10 digits."), max_length=20,
           example="9027.20"),
    Column("description", gettext_lazy("Description of the goods."), example="Gas chromatograph"),
    Column("quantity", gettext_lazy("Quantity, greater than zero."), type=DECIMAL, places=QUANTITY_PLACES,
           digits=QUANTITY_DIGITS, example="2"),
    Column("unit", gettext_lazy("Unit of the quantity."), type=CHOICE, choices=tuple(Unit.values), example="pcs"),
    Column("value", gettext_lazy("Value, greater than zero."), type=DECIMAL, places=VALUE_PLACES,
           digits=VALUE_DIGITS, example="150000.00"),
    Column("currency", gettext_lazy("CNY, HKD or USD."), type=CHOICE, choices=tuple(Currency.values), example="HKD"),
    Column("origin", gettext_lazy("Country of origin, ISO 3166 code of two letters."), max_length=2, example="DE"),
    Column("category", gettext_lazy("Category of the goods."), type=CHOICE, choices=tuple(ItemCategory.values),
           example="instrument"),
    Column("permit_reference", gettext_lazy("Permit reference, for goods that need one."), required=False,
           max_length=PERMIT_MAX),
)  # fmt: skip


@dataclass
class Lookups:
    """What the rows of one batch refer to, read once: by code, registration number or id."""

    subheadings: dict[str, str]
    checkpoints: dict[str, Checkpoint]
    institutions: dict[str, Institution]
    carriers: dict[int, RegisteredPerson]
    scopes: dict[int, list[tuple[date, date, frozenset]]]
    rules: list = field(default_factory=list)
    # Stock held now, by (institution, subheading, unit): what goods leaving the park may take.
    stock: dict[tuple, Decimal] = field(default_factory=dict)

    def held(self, institution_id: int, subheading: str, unit: str) -> Decimal:
        return self.stock.get((institution_id, subheading, unit), Decimal("0"))

    @classmethod
    def load(cls) -> "Lookups":
        scopes = defaultdict(list)
        for institution_id, start, end, entry_scopes in WhitelistEntry.objects.filter(
            status=EntryStatus.ACTIVE
        ).values_list("institution_id", "valid_from", "valid_until", "scopes"):
            scopes[institution_id].append((start, end, frozenset(entry_scopes)))
        return cls(
            subheadings=dict(HsCode.objects.filter(declarable=True).values_list("code", "description")),
            checkpoints={checkpoint.code: checkpoint for checkpoint in Checkpoint.objects.all()},
            institutions={institution.registration_no: institution for institution in Institution.objects.all()},
            carriers={
                person.pk: person
                for person in RegisteredPerson.objects.filter(status=PersonStatus.APPROVED, designated_carrier=True)
            },
            scopes=dict(scopes),
            rules=ordered(current_rules()),
            stock=stock.balances(),
        )

    def scopes_on(self, institution_id: int, day: date) -> frozenset:
        return frozenset().union(
            *(scopes for start, end, scopes in self.scopes.get(institution_id, []) if start <= day <= end)
        )


@dataclass
class Checked:
    """A declaration of the batch, checked and decided: what the writer files, or its problems."""

    ref: str
    institution: Institution | None
    header: dict
    items: list[dict]
    decision: object = None
    errors: list[CellError] = field(default_factory=list)
    first_line: int = 0


def check_declaration(ref: str, rows: list[tuple[int, dict]], lookups: Lookups, uploader_institution=None) -> Checked:
    """One declaration of a batch (its rows, in file order) checked like a declaration filed by hand."""
    first_line, first = rows[0]
    errors: list[CellError] = []
    first_header = tuple(map(first.get, HEADER_COLUMNS))
    for line, values in rows[1:]:
        if tuple(map(values.get, HEADER_COLUMNS)) == first_header:
            continue
        for name in HEADER_COLUMNS:
            if values.get(name) != first.get(name):
                errors.append(
                    CellError(
                        line,
                        name,
                        str(values.get(name) or ""),
                        _(
                            "Every row of declaration %(ref)s gives the same %(column)s as its first row "
                            "(line %(line)s)."
                        )
                        % {"ref": ref, "column": name, "line": first_line},
                    )
                )
    institution = uploader_institution
    if institution is None:
        institution = lookups.institutions.get(first.get("declarant") or "")
        if institution is None:
            errors.append(
                CellError(first_line, "declarant", str(first.get("declarant") or ""),
                          _("Name the declarant by its registration number."))
            )  # fmt: skip
    checkpoint = lookups.checkpoints.get(first.get("checkpoint") or "")
    if first.get("checkpoint") and checkpoint is None:
        errors.append(
            CellError(first_line, "checkpoint", first["checkpoint"], _("No checkpoint has this code."))
        )  # fmt: skip
    carrier = None
    if first.get("carrier"):
        carrier_id = str(first["carrier"])
        carrier = lookups.carriers.get(int(carrier_id)) if carrier_id.isdigit() else None
        if carrier is None or (institution is not None and carrier.institution_id != institution.pk):
            errors.append(
                CellError(first_line, "carrier", carrier_id,
                          _("No designated carrier of the declarant has this id."))
            )  # fmt: skip
            carrier = None
    receiver = None
    if first.get("receiving_institution"):
        receiver = lookups.institutions.get(first["receiving_institution"])
        if receiver is None:
            errors.append(
                CellError(first_line, "receiving_institution", first["receiving_institution"],
                          _("No institution has this registration number."))
            )  # fmt: skip
    header = {
        "reference": ref,
        "line": first.get("line"),
        "direction": first.get("direction"),
        "checkpoint": checkpoint,
        "planned_date": first.get("planned_date"),
        "transport_mode": first.get("transport_mode"),
        "carrier": carrier,
        "receiving_institution": receiver,
        "consolidated": bool(first.get("consolidated")),
        "period_start": first.get("period_start"),
        "period_end": first.get("period_end"),
    }
    items = [{name: values.get(name) for name in ITEM_COLUMNS} for _line, values in rows]
    checked = Checked(ref=ref, institution=institution, header=header, items=[], errors=errors, first_line=first_line)
    if errors or institution is None:
        return checked
    problems = _Problems()
    cleaned_header = clean_header(header, institution, problems)
    cleaned_items = clean_items(items, problems, lookups.subheadings)
    _check_planned_date(cleaned_header, problems)
    if not problems.errors and (
        cleaned_header["direction"] == Direction.OUT_OF_PARK or cleaned_header["line"] == Line.INTERNAL
    ):
        # Goods leaving the park, or moving inside it, take stock the declarant holds (as by hand).
        probe = SimpleNamespace(institution_id=institution.pk, line=cleaned_header["line"],
                                direction=cleaned_header["direction"],
                                receiving_institution_id=_pk(cleaned_header["receiving_institution"]))  # fmt: skip
        for message in stock.shortages(
            stock.stock_effect(probe, [_ItemView(item) for item in cleaned_items]), held=lookups.held
        ):
            problems.add("items", message)
    for key, messages in problems.errors.items():
        line, column = first_line, key
        if key.startswith("items."):
            _prefix, position, *rest = key.split(".")
            line = rows[int(position) - 1][0]
            column = rest[0] if rest else "hs_code"
        elif key in ("reference",):
            column = "ref"
        elif key == "items":
            column = "quantity"
        raw = rows[[row[0] for row in rows].index(line)][1].get(column) if column in COLUMN_NAMES else ""
        for message in messages:
            checked.errors.append(CellError(line, column, "" if raw is None else str(raw), message))
    if checked.errors:
        return checked
    day = cleaned_header["planned_date"] or timezone.localdate()
    scopes = lookups.scopes_on(institution.pk, day)
    # As at a passage check: approved, valid that day, and the institution admitted for personnel.
    designated = (
        carrier is not None
        and carrier.institution_id == institution.pk
        and carrier.valid_from <= day <= carrier.valid_until
        and "personnel" in scopes
    )
    draft = _Header(
        institution_id=institution.pk,
        line=cleaned_header["line"],
        direction=cleaned_header["direction"],
        transport_mode=cleaned_header["transport_mode"],
        checkpoint=checkpoint,
        carrier=carrier,
        planned_date=day,
    )
    checked.header, checked.items = cleaned_header, cleaned_items
    checked.decision = evaluate(
        facts_of(draft, cleaned_items, scopes=scopes, designated=designated),
        lookups.rules,
    )
    if checked.decision.refused:
        reasons = " ".join(reason_in(item.reason) for item in checked.decision.fired if item.refuse)
        checked.errors.append(
            CellError(
                first_line, "ref", ref, _("The risk rules refuse this declaration: %(reasons)s") % {"reasons": reasons}
            )
        )
    return checked


COLUMN_NAMES = {column.name for column in COLUMNS}

DECLARATIONS = Kind(
    code=KIND,
    label=gettext_lazy("Customs declarations"),
    description=gettext_lazy("One row per item; rows with the same ref form one declaration."),
    columns=COLUMNS,
    group_by="ref",
    prepare=Lookups.load,
    validate=check_declaration,
    writer=lambda batch, raw: DeclarationWriter(batch, raw),
)

# The staged declarations and items (temporary tables of the worker's session), each chunk under its
# number: COPYed once a chunk is numbered and decided, inserted set-wise a chunk at a time. Rows are
# never deleted from them (a TRUNCATE or DELETE per chunk costs more than the rows): they go with the
# session.
_STAGE = """
CREATE TEMPORARY TABLE hetao_stage_declarations (
    chunk integer, id bigint, number text, ref text, institution_id bigint, line text, direction text,
    receiving_institution_id bigint, checkpoint_id bigint, planned_date date, transport_mode text, carrier_id bigint,
    consolidated boolean, period_start date, period_end date, regime text, lane text, permit_required boolean,
    selected boolean, explanation jsonb
);
CREATE INDEX ON hetao_stage_declarations (chunk);
CREATE TEMPORARY TABLE hetao_stage_items (
    chunk integer, declaration_id bigint, position smallint, hs_code text, subheading_id text, description text,
    quantity numeric, unit text, value numeric, currency text, origin text, category text, permit_reference text
);
CREATE INDEX ON hetao_stage_items (chunk);
"""
_DECLARATION_COLUMNS = (
    "chunk", "id", "number", "ref", "institution_id", "line", "direction", "receiving_institution_id",
    "checkpoint_id", "planned_date", "transport_mode", "carrier_id", "consolidated", "period_start", "period_end",
    "regime", "lane", "permit_required", "selected", "explanation",
)  # fmt: skip
_ITEM_COLUMNS = (
    "chunk", "declaration_id", "position", "hs_code", "subheading_id", "description", "quantity", "unit", "value",
    "currency", "origin", "category", "permit_reference",
)  # fmt: skip
FLUSH_ITEMS = 10_000


class DeclarationWriter:
    """Files the checked declarations of a batch as a hand-filed declaration is filed — numbered in
    file order, decided (the random selection drawn on each number, as by hand), with the rules that
    fired and the rule-set version — a chunk at a time: the references the declarant already used set
    aside, COPY into staging tables, and one INSERT … SELECT per table, inside the batch's one
    transaction.

    `add` and `take` run in the checking thread; `store` in the engine's sink thread, with raw SQL
    on the batch's connection only (no ORM: Django's connections belong to their threads)."""

    def __init__(self, batch, raw):
        from hetao.models import NumberSeries

        from .models import Declaration, DeclarationItem, DeclarationStatus
        from .services.declarations import NUMBER_SERIES, NUMBER_WIDTH
        from .services.rules import current_version, selection

        self.batch, self.raw = batch, raw
        self.declarations, self.items = [], []
        self.chunks = 0
        self.year = timezone.localdate().year
        self.selection = selection()
        version = current_version()
        NumberSeries.objects.get_or_create(series=NUMBER_SERIES, year=self.year)
        self.series, self.width = NUMBER_SERIES, NUMBER_WIDTH
        self.tables = (Declaration._meta.db_table, DeclarationItem._meta.db_table)
        self.constants = {
            "status": DeclarationStatus.FILED, "version": version.pk if version else None,
            "user": batch.uploaded_by_id, "batch": batch.pk,
        }  # fmt: skip
        self.discard()
        with raw.cursor() as cursor:
            cursor.execute(_STAGE)

    def discard(self) -> None:
        """Drop the staging tables (temporary: they also go with the session)."""
        with self.raw.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS hetao_stage_declarations, hetao_stage_items")

    def add(self, group: Checked, rows: int):
        """Buffer a checked declaration; a chunk to store once the buffer is full, else None."""
        self.declarations.append((group, rows))
        self.items.extend(group.items)
        return self.take() if len(self.items) >= FLUSH_ITEMS else None

    def take(self):
        """The buffered declarations as a chunk (None when empty)."""
        chunk = self.declarations or None
        self.declarations, self.items = [], []
        return chunk

    def store(self, chunk) -> list[tuple[list[CellError], int]]:
        """Insert a chunk; returns the declarations set aside because the declarant already has one
        with that reference (the unique reference of a declaration filed by hand), with their rows."""
        table, item_table = self.tables
        self.chunks += 1
        number = self.chunks
        with self.raw.cursor() as cursor:
            # One index probe per declaration (LATERAL … LIMIT 1), never a scan of the table.
            cursor.execute(
                _USED_REFERENCES.format(table=table),
                [[group.institution.pk for group, _rows in chunk], [group.ref for group, _rows in chunk]],
            )
            used = set(cursor.fetchall())
            kept = [(group, rows) for group, rows in chunk if (group.institution.pk, group.ref) not in used]
            set_aside = [(group, rows) for group, rows in chunk if (group.institution.pk, group.ref) in used]
            if kept:
                first = numbering.reserve(cursor, self.series, self.year, len(kept))
                cursor.execute(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [len(kept)]
                )
                ids = [row[0] for row in cursor.fetchall()]
                with cursor.copy(
                    f"COPY hetao_stage_declarations ({', '.join(_DECLARATION_COLUMNS)}) FROM STDIN"
                ) as copy:
                    for offset, (pk, (group, _rows)) in enumerate(zip(ids, kept, strict=True)):
                        copy.write_row(
                            self._declaration_row(
                                number, pk, f"{self.series}-{self.year}-{first + offset:0{self.width}d}", group
                            )
                        )
                with cursor.copy(f"COPY hetao_stage_items ({', '.join(_ITEM_COLUMNS)}) FROM STDIN") as copy:
                    for pk, (group, _rows) in zip(ids, kept, strict=True):
                        for item in group.items:
                            copy.write_row((
                                number, pk, item["position"], item["hs_code"], item["hs_code"][:6],
                                item["description"], item["quantity"], item["unit"], item["value"], item["currency"],
                                item["origin"], item["category"], item["permit_reference"] or "",
                            ))  # fmt: skip
                cursor.execute(_INSERT_DECLARATIONS.format(table=table), self.constants | {"chunk": number})
                cursor.execute(_INSERT_ITEMS.format(table=item_table), {"chunk": number})
        message = str(_("Your institution already has a declaration with this reference."))
        return [([CellError(group.first_line, "ref", group.ref, message)], rows) for group, rows in set_aside]

    def _declaration_row(self, chunk: int, pk: int, number: str, group: Checked) -> tuple:
        header = group.header
        decision = select(group.decision, number, self.selection)  # the draw needs the number
        return (
            chunk, pk, number, group.ref, group.institution.pk, header["line"], header["direction"],
            _pk(header["receiving_institution"]), _pk(header["checkpoint"]), header["planned_date"],
            header["transport_mode"], _pk(header["carrier"]), header["consolidated"], header["period_start"],
            header["period_end"], decision.regime, decision.lane, decision.permit_required, decision.selected,
            orjson.dumps(decision.explanation).decode(),
        )  # fmt: skip


_USED_REFERENCES = """
SELECT s.institution_id, s.ref
  FROM unnest(%s::bigint[], %s::text[]) AS s(institution_id, ref)
 CROSS JOIN LATERAL (
       SELECT 1 FROM {table} d
        WHERE d.institution_id = s.institution_id AND d.reference = s.ref AND d.reference <> '' LIMIT 1) used
"""
_INSERT_DECLARATIONS = """
INSERT INTO {table} (
    id, institution_id, number, reference, line, direction, receiving_institution_id, checkpoint_id, planned_date,
    transport_mode, carrier_id, consolidated, period_start, period_end, status, regime, lane, permit_required,
    selected, explanation, rule_set_version_id, findings, decision_note, filed_at, created_by_id, batch_id,
    created_at, updated_at
)
SELECT id, institution_id, number, ref, line, direction, receiving_institution_id, checkpoint_id, planned_date,
       transport_mode, carrier_id, consolidated, period_start, period_end, %(status)s, regime, lane, permit_required,
       selected, explanation, %(version)s, '', '', now(), %(user)s, %(batch)s, now(), now()
  FROM hetao_stage_declarations WHERE chunk = %(chunk)s ORDER BY number
"""
_INSERT_ITEMS = """
INSERT INTO {table} (
    declaration_id, position, hs_code, subheading_id, description, quantity, unit, value, currency, origin,
    category, permit_reference
)
SELECT declaration_id, position, hs_code, subheading_id, description, quantity, unit, value, currency, origin,
       category, permit_reference
  FROM hetao_stage_items WHERE chunk = %(chunk)s
"""


def _pk(obj):
    return obj.pk if obj is not None else None
